// @vitest-environment happy-dom
// The console's chats: tabs, the log, the composer, notes, canned responses, verify, transfer,
// end, block, unread counts and the waiting time, reconnects.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { ChatDesk } from './chats';
import { ConsoleController } from './controller';
import type { OfferNotifier } from './notify';
import type { OfferSound } from './sound';
import { TitleAlert } from './title';
import { buildConsoleUI } from './ui';
import type { ChatEntry } from '../chat/types';
import { Connection } from '../net/connection';
import type { Envelope } from '../proto/codec';
import type { ChatOpen, HelloReply, StaffSetup, WorkItem } from '../proto/schema.gen';
import { FakeSocket } from '../test/fake-socket';

const NOW = 1_764_072_000_000;

const HELLO: HelloReply = {
  role: 'agent',
  user_id: 'maria',
  display_name: 'Maria Lopez',
  server_time_ms: NOW,
  ping_interval_s: 25,
  max_frame_bytes: 65536,
  epoch: 1,
};

const SETUP: StaffSetup = {
  away_reasons: ['Break'],
  queues: [{ id: 'ui-claims', name: 'Unemployment insurance claims' }],
  dispositions: [{ code: 'resolved', label: 'Resolved' }],
  service_codes: [{ code: 'ui-claim-status', label: 'UI claim status' }],
  identity_methods: ['Last 4 of SSN + date of birth', 'Claim ID + date of birth + mailing address'],
  canned: [
    {
      id: 'greeting-en',
      title: 'Greeting',
      language: 'en',
      text: 'Hello {customer_name}, my name is {agent_name} and I am with {queue_name}.',
    },
    {
      id: 'greeting-es',
      title: 'Saludo',
      language: 'es',
      text: 'Hola {customer_name}, me llamo {agent_name}.',
    },
    {
      id: 'verify-es',
      title: 'Verificar identidad',
      language: 'es',
      text: 'Necesito confirmar su identidad.',
    },
  ],
  transfer_queues: [
    { id: 'resea', name: 'RESEA appointments' },
    { id: 'spanish', name: 'Servicio en español' },
  ],
};

function open(cid: string, extra: Partial<ChatOpen> = {}): ChatOpen {
  return {
    conversation_id: cid,
    contact_id: `k-${cid}`,
    customer_name: cid === 'cv-1' ? 'Ana' : 'Bo',
    topic: 'claim-question',
    topic_label: 'A question about my claim',
    language: cid === 'cv-1' ? 'es' : 'en',
    started_ms: NOW - 60_000,
    last_seq: 0,
    ...extra,
  };
}

function work(cid: string, state: WorkItem['state'] = 'assigned'): WorkItem {
  return {
    contact_id: `k-${cid}`,
    channel: 'chat',
    queue: 'ui-claims',
    queue_name: 'Unemployment insurance claims',
    state,
    language: 'es',
    enqueued_ms: NOW - 120_000,
    since_ms: NOW - 60_000,
    conversation_id: cid,
  };
}

function entry(seq: number, prev: number, from: ChatEntry['from_role'], text: string, ts = NOW): ChatEntry {
  return { seq, prev_seq: prev, kind: 'message', from_role: from, text, ts_ms: ts };
}

async function flush(): Promise<void> {
  for (let i = 0; i < 8; i++) await Promise.resolve();
}

interface H {
  desk: ChatDesk;
  sock: FakeSocket;
  conn: Connection;
  chimes: () => number;
  setVisible: (v: boolean) => void;
  advance: (ms: number) => void;
  send: (...envs: Envelope[]) => void;
  q: <T extends HTMLElement = HTMLElement>(sel: string, type?: abstract new () => T) => T;
  all: (sel: string) => HTMLElement[];
  requests: (t: string) => Envelope[];
  answer: (t: string, b: Record<string, unknown>) => void;
  fail: (t: string, code: string) => void;
  event: (cid: string, e: ChatEntry) => void;
  key: (target: HTMLElement, key: string, shift?: boolean) => void;
}

function harness(sockRef: { s: FakeSocket }): Omit<H, 'desk' | 'conn' | 'chimes' | 'setVisible' | 'advance'> {
  const answered = new Set<number>();
  const find = (t: string): Envelope => {
    const req = sockRef.s.sent.find((e) => e.t === t && !answered.has(e.id ?? -1));
    if (!req) throw new Error(`no ${t}`);
    answered.add(req.id ?? -1);
    return req;
  };
  return {
    get sock() {
      return sockRef.s;
    },
    send: (...envs) => {
      sockRef.s.serverSends(...envs);
    },
    q: <T extends HTMLElement = HTMLElement>(sel: string, type?: abstract new () => T): T => {
      const e = document.querySelector(sel);
      if (!(e instanceof (type ?? HTMLElement))) throw new Error(`no ${sel}`);
      return e as T;
    },
    all: (sel) => [...document.querySelectorAll<HTMLElement>(sel)],
    requests: (t) => sockRef.s.sent.filter((e) => e.t === t),
    answer: (t, b) => {
      const req = find(t);
      sockRef.s.serverSends({ t: 'ok', id: req.id ?? 0, request: t, b });
    },
    fail: (t, code) => {
      const req = find(t);
      sockRef.s.serverSends({ t: 'error', id: req.id ?? 0, b: { code, message: code } });
    },
    event: (cid, e) => {
      sockRef.s.serverSends({ t: 'chat.event', b: { conversation_id: cid, epoch: 1, event: e } });
    },
    key: (target, key, shift = false) => {
      target.dispatchEvent(
        new KeyboardEvent('keydown', { key, shiftKey: shift, bubbles: true, cancelable: true }),
      );
    },
  };
}

async function start(first: Envelope[] = [], withController = false): Promise<H> {
  let wall = NOW;
  let visible = true;
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
  const title = new TitleAlert(document);
  const desk = new ChatDesk({
    doc: document,
    sound,
    title,
    wall: () => wall,
    visible: () => visible,
    startTicker: () => () => undefined,
    receiptDelayMs: 0,
    transferGraceMs: 10,
  });
  const conn = new Connection({
    url: 'ws://127.0.0.1:8080/ws/staff',
    client: 'console/test',
    createSocket: (u, p) => new FakeSocket(u, p),
    keepalive: false,
    backoff: { baseMs: 1, maxMs: 1 },
    random: () => 0,
  });
  let ctrl: ConsoleController | null = null;
  if (withController) {
    const ui = buildConsoleUI(document);
    document.body.replaceChildren(ui.settings, ui.routing);
    ui.offerResult.after(desk.root);
    ctrl = new ConsoleController(ui, {
      doc: document,
      mono: () => wall,
      wall: () => wall,
      sound,
      title,
      notifier: {
        permission: 'granted',
        show: vi.fn(),
        close: vi.fn(),
        request: vi.fn(),
      } as unknown as OfferNotifier,
      hasFocus: () => true,
      focusWindow: () => undefined,
      startTicker: () => () => undefined,
      openChat: (id) => {
        desk.focusChat(id);
      },
    });
    ctrl.attach(conn);
  } else {
    document.body.replaceChildren(desk.root);
  }
  desk.attach(conn);
  conn.onState((s) => {
    if (s.status === 'connected') {
      ctrl?.connected(s.hello);
      desk.connected(s.hello);
    }
  });
  conn.start();
  const ref = { s: FakeSocket.last() };
  ref.s.accept();
  ref.s.serverSends(
    { t: 'ok', id: 1, request: 'hello', b: { ...HELLO } },
    { t: 'staff.setup', b: SETUP as never },
    ...first,
  );
  await flush();
  const h = harness(ref);
  return {
    ...h,
    desk,
    conn,
    sock: ref.s,
    chimes: () => chimes,
    setVisible: (v) => {
      visible = v;
      document.dispatchEvent(new Event('visibilitychange'));
    },
    advance: (ms) => {
      wall += ms;
      desk.tick();
    },
    get sock_() {
      return ref.s;
    },
  };
}

/** Two chats open (Ana, Spanish, shown; Bo in the background), both synced empty. */
async function twoChats(): Promise<H> {
  const h = await start([
    { t: 'chat.open', b: open('cv-1', { claim_ref: 'UI-2026-00417' }) as never },
    { t: 'chat.open', b: open('cv-2') as never },
    { t: 'agent.work', b: { items: [work('cv-1'), work('cv-2')], waiting: 0 } },
  ]);
  h.answer('chat.sync', { epoch: 1, last_seq: 0, more: false, events: [] });
  h.answer('chat.sync', { epoch: 1, last_seq: 0, more: false, events: [] });
  await flush();
  return h;
}

beforeEach(() => {
  FakeSocket.all = [];
  document.body.replaceChildren();
  document.title = 'Agent console · Switchboard';
});

afterEach(() => {
  document.body.replaceChildren();
  vi.useRealTimers();
});

describe('chat tabs', () => {
  it('opens a tab per chat (role=tablist) and shows who the customer is from chat.open', async () => {
    const h = await twoChats();
    expect(h.q('#chat-tabs').getAttribute('role')).toBe('tablist');
    const tabs = h.all('#chat-tabs [role="tab"]');
    expect(tabs.map((t) => t.querySelector('.chat-tab-name')?.textContent)).toEqual(['Ana', 'Bo']);
    expect(tabs.map((t) => t.getAttribute('aria-selected'))).toEqual(['true', 'false']);
    expect(tabs.map((t) => t.tabIndex)).toEqual([0, -1]);
    expect(tabs[0]?.getAttribute('aria-controls')).toBe('chat-panel-cv-1');
    const panel = h.q('#chat-panel-cv-1');
    expect(panel.getAttribute('role')).toBe('tabpanel');
    expect(panel.getAttribute('aria-labelledby')).toBe('chat-tab-cv-1');
    expect(h.q('#chat-panel-cv-2').hidden).toBe(true);
    expect(h.q('#chat-cv-1-customer').textContent).toBe('Ana');
    expect(h.q('#chat-cv-1-topic').textContent).toBe('A question about my claim');
    expect(h.q('#chat-cv-1-language').textContent).toBe('Spanish');
    expect(h.q('#chat-cv-1-claim').textContent).toBe('UI-2026-00417');
    expect(h.q('#chat-cv-1-verified').textContent).toBe('Not verified');
    expect(h.q('#chat-cv-1-log').getAttribute('role')).toBe('log');
  });

  it('syncs each chat from 0 and shows its history; customer text stays text', async () => {
    const h = await start([{ t: 'chat.open', b: open('cv-1', { last_seq: 2 }) as never }]);
    expect(h.requests('chat.sync')[0]?.b).toEqual({ conversation_id: 'cv-1', after_seq: 0 });
    h.answer('chat.sync', {
      epoch: 1,
      last_seq: 2,
      more: false,
      events: [
        entry(1, 0, 'customer', 'Hola <script>alert(1)</script> https://evil.example/'),
        { ...entry(2, 1, 'agent', 'See https://example.gov/form'), from_name: 'Dmitri Volkov' },
      ],
    });
    await flush();
    const items = h.all('#chat-cv-1-log li');
    expect(items.map((li) => li.querySelector('.chat-msg-who')?.textContent)).toEqual([
      'Ana',
      'Dmitri Volkov',
    ]);
    expect(h.q('#chat-cv-1-log').querySelector('script')).toBeNull();
    expect(h.all('#chat-cv-1-log a').map((a) => a.getAttribute('href'))).toEqual([
      'https://example.gov/form',
    ]);
  });

  it('moves between tabs with the arrow keys, Home and End', async () => {
    const h = await twoChats();
    const [a, b] = h.all('#chat-tabs [role="tab"]') as [HTMLElement, HTMLElement];
    a.focus();
    h.key(a, 'ArrowRight');
    expect(document.activeElement).toBe(b);
    expect(b.getAttribute('aria-selected')).toBe('true');
    expect(h.q('#chat-panel-cv-2').hidden).toBe(false);
    expect(h.q('#chat-panel-cv-1').hidden).toBe(true);
    h.key(b, 'ArrowRight'); // wraps
    expect(document.activeElement).toBe(a);
    h.key(a, 'End');
    expect(document.activeElement).toBe(b);
    h.key(b, 'Home');
    expect(document.activeElement).toBe(a);
    h.key(a, 'ArrowLeft');
    expect(document.activeElement).toBe(b);
  });

  it('counts unread news in a background chat; the page title and the chime only while hidden', async () => {
    const h = await twoChats();
    h.event('cv-2', entry(1, 0, 'customer', 'Hello?'));
    const bo = h.q('#chat-tab-cv-2');
    expect(bo.querySelector('.chat-tab-unread')?.textContent).toBe('1 unread');
    expect(bo.dataset.unread).toBe('1');
    expect(document.title).toBe('Agent console · Switchboard'); // the page is visible
    expect(h.chimes()).toBe(0);
    expect(h.q('#chat-announcer').textContent).toBe('New message from Bo.');
    // a message in the chat being looked at is not unread
    h.event('cv-1', entry(1, 0, 'customer', 'Hola'));
    expect(h.q('#chat-tab-cv-1').dataset.unread).toBe('0');
    // the page goes to the background
    h.setVisible(false);
    h.event('cv-1', entry(2, 1, 'customer', '¿Hola?'));
    h.event('cv-2', entry(2, 1, 'customer', 'Anyone?'));
    expect(h.q('#chat-tab-cv-1').dataset.unread).toBe('1');
    expect(bo.dataset.unread).toBe('2');
    expect(document.title).toBe('(3) New chat messages — Switchboard');
    expect(h.chimes()).toBe(1); // not more than once in 5 s
    h.setVisible(true);
    expect(document.title).toBe('Agent console · Switchboard');
    expect(h.q('#chat-tab-cv-1').dataset.unread).toBe('0'); // the chat shown is read now
    bo.click();
    expect(bo.dataset.unread).toBe('0');
  });

  it('shows how long the customer has waited for a reply, until the agent answers', async () => {
    const h = await twoChats();
    h.event('cv-1', entry(1, 0, 'customer', 'Hola', NOW));
    h.advance(65_000);
    const waiting = h.q('#chat-tab-cv-1 .chat-tab-waiting');
    expect(waiting.textContent).toBe('Waiting for a reply: 1 min');
    h.advance(60_000);
    expect(h.q('#chat-tab-cv-1').classList.contains('chat-tab-long-wait')).toBe(true);
    const ta = h.q('#chat-cv-1-message', HTMLTextAreaElement);
    ta.value = 'Hola Ana';
    h.key(ta, 'Enter');
    expect(waiting.hidden).toBe(true); // the reply is on its way
  });
});

describe('composing', () => {
  it('Enter sends, Shift+Enter does not; the reply is acked into the log', async () => {
    const h = await twoChats();
    const ta = h.q('#chat-cv-1-message', HTMLTextAreaElement);
    expect(h.q('label[for="chat-cv-1-message"]').textContent).toBe('Message to Ana');
    ta.value = 'Hola Ana';
    h.key(ta, 'Enter', true);
    expect(h.requests('chat.send')).toHaveLength(0);
    h.key(ta, 'Enter');
    const req = h.requests('chat.send')[0];
    expect(req?.b).toMatchObject({ conversation_id: 'cv-1', text: 'Hola Ana' });
    expect(req?.b.private).toBeUndefined();
    h.answer('chat.send', { seq: 1, prev_seq: 0, ts_ms: NOW, text: 'Hola Ana' });
    await flush();
    const li = h.all('#chat-cv-1-log li')[0];
    expect(li?.querySelector('.chat-msg-who')?.textContent).toBe('Maria Lopez (you)');
    expect(li?.querySelector('.chat-msg-mark')?.textContent).toBe('Sent');
    h.send({
      t: 'chat.receipt.event',
      b: { conversation_id: 'cv-1', from_role: 'customer', delivered_seq: 1, read_seq: 1 },
    });
    expect(li?.querySelector('.chat-msg-mark')?.textContent).toBe('Read by the customer');
  });

  it('a private note is labelled, looks different, goes out with private: true, and is not "typing"', async () => {
    const h = await twoChats();
    const toggle = h.q('#chat-cv-1-private', HTMLInputElement);
    expect(h.q(`label[for="${toggle.id}"]`).textContent).toBe('Private note (not sent to the customer)');
    toggle.click();
    expect(h.q('#chat-cv-1-composer').classList.contains('chat-composer-note')).toBe(true);
    expect(h.q('label[for="chat-cv-1-message"]').textContent).toBe('Private note — not sent to the customer');
    expect(h.q('#chat-cv-1-send').textContent).toBe('Add private note');
    const ta = h.q('#chat-cv-1-message', HTMLTextAreaElement);
    ta.value = 'Check the claim history first';
    ta.dispatchEvent(new Event('input'));
    expect(h.requests('chat.typing')).toHaveLength(0);
    h.q('#chat-cv-1-send').click();
    expect(h.requests('chat.send')[0]?.b).toMatchObject({
      private: true,
      text: 'Check the claim history first',
    });
    const li = h.all('#chat-cv-1-log li')[0];
    expect(li?.dataset.kind).toBe('note');
    expect(li?.querySelector('.chat-note-label')?.textContent).toBe(
      'Private note — not sent to the customer · ',
    );
  });

  it('tells the customer the agent is typing (messages only) and shows the customer typing', async () => {
    const h = await twoChats();
    const ta = h.q('#chat-cv-1-message', HTMLTextAreaElement);
    ta.value = 'Ho';
    ta.dispatchEvent(new Event('input'));
    expect(h.requests('chat.typing').map((e) => e.b)).toEqual([{ conversation_id: 'cv-1', typing: true }]);
    h.send({ t: 'chat.typing.event', b: { conversation_id: 'cv-1', from_role: 'customer', typing: true } });
    expect(h.q('#chat-cv-1-typing').textContent).toBe('Ana is typing…');
  });
});

describe('canned responses', () => {
  it('lists the chat language’s responses, searches, fills the names and puts the text in the composer', async () => {
    const h = await twoChats();
    const button = h.q('#chat-cv-1-canned');
    button.focus();
    button.click();
    const dialog = h.q('#canned-dialog', HTMLDialogElement);
    expect(dialog.open).toBe(true);
    expect(dialog.getAttribute('aria-modal')).toBe('true');
    expect(dialog.getAttribute('aria-labelledby')).toBe('canned-dialog-title');
    expect(document.activeElement?.id).toBe('canned-search');
    expect(h.all('#canned-list button').map((b) => b.dataset.cannedId)).toEqual(['greeting-es', 'verify-es']);
    expect(h.q('#canned-count').textContent).toBe('2 responses in Spanish.');
    const search = h.q('#canned-search', HTMLInputElement);
    search.value = 'IDENTIDAD';
    search.dispatchEvent(new Event('input'));
    expect(h.all('#canned-list button').map((b) => b.dataset.cannedId)).toEqual(['verify-es']);
    search.value = 'hola';
    search.dispatchEvent(new Event('input'));
    h.q('#canned-greeting-es').click();
    expect(dialog.open).toBe(false);
    const ta = h.q('#chat-cv-1-message', HTMLTextAreaElement);
    expect(ta.value).toBe('Hola Ana, me llamo Maria Lopez.');
    expect(document.activeElement).toBe(ta);
  });

  it('fills {queue_name} from the work item, and Escape closes and returns the focus', async () => {
    const h = await twoChats();
    h.q('#chat-tab-cv-2').click();
    const button = h.q('#chat-cv-2-canned');
    button.focus();
    button.click();
    h.q('#canned-greeting-en').click();
    expect(h.q('#chat-cv-2-message', HTMLTextAreaElement).value).toBe(
      'Hello Bo, my name is Maria Lopez and I am with Unemployment insurance claims.',
    );
    button.focus();
    button.click();
    h.key(h.q('#canned-search'), 'Escape');
    expect(h.q('#canned-dialog', HTMLDialogElement).open).toBe(false);
    expect(document.activeElement).toBe(button);
  });
});

describe('verify identity', () => {
  it('asks for one of the configured methods, explains it is audited, and records it', async () => {
    const h = await twoChats();
    const button = h.q('#chat-cv-1-verify');
    button.focus();
    button.click();
    const dialog = h.q('#verify-dialog', HTMLDialogElement);
    expect(dialog.open).toBe(true);
    expect(h.q('#verify-why').textContent).toMatch(/audited/);
    expect(h.q('#verify-why').textContent).toMatch(/Never ask for the full Social Security number/);
    expect(h.all('#verify-method option').map((o) => o.textContent)).toEqual([
      'Choose a method',
      'Last 4 of SSN + date of birth',
      'Claim ID + date of birth + mailing address',
    ]);
    h.q('#verify-submit').click();
    expect(h.q('#verify-error').textContent).toBe('Choose how the identity was verified.');
    expect(h.requests('chat.verify')).toHaveLength(0);
    h.q('#verify-method', HTMLSelectElement).value = 'Last 4 of SSN + date of birth';
    h.q('#verify-submit').click();
    expect(h.requests('chat.verify')[0]?.b).toEqual({
      conversation_id: 'cv-1',
      method: 'Last 4 of SSN + date of birth',
    });
    h.answer('chat.verify', {});
    await flush();
    expect(dialog.open).toBe(false);
    expect(h.q('#chat-cv-1-verified').textContent).toBe('Verified (Last 4 of SSN + date of birth)');
    expect(h.q('#chat-cv-1-verify').hidden).toBe(true);
  });

  it('keeps the focus inside the dialog with Tab and Shift+Tab', async () => {
    const h = await twoChats();
    h.q('#chat-cv-1-verify').click();
    const first = h.q('#verify-method');
    const last = h.q('#verify-cancel');
    last.focus();
    h.key(last, 'Tab');
    expect(document.activeElement).toBe(first);
    h.key(first, 'Tab', true);
    expect(document.activeElement).toBe(last);
  });
});

describe('transfer', () => {
  it('to a queue, with a required note', async () => {
    const h = await twoChats();
    h.q('#chat-cv-1-transfer').click();
    expect(h.q('#transfer-dialog', HTMLDialogElement).open).toBe(true);
    expect(h.q('#transfer-kind-queue', HTMLInputElement).checked).toBe(true);
    expect(h.all('#transfer-queue option').map((o) => o.textContent)).toEqual([
      'Choose a queue',
      'RESEA appointments',
      'Servicio en español',
    ]);
    h.q('#transfer-queue', HTMLSelectElement).value = 'spanish';
    h.q('#transfer-submit').click();
    expect(h.q('#transfer-error').textContent).toBe('Write a note for the next specialist.');
    h.q('#transfer-note', HTMLTextAreaElement).value = 'Prefers Spanish; payment question.';
    h.q('#transfer-submit').click();
    expect(h.requests('chat.transfer')[0]?.b).toEqual({
      conversation_id: 'cv-1',
      note: 'Prefers Spanish; payment question.',
      to_queue: 'spanish',
    });
    h.answer('chat.transfer', {});
    await flush();
    expect(h.q('#transfer-dialog', HTMLDialogElement).open).toBe(false);
    expect(h.q('#chat-cv-1-status').textContent).toMatch(/^Transferred to the Servicio en español queue/);
  });

  it('to a named colleague from staff.directory, showing who can take it', async () => {
    const h = await twoChats();
    h.q('#chat-cv-1-transfer').click();
    h.q('#transfer-kind-agent').click();
    expect(h.requests('staff.directory')).toHaveLength(1);
    h.answer('staff.directory', {
      agents: [
        {
          username: 'maria',
          display_name: 'Maria Lopez',
          status: 'available',
          connected: true,
          languages: ['en', 'es'],
        },
        {
          username: 'dmitri',
          display_name: 'Dmitri Volkov',
          status: 'available',
          connected: true,
          languages: ['en', 'ru'],
        },
        {
          username: 'linh',
          display_name: 'Linh Nguyen',
          status: 'away',
          connected: true,
          languages: ['en', 'vi'],
        },
        {
          username: 'aisha',
          display_name: 'Aisha Hassan',
          status: 'available',
          connected: false,
          languages: ['en'],
        },
      ],
    });
    await flush();
    const rows = h.all('#transfer-agent-list .transfer-agent');
    expect(rows.map((r) => r.textContent)).toEqual([
      'Dmitri Volkov — Available · English, Russian',
      'Aisha Hassan — Not connected · English',
      'Linh Nguyen — Away · English, Vietnamese',
    ]);
    expect(h.q('#transfer-agent-linh', HTMLInputElement).disabled).toBe(true);
    expect(h.q('#transfer-agent-status').textContent).toBe('1 of 3 colleagues are available.');
    h.q('#transfer-agent-dmitri').click();
    h.q('#transfer-note', HTMLTextAreaElement).value = 'Needs help with work search.';
    h.q('#transfer-submit').click();
    expect(h.requests('chat.transfer')[0]?.b).toEqual({
      conversation_id: 'cv-1',
      note: 'Needs help with work search.',
      to_agent: 'dmitri',
    });
    // the reply waits for Dmitri: the dialog closes after a moment and the panel follows
    await new Promise((r) => setTimeout(r, 30));
    await flush();
    expect(h.q('#transfer-dialog', HTMLDialogElement).open).toBe(false);
    expect(h.q('#chat-cv-1-status').textContent).toBe(
      'Transfer offered to Dmitri Volkov: waiting for them to accept. Until then the chat stays with you.',
    );
    expect(h.q('#chat-cv-1-transfer').hidden).toBe(true); // one transfer at a time
    h.fail('chat.transfer', 'CONFLICT');
    await flush();
    expect(h.q('#chat-cv-1-status').textContent).toBe(
      'Dmitri Volkov did not take the chat (CONFLICT). It stays with you.',
    );
    expect(h.q('#chat-cv-1-transfer').hidden).toBe(false);
  });

  it('a colleague refusing at once is explained in the dialog', async () => {
    const h = await twoChats();
    h.q('#chat-cv-1-transfer').click();
    h.q('#transfer-kind-agent').click();
    h.answer('staff.directory', {
      agents: [
        {
          username: 'dmitri',
          display_name: 'Dmitri Volkov',
          status: 'available',
          connected: true,
          languages: ['en'],
        },
      ],
    });
    await flush();
    h.q('#transfer-agent-dmitri').click();
    h.q('#transfer-note', HTMLTextAreaElement).value = 'Note';
    h.q('#transfer-submit').click();
    h.fail('chat.transfer', 'CONFLICT');
    await flush();
    expect(h.q('#transfer-dialog', HTMLDialogElement).open).toBe(true);
    expect(h.q('#transfer-error').textContent).toBe(
      'Dmitri Volkov cannot take it now (CONFLICT). Choose someone else or a queue.',
    );
  });
});

describe('ending', () => {
  it('End chat sends contact.end, then points to the wrap-up; the tab goes once wrap-up is done', async () => {
    const h = await twoChats();
    h.q('#chat-cv-1-end').click();
    expect(h.requests('contact.end')[0]?.b).toEqual({ contact_id: 'k-cv-1' });
    h.answer('contact.end', {});
    h.send({ t: 'agent.work', b: { items: [work('cv-1', 'wrapping'), work('cv-2')], waiting: 0 } });
    await flush();
    expect(h.q('#chat-cv-1-composer').hidden).toBe(true);
    expect(h.q('#chat-cv-1-status').textContent).toBe(
      'This chat has ended. Complete the wrap-up in My work.',
    );
    expect(h.q('#chat-cv-1-wrapup').hidden).toBe(false);
    expect(document.activeElement?.id).toBe('chat-cv-1-wrapup');
    expect(h.q('#chat-tab-cv-1 .chat-tab-state').textContent).toBe('Ended: wrap-up');
    h.send({ t: 'agent.work', b: { items: [work('cv-2')], waiting: 0 } });
    expect(document.querySelector('#chat-tab-cv-1')).toBeNull();
    expect(h.q('#chat-tab-cv-2').getAttribute('aria-selected')).toBe('true');
    expect(document.activeElement?.id).toBe('chat-tab-cv-2');
  });

  it('End and block asks for a reason in a confirmation dialog', async () => {
    const h = await twoChats();
    const b = h.q('#chat-cv-1-block');
    b.focus();
    b.click();
    const dialog = h.q('#block-dialog', HTMLDialogElement);
    expect(dialog.open).toBe(true);
    expect(document.activeElement?.id).toBe('block-cancel'); // the safe choice
    h.q('#block-submit').click();
    expect(h.q('#block-error').textContent).toBe('Give the reason for blocking this customer.');
    expect(h.requests('chat.block')).toHaveLength(0);
    h.q('#block-reason', HTMLTextAreaElement).value = 'Threats against staff';
    h.q('#block-submit').click();
    expect(h.requests('chat.block')[0]?.b).toEqual({
      conversation_id: 'cv-1',
      reason: 'Threats against staff',
    });
    h.answer('chat.block', {});
    await flush();
    expect(dialog.open).toBe(false);
    expect(h.q('#chat-cv-1-composer').hidden).toBe(true);
    expect(document.activeElement?.id).toBe('chat-cv-1-wrapup');
  });

  it('Cancel and Escape leave the chat alone and return the focus', async () => {
    const h = await twoChats();
    const b = h.q('#chat-cv-1-block');
    b.focus();
    b.click();
    h.q('#block-cancel').click();
    expect(document.activeElement).toBe(b);
    b.click();
    h.key(h.q('#block-reason'), 'Escape');
    expect(h.q('#block-dialog', HTMLDialogElement).open).toBe(false);
    expect(document.activeElement).toBe(b);
    expect(h.requests('chat.block')).toHaveLength(0);
  });
});

describe('reconnecting', () => {
  it('syncs each chat again from its last seq and sends unacked messages with the same id', async () => {
    const h = await twoChats();
    h.event('cv-1', entry(1, 0, 'customer', 'Hola'));
    const ta = h.q('#chat-cv-1-message', HTMLTextAreaElement);
    ta.value = 'Un momento';
    h.key(ta, 'Enter');
    const first = h.requests('chat.send')[0];
    h.sock.serverCloses(1006);
    await new Promise((r) => setTimeout(r, 20));
    const s2 = FakeSocket.last();
    expect(s2).not.toBe(h.sock);
    s2.accept();
    s2.serverSends(
      { t: 'ok', id: s2.sent[0]?.id ?? 0, request: 'hello', b: { ...HELLO } },
      { t: 'chat.open', b: open('cv-1', { last_seq: 2 }) as never },
      { t: 'chat.open', b: open('cv-2') as never },
    );
    await flush();
    const syncs = s2.sent.filter((e) => e.t === 'chat.sync').map((e) => e.b);
    expect(syncs).toEqual([
      { conversation_id: 'cv-1', after_seq: 1 },
      { conversation_id: 'cv-2', after_seq: 0 },
    ]);
    const h2 = harness({ s: s2 });
    h2.answer('chat.sync', { epoch: 1, last_seq: 1, more: false, events: [] });
    await flush();
    expect(s2.sent.filter((e) => e.t === 'chat.send').map((e) => e.b)).toEqual([first?.b]);
    expect(h.all('#chat-tabs [role="tab"]')).toHaveLength(2); // nothing shown twice
  });
});

describe('with the offer card', () => {
  it('after accepting a chat from the keyboard, the focus goes to that chat’s message box', async () => {
    const h = await start([], true);
    h.send({
      t: 'offer',
      b: {
        offer_id: 7,
        contact_id: 'k-cv-1',
        channel: 'chat',
        queue: 'ui-claims',
        queue_name: 'Unemployment insurance claims',
        language: 'es',
        enqueued_ms: NOW - 30_000,
        deadline_ms: NOW + 30_000,
        remaining_ms: 30_000,
      },
    });
    const accept = h.q('#offer-accept');
    expect(document.activeElement).toBe(accept);
    accept.click();
    h.answer('offer.accept', { contact_id: 'k-cv-1' });
    await flush();
    expect(document.activeElement?.id).toBe('offer-result');
    h.send({ t: 'chat.open', b: open('cv-1') as never });
    expect(document.activeElement?.id).toBe('chat-cv-1-message');
    expect(h.q('#chat-tab-cv-1').getAttribute('aria-selected')).toBe('true');
  });
});
