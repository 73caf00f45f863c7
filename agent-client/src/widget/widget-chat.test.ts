// @vitest-environment happy-dom
// The chat itself in <switchboard-chat>: pre-chat details, messages both ways, marks, typing,
// reconnects, the inactivity warning, the end, the transcript, printing and the rating.
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

import { CHAT_KEY, UNTIL_KEY } from './chat-storage';
import { PRINT_ATTR } from './print';
import { RESUME_KEY } from './token-store';
import type { SwitchboardChat } from './switchboard-widget';
import type { ChatEntry } from '../chat/types';
import type { Envelope } from '../proto/codec';
import type { ContactStatus, CustomerSetup } from '../proto/schema.gen';
import { FakeSocket } from '../test/fake-socket';

const TOKEN = 'MINTED_abcdefghijklmnopqrstuvwxyz0123456789';
const HELLO = {
  role: 'customer',
  user_id: 'c-1',
  resume_token: TOKEN,
  resume_ttl_s: 900,
  server_time_ms: 1764072000000,
  ping_interval_s: 25,
  max_frame_bytes: 65536,
  epoch: 1,
};

const SETUP: CustomerSetup = {
  topics: [
    {
      id: 'claim-question',
      label_en: 'A question about my unemployment claim',
      label_es: 'Una pregunta sobre mi reclamo de desempleo',
      channels: ['chat'],
      languages: ['en', 'es'],
      open: true,
    },
  ],
  languages: ['en', 'es'],
};

const T0 = 1764072000000;

beforeAll(async () => {
  vi.stubGlobal('WebSocket', FakeSocket);
  await import('./switchboard-widget');
});

beforeEach(() => {
  FakeSocket.all = [];
  sessionStorage.clear();
  localStorage.clear();
  document.body.replaceChildren();
  document.documentElement.lang = 'en';
  document.title = 'Contact us';
});

afterEach(() => {
  document.body.replaceChildren();
  vi.useRealTimers();
});

async function flush(): Promise<void> {
  for (let i = 0; i < 8; i++) await Promise.resolve();
}

interface W {
  w: SwitchboardChat;
  s: FakeSocket;
  q: <T extends HTMLElement = HTMLElement>(sel: string, type?: abstract new () => T) => T;
  all: (sel: string) => HTMLElement[];
  text: (sel: string) => string;
  send: (...envs: Envelope[]) => void;
  status: (b: ContactStatus) => void;
  event: (e: ChatEntry, epoch?: number) => void;
  requests: (t: string) => Envelope[];
  answer: (t: string, b: Record<string, unknown>) => void;
}

function harness(w: SwitchboardChat, s: FakeSocket): W {
  const q = <T extends HTMLElement = HTMLElement>(sel: string, type?: abstract new () => T): T => {
    const e = w.shadowRoot?.querySelector(sel);
    if (!(e instanceof (type ?? HTMLElement))) throw new Error(`no ${sel}`);
    return e as T;
  };
  const answered = new Set<number>();
  return {
    w,
    s,
    q,
    all: (sel) => [...(w.shadowRoot?.querySelectorAll<HTMLElement>(sel) ?? [])],
    text: (sel) => q(sel).textContent,
    send: (...envs) => {
      s.serverSends(...envs);
    },
    status: (b) => {
      s.serverSends({ t: 'contact.status', b: b as never });
    },
    event: (e, epoch = 1) => {
      s.serverSends({ t: 'chat.event', b: { conversation_id: 'cv-1', epoch, event: e } });
    },
    requests: (t) => s.sent.filter((e) => e.t === t),
    /** Answers the oldest unanswered request of this type. */
    answer: (t, b) => {
      const req = s.sent.find((e) => e.t === t && !answered.has(e.id ?? -1));
      if (!req) throw new Error(`no ${t}`);
      answered.add(req.id ?? -1);
      s.serverSends({ t: 'ok', id: req.id ?? 0, request: t, b });
    },
  };
}

async function open(attrs: Record<string, string> = {}, hello: object = HELLO): Promise<W> {
  const w = document.createElement('switchboard-chat');
  for (const [k, v] of Object.entries(attrs)) w.setAttribute(k, v);
  document.body.append(w);
  if (w.shadowRoot?.querySelector<HTMLElement>('#sb-panel')?.hidden)
    w.shadowRoot.querySelector<HTMLElement>('#sb-launcher')?.click();
  const s = FakeSocket.last();
  s.accept();
  s.serverSends(
    { t: 'ok', id: 1, request: 'hello', b: hello as never },
    { t: 'customer.setup', b: SETUP as never },
  );
  await flush();
  return harness(w, s);
}

function agentMsg(seq: number, prev: number, text: string, extra: Partial<ChatEntry> = {}): ChatEntry {
  return {
    seq,
    prev_seq: prev,
    kind: 'message',
    from_role: 'agent',
    from_name: 'Maria Lopez',
    text,
    ts_ms: T0 + seq * 1000,
    ...extra,
  };
}

/** Through the pre-chat form to an answered chat with Maria Lopez. */
async function chatting(own = false, attrs: Record<string, string> = {}): Promise<W> {
  const x = await open(attrs);
  x.q('#sb-name', HTMLInputElement).value = 'Ana';
  x.q('#sb-topic-claim-question', HTMLInputElement).click();
  if (own) x.q('#sb-device-own', HTMLInputElement).click();
  x.q('#sb-start').click();
  x.answer('contact.request', { contact_id: 'k-1', queue_name: 'Claims', conversation_id: 'cv-1' });
  await flush();
  x.answer('chat.sync', { epoch: 1, last_seq: 0, more: false, events: [] });
  x.status({ contact_id: 'k-1', conversation_id: 'cv-1', state: 'assigned', agent_name: 'Maria Lopez' });
  await flush();
  return x;
}

function enter(x: W, text: string, shift = false): void {
  const ta = x.q('#sb-message', HTMLTextAreaElement);
  ta.value = text;
  ta.dispatchEvent(new Event('input', { bubbles: true }));
  ta.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', shiftKey: shift, bubbles: true }));
}

describe('pre-chat details', () => {
  it('asks how to address the customer (required), an optional claim reference, and whose computer it is', async () => {
    const x = await open();
    expect(x.text('label[for="sb-name"]')).toBe('How should we address you?');
    expect(x.q('#sb-name').getAttribute('aria-required')).toBe('true');
    expect(x.text('label[for="sb-claim"]')).toBe('Claim or case number (optional)');
    expect(x.text('#sb-claim-hint')).toMatch(/^Never enter your Social Security number\./);
    expect(x.q('#sb-claim').getAttribute('aria-describedby')).toContain('sb-claim-hint');
    expect(x.q('#sb-device').tagName).toBe('FIELDSET');
    expect(x.text('#sb-device legend')).toBe('Is this your own computer?');
    expect(x.q('#sb-device-shared', HTMLInputElement).checked).toBe(true); // the safe default

    x.q('#sb-topic-claim-question', HTMLInputElement).click();
    x.q('#sb-start').click();
    expect(x.text('#sb-name-error')).toBe('Tell us how we should address you.');
    expect(x.q('#sb-name').getAttribute('aria-invalid')).toBe('true');
    expect(x.w.shadowRoot?.activeElement?.id).toBe('sb-name');
    expect(x.requests('contact.request')).toHaveLength(0);

    x.q('#sb-name', HTMLInputElement).value = 'Ana';
    for (const ssn of ['123-45-6789', '123456789', '123 45 6789']) {
      x.q('#sb-claim', HTMLInputElement).value = ssn;
      x.q('#sb-start').click();
      expect(x.text('#sb-claim-error')).toMatch(/^This looks like a Social Security number/);
      expect(x.w.shadowRoot?.activeElement?.id).toBe('sb-claim');
    }
    x.q('#sb-claim', HTMLInputElement).value = 'claim #12';
    x.q('#sb-start').click();
    expect(x.text('#sb-claim-error')).toMatch(/^A claim or case number has only letters/);
    expect(x.requests('contact.request')).toHaveLength(0);

    x.q('#sb-claim', HTMLInputElement).value = ' UI-2026-00417 ';
    x.q('#sb-start').click();
    expect(x.requests('contact.request')[0]?.b).toEqual({
      topic: 'claim-question',
      channel: 'chat',
      lang: 'en',
      name: 'Ana',
      claim_ref: 'UI-2026-00417',
    });
  });

  it('on a shared computer keeps the token and the chat in sessionStorage only', async () => {
    const x = await chatting(false);
    expect(sessionStorage.getItem(RESUME_KEY)).toBe(TOKEN);
    expect(sessionStorage.getItem(CHAT_KEY)).toContain('"conversationId":"cv-1"');
    expect(localStorage.length).toBe(0);
    expect(x.q('#sb-composer').hidden).toBe(false);
  });

  it('on the customer’s own computer moves them to localStorage, so the chat survives a closed tab', async () => {
    const x = await chatting(true);
    expect(localStorage.getItem(RESUME_KEY)).toBe(TOKEN);
    expect(localStorage.getItem(CHAT_KEY)).toContain('"ownDevice":true');
    expect(Number(localStorage.getItem(UNTIL_KEY))).toBeGreaterThan(Date.now());
    expect(sessionStorage.getItem(RESUME_KEY)).toBeNull();
    expect(sessionStorage.getItem(CHAT_KEY)).toBeNull();
    // the end revokes the token: nothing is left behind in localStorage
    x.status({ contact_id: 'k-1', state: 'completed' });
    await flush();
    expect(localStorage.getItem(RESUME_KEY)).toBeNull();
    expect(localStorage.getItem(CHAT_KEY)).toBeNull();
    expect(sessionStorage.getItem(CHAT_KEY)).toContain('"cv-1"');
  });

  it('speaks Spanish in the new fields too', async () => {
    const x = await open({ lang: 'es' });
    expect(x.text('label[for="sb-name"]')).toBe('¿Cómo quiere que le llamemos?');
    expect(x.text('#sb-claim-hint')).toMatch(/^Nunca escriba su número de Seguro Social\./);
    expect(x.text('#sb-device legend')).toBe('¿Es esta su propia computadora?');
  });
});

describe('the conversation', () => {
  it('shows the log (role=log, polite) and the composer once a specialist answers', async () => {
    const x = await chatting();
    const log = x.q('#sb-log');
    expect(log.getAttribute('role')).toBe('log');
    expect(log.getAttribute('aria-live')).toBe('polite');
    expect(x.q('#sb-composer').hidden).toBe(false);
    expect(x.text('label[for="sb-message"]')).toBe('Your message');
    expect(x.text('#sb-send')).toBe('Send');
    expect(x.text('#sb-leave')).toBe('End chat');
  });

  it('renders the specialist’s https links as links and everything else as text', async () => {
    const x = await chatting();
    x.event(agentMsg(1, 0, 'Form: https://example.gov/form. Not this: javascript:alert(1) <img src=x>'));
    x.event(
      agentMsg(2, 1, 'a customer link https://evil.example/', { from_role: 'customer', from_name: 'Ana' }),
    );
    const items = x.all('#sb-messages > li');
    expect(items).toHaveLength(2);
    const links = x.all('#sb-messages a');
    expect(links.map((a) => a.getAttribute('href'))).toEqual(['https://example.gov/form']);
    expect(links[0]?.getAttribute('rel')).toBe('noopener noreferrer');
    expect(links[0]?.getAttribute('target')).toBe('_blank');
    expect(x.q('#sb-messages').querySelector('img')).toBeNull();
    expect(items[0]?.querySelector('.msg-who')?.textContent).toBe('Maria Lopez');
    expect(items[1]?.querySelector('.msg-who')?.textContent).toBe('You');
  });

  it('Enter sends (with a client_msg_id), Shift+Enter does not; "Sending…" until acked, then the marks', async () => {
    const x = await chatting();
    enter(x, 'line one', true);
    expect(x.requests('chat.send')).toHaveLength(0);
    enter(x, 'My claim is stuck.');
    const req = x.requests('chat.send')[0];
    expect(req?.b).toMatchObject({ conversation_id: 'cv-1', text: 'My claim is stuck.' });
    expect(String(req?.b.client_msg_id)).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(x.q('#sb-message', HTMLTextAreaElement).value).toBe('');
    const mine = (): HTMLElement => x.all('#sb-messages > li.msg-own')[0] as HTMLElement;
    expect(mine().querySelector('.msg-mark')?.textContent).toBe('Sending…');
    const li = mine();
    x.answer('chat.send', { seq: 1, prev_seq: 0, ts_ms: T0 + 1000, text: 'My claim is stuck.' });
    await flush();
    expect(mine()).toBe(li); // the same element: announced once
    expect(mine().dataset.seq).toBe('1');
    expect(mine().querySelector('.msg-mark')?.textContent).toBe('✓ Sent');
    x.send({
      t: 'chat.receipt.event',
      b: { conversation_id: 'cv-1', from_role: 'agent', delivered_seq: 1, read_seq: 0 },
    });
    expect(mine().querySelector('.msg-mark')?.textContent).toBe('✓ Delivered');
    x.send({
      t: 'chat.receipt.event',
      b: { conversation_id: 'cv-1', from_role: 'agent', delivered_seq: 1, read_seq: 1 },
    });
    expect(mine().querySelector('.msg-mark')?.textContent).toBe('✓✓ Read');
    expect(mine().querySelector('.msg-mark')?.getAttribute('data-mark')).toBe('read');
  });

  it('an empty message is not sent and says why', async () => {
    const x = await chatting();
    x.q('#sb-send').click();
    expect(x.text('#sb-composer-error')).toBe('Write a message first.');
    expect(x.requests('chat.send')).toHaveLength(0);
  });

  it('shows what the server stored (SSNs masked)', async () => {
    const x = await chatting();
    enter(x, 'my SSN is 123-45-6789');
    x.answer('chat.send', { seq: 1, prev_seq: 0, ts_ms: T0, text: 'my SSN is XXX-XX-6789' });
    await flush();
    expect(x.text('#sb-messages .msg-own .msg-text')).toBe('my SSN is XXX-XX-6789');
  });

  it('sends delivered and read receipts as messages arrive while the panel is open', async () => {
    vi.useFakeTimers();
    const x = await chatting();
    x.event(agentMsg(1, 0, 'Hello Ana'));
    await vi.advanceTimersByTimeAsync(400);
    expect(x.requests('chat.receipt').at(-1)?.b).toEqual({
      conversation_id: 'cv-1',
      delivered_seq: 1,
      read_seq: 1,
    });
  });

  it('only "delivered" while the panel is closed; "read" when it opens', async () => {
    vi.useFakeTimers();
    const x = await chatting();
    x.q('#sb-close').click();
    x.event(agentMsg(1, 0, 'Hello Ana'));
    await vi.advanceTimersByTimeAsync(400);
    expect(x.requests('chat.receipt').at(-1)?.b).toEqual({ conversation_id: 'cv-1', delivered_seq: 1 });
    x.answer('chat.receipt', {});
    await flush();
    x.q('#sb-launcher').click();
    await vi.advanceTimersByTimeAsync(400);
    expect(x.requests('chat.receipt').at(-1)?.b).toEqual({ conversation_id: 'cv-1', read_seq: 1 });
  });

  it('tells the specialist when the customer types, and shows when the specialist types', async () => {
    const x = await chatting();
    const ta = x.q('#sb-message', HTMLTextAreaElement);
    ta.value = 'H';
    ta.dispatchEvent(new Event('input'));
    ta.value = 'Hi';
    ta.dispatchEvent(new Event('input'));
    expect(x.requests('chat.typing').map((e) => e.b.typing)).toEqual([true]);
    ta.value = '';
    ta.dispatchEvent(new Event('input'));
    expect(x.requests('chat.typing').map((e) => e.b.typing)).toEqual([true, false]);

    x.send({ t: 'chat.typing.event', b: { conversation_id: 'cv-1', from_role: 'agent', typing: true } });
    expect(x.q('#sb-typing').hidden).toBe(false);
    expect(x.text('#sb-typing')).toBe('Maria Lopez is typing…');
    x.event(agentMsg(1, 0, 'Here is the answer'));
    expect(x.q('#sb-typing').hidden).toBe(true); // the message came
  });

  it('after a dropped connection: syncs from the last seq held and sends again what was not acked', async () => {
    const x = await chatting();
    x.event(agentMsg(1, 0, 'Hello'));
    enter(x, 'Are you there?');
    const first = x.requests('chat.send')[0];
    x.s.serverCloses(1006);
    await flush();
    expect(x.text('#sb-messages .msg-own .msg-mark')).toBe('Sending…');
    expect(x.q('#sb-offline-note').hidden).toBe(false);
    await new Promise((r) => setTimeout(r, 1200)); // the first retry comes after about a second
    const s2 = FakeSocket.last();
    expect(s2).not.toBe(x.s);
    const y = harness(x.w, s2);
    s2.accept();
    expect(s2.sent[0]?.b).toMatchObject({ resume_token: TOKEN });
    s2.serverSends({
      t: 'ok',
      id: s2.sent[0]?.id ?? 0,
      request: 'hello',
      b: { ...HELLO, resume_token: undefined, contact_id: 'k-1', conversation_id: 'cv-1' },
    });
    await flush();
    expect(y.requests('chat.sync')[0]?.b).toEqual({ conversation_id: 'cv-1', after_seq: 1 });
    expect(y.requests('chat.send')).toHaveLength(0); // after the sync
    y.answer('chat.sync', { epoch: 1, last_seq: 2, more: false, events: [agentMsg(2, 1, 'Still here?')] });
    await flush();
    const again = y.requests('chat.send')[0];
    expect(again?.b).toEqual(first?.b); // same client_msg_id
    y.answer('chat.send', { seq: 3, prev_seq: 2, ts_ms: T0 + 3000, text: 'Are you there?' });
    await flush();
    expect(y.all('#sb-messages > li').map((li) => li.dataset.seq)).toEqual(['1', '2', '3']);
  });

  it('keeps the log across a reload and shows it before the server answers', async () => {
    const x = await chatting();
    x.event(agentMsg(1, 0, 'Hello Ana'));
    x.w.remove();
    FakeSocket.all = [];
    const w2 = document.createElement('switchboard-chat');
    document.body.append(w2);
    const y = harness(w2, FakeSocket.last());
    expect(y.q('#sb-panel').hidden).toBe(false); // reopened by itself
    expect(y.all('#sb-messages > li').map((li) => li.querySelector('.msg-text')?.textContent)).toEqual([
      'Hello Ana',
    ]);
  });
});

describe('inactivity', () => {
  it('warns clearly (assertively) and keeps the chat with “I’m still here”', async () => {
    const x = await chatting();
    x.event({
      seq: 1,
      prev_seq: 0,
      kind: 'system',
      system: 'inactive_warning',
      from_role: 'system',
      text: 'This chat will close in 2 minutes.',
      ts_ms: T0,
    });
    expect(x.q('#sb-inactive').hidden).toBe(false);
    expect(x.text('#sb-inactive-title')).toBe('Are you still there?');
    expect(x.text('#sb-inactive-text')).toBe('This chat will close in 2 minutes.'); // the server's words, in English
    expect(x.q('#sb-alert').getAttribute('aria-live')).toBe('assertive');
    expect(x.text('#sb-alert')).toMatch(/^Are you still there\?/);
    x.q('#sb-stay').click();
    expect(x.requests('chat.stay')[0]?.b).toEqual({ conversation_id: 'cv-1' });
    x.answer('chat.stay', {});
    await flush();
    expect(x.q('#sb-inactive').hidden).toBe(true);
    expect(x.text('#sb-chat-note')).toBe('Thank you. Your chat stays open.');
  });

  it('uses its own words in Spanish', async () => {
    const x = await chatting(false, { lang: 'es' });
    x.event({
      seq: 1,
      prev_seq: 0,
      kind: 'system',
      system: 'inactive_warning',
      from_role: 'system',
      text: 'This chat will close in 2 minutes.',
      ts_ms: T0,
    });
    expect(x.text('#sb-inactive-title')).toBe('¿Sigue ahí?');
    expect(x.text('#sb-inactive-text')).toMatch(/^No hemos sabido de usted/);
    expect(x.text('#sb-stay')).toBe('Sigo aquí');
  });

  it('changes the page title while the page is in the background', async () => {
    const x = await chatting();
    const vis = vi.spyOn(document, 'visibilityState', 'get').mockReturnValue('hidden');
    x.event(agentMsg(1, 0, 'Hello?'));
    expect(document.title).toBe('● New chat message');
    vis.mockReturnValue('visible');
    document.dispatchEvent(new Event('visibilitychange'));
    expect(document.title).toBe('Contact us');
  });
});

describe('the end', () => {
  async function ended(): Promise<W> {
    const x = await chatting();
    x.event(agentMsg(1, 0, 'Hello Ana, how can I help?'));
    enter(x, 'When is my payment?');
    x.answer('chat.send', { seq: 2, prev_seq: 1, ts_ms: T0 + 2000, text: 'When is my payment?' });
    await flush();
    x.event(agentMsg(3, 2, 'Next steps: file your weekly claim at https://example.gov/weekly'));
    x.q('#sb-leave').click();
    expect(x.text('#sb-leave-question')).toBe(
      'End this chat? You can save or print the conversation afterwards.',
    );
    x.q('#sb-leave-yes').click();
    expect(x.requests('contact.cancel')[0]?.b).toEqual({ contact_id: 'k-1' });
    x.answer('contact.cancel', {});
    await flush();
    return x;
  }

  it('offers the transcript, printing and a rating; the log stays readable', async () => {
    const x = await ended();
    expect(x.q('#sb-ended').hidden).toBe(false);
    expect(x.text('#sb-end-reason')).toBe('You left the chat.');
    expect(x.q('#sb-chat').hidden).toBe(false);
    expect(x.q('#sb-composer').hidden).toBe(true);
    expect(x.text('#sb-save-transcript')).toBe('Save transcript');
    expect(x.text('#sb-print')).toBe('Print');
    expect(x.text('#sb-shared-hint')).toMatch(/^On a shared or public computer/);
    expect(x.text('#sb-rating legend')).toBe('How was your chat?');
    expect(x.all('#sb-rating label').map((l) => l.textContent)).toEqual([
      '1 — Very poor',
      '2 — Poor',
      '3 — Okay',
      '4 — Good',
      '5 — Excellent',
    ]);
  });

  it('saves a .txt transcript built from the local log: names, times, text', async () => {
    const x = await ended();
    let blob: Blob | null = null;
    const create = vi.spyOn(URL, 'createObjectURL').mockImplementation((b) => {
      blob = b as Blob;
      return 'blob:x';
    });
    vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => undefined);
    let download = '';
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (
      this: HTMLAnchorElement,
    ) {
      download = this.download;
    });
    x.q('#sb-save-transcript').click();
    expect(create).toHaveBeenCalledOnce();
    expect(click).toHaveBeenCalledOnce();
    expect(download).toMatch(/^chat-transcript-\d{4}-\d{2}-\d{2}-\d{4}\.txt$/);
    const text = await (blob as unknown as Blob).text();
    expect(text.charCodeAt(0)).toBe(0xfeff);
    expect(text).toContain('Chat transcript');
    expect(text).toContain('Topic: A question about my unemployment claim');
    expect(text).toContain('Your name: Ana');
    expect(text).toContain('Specialist: Maria Lopez');
    expect(text).toMatch(/\] Maria Lopez: Hello Ana, how can I help\?/);
    expect(text).toMatch(/\] Ana: When is my payment\?/);
    expect(text).toContain('https://example.gov/weekly');
    expect(x.text('#sb-save-status')).toBe(`Your transcript was saved as ${download} in your downloads.`);
  });

  it('prints only the transcript', async () => {
    const x = await ended();
    const other = document.createElement('main');
    document.body.prepend(other);
    let during: { marked: boolean; printing: boolean; lines: number } | null = null;
    window.print = () => {
      during = {
        marked: other.hasAttribute(PRINT_ATTR),
        printing: x.w.hasAttribute('data-printing'),
        lines: x.all('#sb-print-transcript .print-line').length,
      };
    };
    x.q('#sb-print').click();
    expect(during).toEqual({ marked: true, printing: true, lines: 3 });
    expect(x.text('#sb-print-transcript')).toContain('Ana: When is my payment?');
    window.dispatchEvent(new Event('afterprint'));
    expect(other.hasAttribute(PRINT_ATTR)).toBe(false);
    expect(x.w.hasAttribute('data-printing')).toBe(false);
  });

  it('rates 1 to 5 with an optional comment, and thanks the customer', async () => {
    const x = await ended();
    x.q('#sb-rate-submit').click();
    expect(x.text('#sb-rate-error')).toBe('Choose a rating from 1 to 5.');
    expect(x.requests('chat.rate')).toHaveLength(0);
    x.q('#sb-rate-4', HTMLInputElement).click();
    x.q('#sb-rate-comment', HTMLTextAreaElement).value = '  Very helpful  ';
    x.q('#sb-rate-submit').click();
    expect(x.requests('chat.rate')[0]?.b).toEqual({
      conversation_id: 'cv-1',
      score: 4,
      comment: 'Very helpful',
    });
    x.answer('chat.rate', {});
    await flush();
    expect(x.q('#sb-rating-form').hidden).toBe(true);
    expect(x.q('#sb-rate-thanks').hidden).toBe(false);
    expect(x.text('#sb-rate-thanks')).toBe('Thank you for your feedback.');
    expect(x.w.shadowRoot?.activeElement?.id).toBe('sb-rate-thanks');
  });

  it('says so in Spanish', async () => {
    const x = await chatting(false, { lang: 'es' });
    x.status({ contact_id: 'k-1', state: 'completed' });
    await flush();
    expect(x.text('#sb-rating legend')).toBe('¿Cómo fue su chat?');
    expect(x.text('#sb-rate-submit')).toBe('Enviar la calificación');
  });
});
