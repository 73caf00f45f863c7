// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';

import {
  countdownText,
  offerAnnouncement,
  offerDocumentTitle,
  offerFromEvent,
  offerFromWorkItem,
  offerHeading,
  offerWaitedMs,
} from './offer';
import { TitleAlert } from './title';
import type { Offer } from '../proto/schema.gen';

const SERVER_NOW = 1_764_072_000_000;

/** An offer sent at SERVER_NOW with 30 s to go, for a customer waiting 95 s. */
const OFFER: Offer = {
  offer_id: 7,
  contact_id: 'k-1',
  channel: 'chat',
  queue: 'ui-claims',
  queue_name: 'Unemployment insurance claims',
  language: 'es',
  enqueued_ms: SERVER_NOW - 95_000,
  deadline_ms: SERVER_NOW + 30_000,
  remaining_ms: 30_000,
};

function manualClock(): { now: () => number; advance: (ms: number) => void } {
  let t = 0;
  return {
    now: () => t,
    advance: (ms) => {
      t += ms;
    },
  };
}

describe('offer countdown', () => {
  it('counts down from remaining_ms, whatever the deadline and the local clock say', () => {
    const c = manualClock();
    // a deadline far off (a server clock hours ahead of this PC's) changes nothing
    const o = offerFromEvent(
      { ...OFFER, deadline_ms: OFFER.deadline_ms + 7_200_000, remaining_ms: 20_000 },
      c.now,
    );
    expect(countdownText(o)).toBe('20 s left to accept');
    c.advance(5_000);
    expect(countdownText(o)).toBe('15 s left to accept');
    c.advance(15_000);
    expect(countdownText(o)).toBe('Time is up');
  });

  it('knows how long the customer has waited without comparing clocks', () => {
    const c = manualClock();
    const o = offerFromEvent(OFFER, c.now);
    expect(offerWaitedMs(o)).toBe(95_000);
    c.advance(10_000);
    expect(offerWaitedMs(o)).toBe(105_000);
  });

  it('rebuilds an offer known only from agent.work from its deadline and the server clock', () => {
    const c = manualClock();
    const o = offerFromWorkItem(
      {
        contact_id: 'k-1',
        channel: 'voice',
        queue: 'ui-claims',
        queue_name: 'Unemployment insurance claims',
        state: 'offered',
        language: 'en',
        enqueued_ms: SERVER_NOW - 60_000,
        since_ms: SERVER_NOW - 60_000,
        offer_id: 9,
        deadline_ms: SERVER_NOW + 12_000,
      },
      SERVER_NOW,
      c.now,
    );
    expect(o?.offerId).toBe(9);
    expect(o && countdownText(o)).toBe('12 s left to accept');
    expect(o && offerWaitedMs(o)).toBe(60_000);
    expect(
      offerFromWorkItem(
        {
          contact_id: 'k-2',
          channel: 'chat',
          queue: 'q',
          queue_name: 'Q',
          state: 'assigned',
          language: 'en',
          enqueued_ms: 0,
          since_ms: 0,
        },
        SERVER_NOW,
      ),
    ).toBeNull();
  });
});

describe('offer texts', () => {
  it('names the channel', () => {
    expect(offerHeading('chat')).toBe('New chat offer');
    expect(offerHeading('voice')).toBe('New voice call offer');
    expect(offerHeading('task')).toBe('New task offer');
    expect(offerDocumentTitle('chat')).toBe('● New chat offer — Switchboard');
  });

  it('announces the offer once, with what the agent needs to decide', () => {
    const o = offerFromEvent(OFFER, () => 0);
    expect(offerAnnouncement(o)).toBe(
      'New chat offer: Unemployment insurance claims, Spanish. Customer waiting 1 min 35 s. 30 seconds to accept. Press Alt+Shift+O to go to the offer.',
    );
  });
});

describe('TitleAlert', () => {
  it('changes the title and restores the one from before, once', () => {
    document.title = 'Agent console · Switchboard';
    const t = new TitleAlert(document);
    t.show('● New chat offer — Switchboard');
    expect(document.title).toBe('● New chat offer — Switchboard');
    expect(t.active).toBe(true);
    t.show('● New voice call offer — Switchboard'); // a second offer does not lose the original
    t.restore();
    expect(document.title).toBe('Agent console · Switchboard');
    expect(t.active).toBe(false);
    document.title = 'Changed meanwhile';
    t.restore(); // nothing to restore: leaves the title alone
    expect(document.title).toBe('Changed meanwhile');
  });
});
