// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { ConsoleController, mayTakeFocus } from './controller';
import type { OfferNotifier } from './notify';
import type { OfferSound } from './sound';
import { buildConsoleUI, type ConsoleUI } from './ui';
import { Connection } from '../net/connection';
import type { Envelope } from '../proto/codec';
import type { HelloReply, Offer, StaffSetup, WorkItem } from '../proto/schema.gen';
import { FakeSocket } from '../test/fake-socket';

const NOW = 1_764_072_000_000;

const HELLO: HelloReply = {
  role: 'agent',
  user_id: 'maria',
  display_name: 'Maria Lopez',
  server_time_ms: NOW,
  ping_interval_s: 25,
  max_frame_bytes: 65536,
};

const SETUP: StaffSetup = {
  away_reasons: ['Break', 'Lunch', 'Missed offers'],
  queues: [
    { id: 'ui-claims', name: 'Unemployment insurance claims' },
    { id: 'spanish', name: 'Servicio en español' },
  ],
  dispositions: [
    { code: 'resolved', label: 'Resolved' },
    { code: 'information-provided', label: 'Information provided' },
  ],
  service_codes: [
    { code: 'ui-claim-status', label: 'UI claim status' },
    { code: 'weekly-claim-help', label: 'Weekly claim help' },
  ],
  identity_methods: [],
  canned: [],
  transfer_queues: [],
};

const OFFER: Offer = {
  offer_id: 41,
  contact_id: 'k-abc',
  channel: 'chat',
  queue: 'ui-claims',
  queue_name: 'Unemployment insurance claims',
  language: 'es',
  enqueued_ms: NOW - 65_000,
  deadline_ms: NOW + 30_000,
  remaining_ms: 30_000,
};

function item(state: WorkItem['state'], extra: Partial<WorkItem> = {}): WorkItem {
  return {
    contact_id: 'k-abc',
    channel: 'chat',
    queue: 'ui-claims',
    queue_name: 'Unemployment insurance claims',
    state,
    language: 'es',
    enqueued_ms: NOW - 65_000,
    since_ms: NOW - 5_000,
    ...extra,
  };
}

interface Harness {
  ui: ConsoleUI;
  ctrl: ConsoleController;
  sock: FakeSocket;
  advance: (ms: number) => void;
  setFocus: (v: boolean) => void;
  chimes: () => number;
  notifier: { show: ReturnType<typeof vi.fn>; close: ReturnType<typeof vi.fn> };
  send: (...envs: Envelope[]) => void;
  q: <T extends HTMLElement = HTMLElement>(sel: string, type?: abstract new () => T) => T;
}

async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

async function start(first: Envelope[] = []): Promise<Harness> {
  const ui = buildConsoleUI(document);
  document.body.replaceChildren(ui.settings, ui.routing);
  let mono = 0;
  let wall = NOW;
  let focus = true;
  let chimes = 0;
  const sound = {
    storedPreference: () => false,
    chime: () => {
      chimes++;
      return true;
    },
    enabled: true,
    blocked: false,
  } as unknown as OfferSound;
  const notifier = { permission: 'granted', show: vi.fn(() => true), close: vi.fn(), request: vi.fn() };
  const ctrl = new ConsoleController(ui, {
    doc: document,
    mono: () => mono,
    wall: () => wall,
    sound,
    notifier: notifier as unknown as OfferNotifier,
    hasFocus: () => focus,
    focusWindow: () => undefined,
    startTicker: () => () => undefined,
  });
  const conn = new Connection({
    url: 'ws://127.0.0.1:8080/ws/staff',
    client: 'console/test',
    createSocket: (u, p) => new FakeSocket(u, p),
    keepalive: false,
  });
  ctrl.attach(conn);
  conn.onState((s) => {
    if (s.status === 'connected') ctrl.connected(s.hello);
  });
  conn.start();
  const sock = FakeSocket.last();
  sock.accept();
  // the hello reply and the first events share a frame, as the server sends them
  sock.serverSends({ t: 'ok', id: 1, request: 'hello', b: { ...HELLO } }, ...first);
  await flush();
  return {
    ui,
    ctrl,
    sock,
    advance: (ms) => {
      mono += ms;
      wall += ms;
      ctrl.tick();
    },
    setFocus: (v) => {
      focus = v;
    },
    chimes: () => chimes,
    notifier,
    send: (...envs) => {
      sock.serverSends(...envs);
    },
    q: <T extends HTMLElement = HTMLElement>(sel: string, type?: abstract new () => T): T => {
      const e = document.querySelector(sel);
      if (!(e instanceof (type ?? HTMLElement))) throw new Error(`no ${sel}`);
      return e as T;
    },
  };
}

const FIRST: Envelope[] = [
  { t: 'staff.setup', b: SETUP as never },
  { t: 'agent.state', b: { status: 'available', since_ms: NOW } },
  { t: 'agent.work', b: { items: [], waiting: 3 } },
];

beforeEach(() => {
  FakeSocket.all = [];
  document.title = 'Agent console · Switchboard';
});

afterEach(() => {
  document.body.replaceChildren();
});

describe('state selector', () => {
  it('fills the reasons from staff.setup, reflects agent.state and sends agent.state.set', async () => {
    const h = await start(FIRST);
    expect(h.q('#agent-state-current').textContent).toMatch(/^You are Available \(since .+\)\.$/);
    expect(h.q('#agent-status-available', HTMLInputElement).checked).toBe(true);
    expect(h.q('fieldset.state-fieldset', HTMLFieldSetElement).disabled).toBe(false);
    const reasons = [...h.q('#agent-away-reason', HTMLSelectElement).options].map((o) => o.value);
    expect(reasons).toEqual(['', 'Break', 'Lunch', 'Missed offers']);
    expect(h.q('#queue-waiting').textContent).toBe('3 waiting in your queues');
    expect(h.q('#queue-list').textContent).toBe(
      'Your queues: Unemployment insurance claims, Servicio en español',
    );

    // Away needs a reason
    h.q('#agent-status-away', HTMLInputElement).click();
    expect(h.q('#agent-away-reason-field').hidden).toBe(false);
    h.q('#agent-state-form', HTMLFormElement).requestSubmit();
    expect(h.q('#agent-state-error').textContent).toBe('Choose a reason for Away.');
    expect(h.q('#agent-away-reason').getAttribute('aria-invalid')).toBe('true');
    expect(h.sock.sent).toHaveLength(1); // only hello

    h.q('#agent-away-reason', HTMLSelectElement).value = 'Lunch';
    h.q('#agent-state-form', HTMLFormElement).requestSubmit();
    expect(h.sock.lastRequest()).toMatchObject({
      t: 'agent.state.set',
      b: { status: 'away', reason: 'Lunch' },
    });
    h.send({ t: 'agent.state', b: { status: 'away', reason: 'Lunch', since_ms: NOW } });
    h.sock.replyOk({ status: 'away', reason: 'Lunch' });
    await flush();
    expect(h.q('#agent-state-current').textContent).toContain('You are Away: Lunch');
    expect(h.q('#agent-state-alert').hidden).toBe(true); // the agent's own change
    expect(h.q('#console-announcer').textContent).toBe('Status set: Away: Lunch.');
  });

  it('says clearly when the server set the agent away for missed offers', async () => {
    const h = await start(FIRST);
    h.send({ t: 'offer', b: OFFER as never });
    h.send({ t: 'offer.gone', b: { offer_id: 41, reason: 'expired' } });
    h.send({ t: 'agent.state', b: { status: 'away', reason: 'Missed offers', since_ms: NOW } });
    const alert = h.q('#agent-state-alert');
    expect(alert.hidden).toBe(false);
    expect(alert.getAttribute('role')).toBe('alert');
    expect(alert.textContent).toBe(
      'Switchboard set you to Away: Missed offers because offers went unanswered. You get no new offers until you choose Available.',
    );
    expect(h.q('#agent-status-away', HTMLInputElement).checked).toBe(true);
  });
});

describe('offer card', () => {
  it('shows the offer, changes the title, announces it, chimes, counts down from remaining_ms and accepts', async () => {
    const h = await start(FIRST);
    // the server's clock is an hour ahead of this PC's: the countdown and the wait do not care
    const HOUR = 3_600_000;
    h.send({
      t: 'offer',
      b: { ...OFFER, enqueued_ms: OFFER.enqueued_ms + HOUR, deadline_ms: OFFER.deadline_ms + HOUR },
    });
    const card = h.q('#offer-card');
    expect(card.hidden).toBe(false);
    expect(h.q('#offer-title').textContent).toBe('New chat offer');
    expect(h.q('#offer-queue').textContent).toBe('Unemployment insurance claims');
    expect(h.q('#offer-language').textContent).toBe('Spanish');
    expect(h.q('#offer-waited').textContent).toBe('1 min 5 s');
    expect(h.q('#offer-countdown').textContent).toBe('30 s left to accept');
    expect(document.title).toBe('● New chat offer — Switchboard');
    expect(h.q('#offer-announcer').getAttribute('aria-live')).toBe('assertive');
    expect(h.q('#offer-announcer').textContent).toContain(
      'New chat offer: Unemployment insurance claims, Spanish.',
    );
    expect(h.chimes()).toBe(1);
    expect(h.notifier.show).not.toHaveBeenCalled(); // the page has the focus
    expect(document.activeElement?.id).toBe('offer-accept');

    h.advance(12_000);
    expect(h.q('#offer-countdown').textContent).toBe('18 s left to accept');
    expect(h.q('#offer-waited').textContent).toBe('1 min 17 s');

    h.q('#offer-accept').click();
    expect(h.sock.lastRequest()).toEqual({ t: 'offer.accept', id: 2, b: { offer_id: 41 } });
    expect(h.q('#offer-accept').getAttribute('aria-disabled')).toBe('true');
    h.send({ t: 'agent.work', b: { items: [item('assigned')] as never, waiting: 2 } });
    h.sock.serverSends({ t: 'ok', id: 2, request: 'offer.accept', b: { contact_id: 'k-abc' } });
    await flush();
    expect(card.hidden).toBe(true);
    expect(document.title).toBe('Agent console · Switchboard');
    expect(h.q('#offer-result').textContent).toMatch(
      /^Accepted: Chat · Unemployment insurance claims is in My work/,
    );
    expect(document.activeElement?.id).toBe('work-k-abc-end'); // focus follows the accepted contact
  });

  it('never takes the focus from a form the agent is typing in, and notifies when the page is in the background', async () => {
    const h = await start(FIRST);
    const reason = h.q('#agent-away-reason', HTMLSelectElement);
    h.q('#agent-away-reason-field').hidden = false;
    reason.focus();
    h.send({ t: 'offer', b: OFFER as never });
    expect(document.activeElement).toBe(reason);

    h.send({ t: 'offer.gone', b: { offer_id: 41, reason: 'withdrawn' } });
    h.setFocus(false);
    reason.blur();
    h.send({ t: 'offer', b: { ...OFFER, offer_id: 42 } });
    expect(document.activeElement?.id).not.toBe('offer-accept'); // the page is not in focus
    expect(h.notifier.show).toHaveBeenCalledTimes(1);
    expect(h.notifier.show.mock.calls[0]?.[1]).toBe('New chat offer');
    // the chime repeats every 10 s while the page is in the background
    h.advance(10_000);
    expect(h.chimes()).toBe(3);
  });

  it('says "The customer left" on offer.gone withdrawn and "Offer expired" on OFFER_EXPIRED', async () => {
    const h = await start(FIRST);
    h.send({ t: 'offer', b: OFFER as never });
    h.send({ t: 'offer.gone', b: { offer_id: 41, reason: 'withdrawn' } });
    expect(h.q('#offer-card').hidden).toBe(true);
    expect(h.q('#offer-result').dataset.result).toBe('The customer left');
    expect(h.q('#offer-announcer').textContent).toBe('The customer left');
    expect(document.title).toBe('Agent console · Switchboard');
    expect(h.notifier.close).toHaveBeenCalled();

    h.send({ t: 'offer', b: { ...OFFER, offer_id: 43 } });
    expect(document.title).toBe('● New chat offer — Switchboard');
    h.q('#offer-accept').click();
    h.sock.replyError('OFFER_EXPIRED', 'the offer expired before it was accepted');
    await flush();
    expect(h.q('#offer-card').hidden).toBe(true);
    expect(h.q('#offer-result').dataset.result).toBe('Offer expired');
    expect(document.activeElement?.id).toBe('offer-result'); // focus was on Accept: it is not lost
    expect(document.title).toBe('Agent console · Switchboard');

    // an accept that crosses the customer's leaving says so
    h.send({ t: 'offer', b: { ...OFFER, offer_id: 44 } });
    h.q('#offer-accept').click();
    h.sock.replyError('OFFER_WITHDRAWN', 'the customer left the line before the offer was accepted');
    await flush();
    expect(h.q('#offer-card').hidden).toBe(true);
    expect(h.q('#offer-result').dataset.result).toBe('The customer left');
  });

  it('keeps the card and explains when accepting failed for a reason worth retrying', async () => {
    const h = await start(FIRST);
    h.send({ t: 'offer', b: OFFER as never });
    h.q('#offer-decline').click();
    expect(h.sock.lastRequest()).toMatchObject({ t: 'offer.decline', b: { offer_id: 41 } });
    h.sock.replyError('STORE_UNAVAILABLE', 'storage did not answer');
    await flush();
    expect(h.q('#offer-card').hidden).toBe(false);
    expect(h.q('#offer-error').textContent).toContain('Could not decline');
    expect(h.q('#offer-decline').getAttribute('aria-disabled')).toBeNull();
    h.q('#offer-decline').click();
    h.sock.replyOk({});
    await flush();
    expect(h.q('#offer-result').dataset.result).toBe('Offer declined');
  });

  it('after a reload, brings back a pending offer from agent.work', async () => {
    const h = await start([
      { t: 'staff.setup', b: SETUP as never },
      { t: 'agent.state', b: { status: 'available', since_ms: NOW } },
      {
        t: 'agent.work',
        b: { items: [item('offered', { offer_id: 50, deadline_ms: NOW + 21_000 })] as never, waiting: 0 },
      },
    ]);
    expect(h.q('#offer-card').hidden).toBe(false);
    expect(h.q('#offer-card').dataset.offerId).toBe('50');
    expect(h.q('#offer-countdown').textContent).toBe('21 s left to accept');
  });
});

describe('my work', () => {
  it('lists contacts with their state and timer, ends one and submits its wrap-up', async () => {
    const h = await start(FIRST);
    h.send({ t: 'agent.work', b: { items: [item('assigned')] as never, waiting: 0 } });
    const li = h.q('#work-list li[data-contact-id="k-abc"]');
    expect(li.dataset.state).toBe('assigned');
    expect(li.querySelector('.work-title')?.textContent).toBe('Chat · Unemployment insurance claims');
    expect(li.querySelector('.work-state')?.textContent).toBe('In progress');
    expect(li.querySelector('.work-lang')?.textContent).toBe('Spanish');
    expect(li.querySelector('.work-timer')?.textContent).toBe('5 s');
    h.advance(60_000);
    expect(li.querySelector('.work-timer')?.textContent).toBe('1 min 5 s');
    expect(h.q('#work-empty').hidden).toBe(true);

    const end = h.q('#work-k-abc-end', HTMLButtonElement);
    end.focus();
    end.click();
    expect(h.sock.lastRequest()).toMatchObject({ t: 'contact.end', b: { contact_id: 'k-abc' } });
    h.send({
      t: 'agent.work',
      b: { items: [item('wrapping', { since_ms: NOW + 60_000 })] as never, waiting: 0 },
    });
    h.sock.replyOk({});
    await flush();
    expect(li.dataset.state).toBe('wrapping');
    expect(li.querySelector('.work-state')?.textContent).toBe('Wrap-up');
    expect(li.querySelector('.work-end')).toBeNull();
    const form = h.q('#wrapup-k-abc', HTMLFormElement);
    expect(document.activeElement?.id).toBe('wrapup-k-abc-disposition');

    // nothing chosen: the disposition is required
    form.requestSubmit();
    expect(h.q('#wrapup-k-abc-disposition-error').textContent).toBe('Choose a disposition.');
    expect(h.q('#wrapup-k-abc-disposition').getAttribute('aria-invalid')).toBe('true');
    expect(h.sock.lastRequest().t).toBe('contact.end');

    const options = [...h.q('#wrapup-k-abc-disposition', HTMLSelectElement).options].map(
      (o) => o.textContent,
    );
    expect(options).toEqual(['Choose a disposition', 'Resolved', 'Information provided']);
    h.q('#wrapup-k-abc-disposition', HTMLSelectElement).value = 'information-provided';
    h.q('#wrapup-k-abc-code-weekly-claim-help', HTMLInputElement).checked = true;
    h.q('#wrapup-k-abc-code-ui-claim-status', HTMLInputElement).checked = true;
    h.q('#wrapup-k-abc-notes', HTMLTextAreaElement).value = 'Explained the weekly claim.';
    form.requestSubmit();
    expect(h.sock.lastRequest()).toMatchObject({
      t: 'contact.wrapup',
      b: {
        contact_id: 'k-abc',
        disposition: 'information-provided',
        service_codes: ['ui-claim-status', 'weekly-claim-help'],
        notes: 'Explained the weekly claim.',
      },
    });
    // the server refuses a service code: the error goes next to that field
    h.sock.serverSends({
      t: 'error',
      id: h.sock.lastRequest().id ?? 0,
      b: { code: 'BAD_FIELD', message: 'unknown service code', field: 'service_codes[1]' },
    });
    await flush();
    expect(h.q('#wrapup-k-abc-codes-error').textContent).toBe(
      'The server refused this: unknown service code.',
    );
    expect(h.q('#wrapup-k-abc-codes').getAttribute('aria-invalid')).toBe('true');

    form.requestSubmit();
    // the item may leave before the reply arrives: no "closed before you submitted it"
    h.send({ t: 'agent.work', b: { items: [], waiting: 0 } });
    h.sock.replyOk({});
    await flush();
    expect(document.querySelector('#work-k-abc')).toBeNull();
    expect(h.q('#work-notice').hidden).toBe(true);
    expect(h.q('#work-empty').hidden).toBe(false);
    expect(h.q('#console-announcer').textContent).toBe(
      'Wrap-up saved for Chat · Unemployment insurance claims.',
    );
  });

  it('keeps what the agent typed when the list updates, and says when a wrap-up closed on its own', async () => {
    const h = await start(FIRST);
    h.send({ t: 'agent.work', b: { items: [item('wrapping')] as never, waiting: 0 } });
    const notes = h.q('#wrapup-k-abc-notes', HTMLTextAreaElement);
    notes.value = 'half typed';
    h.send({
      t: 'agent.work',
      b: {
        items: [item('wrapping'), item('assigned', { contact_id: 'k-two', channel: 'voice' })] as never,
        waiting: 4,
      },
    });
    expect(h.q('#wrapup-k-abc-notes', HTMLTextAreaElement)).toBe(notes);
    expect(notes.value).toBe('half typed');
    expect(h.q('#queue-waiting').textContent).toBe('4 waiting in your queues');
    h.send({
      t: 'agent.work',
      b: { items: [item('assigned', { contact_id: 'k-two', channel: 'voice' })] as never, waiting: 0 },
    });
    expect(h.q('#work-notice').textContent).toBe(
      'Chat · Unemployment insurance claims: the wrap-up closed before you submitted it (its time limit passed, or the console was disconnected for too long); Switchboard completed it with the default code.',
    );
    // nothing a supervisor could have done: no such action exists
    expect(h.q('#work-notice').textContent).not.toMatch(/supervisor/i);
    // an assigned contact that leaves went back to the queue (no one can reassign it)
    h.send({ t: 'agent.work', b: { items: [], waiting: 0 } });
    expect(h.q('#work-notice').textContent).toBe(
      'Voice call · Unemployment insurance claims is no longer yours: it went back to the queue while the console was disconnected.',
    );
  });

  it('states the wrap-up time limit only for a queue that has one', async () => {
    const h = await start(FIRST);
    h.send({
      t: 'agent.work',
      b: {
        items: [
          item('wrapping', { deadline_ms: NOW - 5_000 + 120_000 }),
          // no limit: the deadline is the start of the wrap-up
          item('wrapping', { contact_id: 'k-free', deadline_ms: NOW - 5_000 }),
        ] as never,
        waiting: 0,
      },
    });
    expect(h.q('#wrapup-k-abc-hint').textContent).toBe(
      'You have 2 min for the wrap-up; when the time is up, Switchboard completes the contact with the default code.',
    );
    expect(h.q('#wrapup-k-free-hint').textContent).toBe(
      'Submitting the wrap-up frees this contact’s slot for new work.',
    );
  });
});

describe('mayTakeFocus', () => {
  it('only when the page has focus and the agent is not in a form field', () => {
    const input = document.createElement('input');
    const button = document.createElement('button');
    const form = document.createElement('form');
    const formButton = document.createElement('button');
    form.append(formButton);
    document.body.append(input, button, form);
    expect(mayTakeFocus(document, false)).toBe(false);
    expect(mayTakeFocus(document, true)).toBe(true);
    input.focus();
    expect(mayTakeFocus(document, true)).toBe(false);
    button.focus();
    expect(mayTakeFocus(document, true)).toBe(true);
    formButton.focus();
    expect(mayTakeFocus(document, true)).toBe(false);
  });
});
