/**
 * An offer as the console shows it. The time left to accept counts down from the `remaining_ms`
 * the server sent, on the local monotonic clock (Countdown), never from deadline_ms and the PC's
 * clock. How long the customer has waited is known the same way: the server's time when it sent
 * the offer is deadline_ms - remaining_ms, so the wait then was that minus enqueued_ms, and it
 * grows with the same monotonic clock.
 */
import { Countdown, formatElapsed, monotonicNow } from '../common/clock';
import { channelLabel, languageName, type Channel } from './format';
import type { Offer, WorkItem } from '../proto/schema.gen';

export interface OfferView {
  offerId: number;
  contactId: string;
  channel: Channel;
  queue: string;
  queueName: string;
  language: string;
  countdown: Countdown;
  /** How long the customer had waited when the countdown started. */
  waitedAtStartMs: number;
}

export function offerFromEvent(ev: Offer, clock: () => number = monotonicNow): OfferView {
  const serverSentAt = ev.deadline_ms - ev.remaining_ms;
  return {
    offerId: ev.offer_id,
    contactId: ev.contact_id,
    channel: ev.channel,
    queue: ev.queue,
    queueName: ev.queue_name,
    language: ev.language,
    countdown: new Countdown(ev.remaining_ms, clock),
    waitedAtStartMs: Math.max(0, serverSentAt - ev.enqueued_ms),
  };
}

/**
 * An offer known only from agent.work (after a reload or reconnect no `offer` event is repeated):
 * its time left has to come from deadline_ms and the server clock estimate.
 */
export function offerFromWorkItem(
  item: WorkItem,
  serverNow: number,
  clock: () => number = monotonicNow,
): OfferView | null {
  if (item.state !== 'offered' || item.offer_id === undefined || item.deadline_ms === undefined) return null;
  return {
    offerId: item.offer_id,
    contactId: item.contact_id,
    channel: item.channel,
    queue: item.queue,
    queueName: item.queue_name,
    language: item.language,
    countdown: new Countdown(Math.max(0, item.deadline_ms - serverNow), clock),
    waitedAtStartMs: Math.max(0, serverNow - item.enqueued_ms),
  };
}

export function offerWaitedMs(o: OfferView): number {
  return o.waitedAtStartMs + o.countdown.elapsedMs();
}

/** "New chat offer", "New voice call offer", "New task offer". */
export function offerHeading(channel: Channel): string {
  return `New ${channelLabel(channel).toLowerCase()} offer`;
}

/** The page title while an offer waits: "● New chat offer — Switchboard". */
export function offerDocumentTitle(channel: Channel): string {
  return `● ${offerHeading(channel)} — Switchboard`;
}

/** "25 s left to accept", "Time is up". */
export function countdownText(o: OfferView): string {
  const s = o.countdown.secondsLeft();
  return s > 0 ? `${s} s left to accept` : 'Time is up';
}

/** What a screen reader hears when the offer arrives (once; the countdown is not announced). */
export function offerAnnouncement(o: OfferView): string {
  return (
    `${offerHeading(o.channel)}: ${o.queueName || o.queue}, ${languageName(o.language)}. ` +
    `Customer waiting ${formatElapsed(offerWaitedMs(o))}. ` +
    `${o.countdown.secondsLeft()} seconds to accept. Press Alt+Shift+O to go to the offer.`
  );
}

/** Body of the desktop notification. */
export function offerNotificationBody(o: OfferView): string {
  return `${o.queueName || o.queue} · ${languageName(o.language)} · ${o.countdown.secondsLeft()} s to accept`;
}
