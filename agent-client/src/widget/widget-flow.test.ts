// @vitest-environment happy-dom
// The customer's way through <switchboard-chat>: topic and language, waiting, leaving, the end.
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

import { RESUME_KEY } from './token-store';
import type { SwitchboardChat } from './switchboard-widget';
import type { Envelope } from '../proto/codec';
import type { ContactStatus, CustomerSetup } from '../proto/schema.gen';
import { FakeSocket } from '../test/fake-socket';

const HELLO = {
  role: 'customer',
  user_id: 'c-1',
  resume_token: 'MINTED_abcdefghijklmnopqrstuvwxyz0123456789',
  resume_ttl_s: 900,
  server_time_ms: 1764072000000,
  ping_interval_s: 25,
  max_frame_bytes: 65536,
};

const OPENS = Date.UTC(2026, 5, 1, 16, 0);

const SETUP: CustomerSetup = {
  topics: [
    {
      id: 'claim-question',
      label_en: 'A question about my unemployment claim',
      label_es: 'Una pregunta sobre mi reclamo de desempleo',
      channels: ['chat', 'voice', 'video'],
      languages: ['en'],
      open: true,
    },
    {
      id: 'employer',
      label_en: 'I am an employer',
      label_es: 'Soy empleador',
      channels: ['chat', 'voice', 'video'],
      languages: ['en'],
      open: false,
      next_open_ms: OPENS,
    },
    {
      id: 'other',
      label_en: 'Something else',
      channels: ['chat', 'voice'],
      languages: ['en', 'es', 'ru'],
      open: true,
    },
    { id: 'phone-only', label_en: 'Phone only', channels: ['voice'], languages: ['en'], open: true },
  ],
  languages: ['en', 'es', 'ru', 'vi'],
};

beforeAll(async () => {
  vi.stubGlobal('WebSocket', FakeSocket);
  await import('./switchboard-widget');
});

beforeEach(() => {
  FakeSocket.all = [];
  sessionStorage.clear();
  document.body.replaceChildren();
  document.documentElement.lang = 'en';
});

afterEach(() => {
  document.body.replaceChildren();
});

async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

interface W {
  w: SwitchboardChat;
  s: FakeSocket;
  q: <T extends HTMLElement = HTMLElement>(sel: string, type?: abstract new () => T) => T;
  all: (sel: string) => HTMLElement[];
  text: (sel: string) => string;
  status: (b: ContactStatus) => void;
}

/** Opens the widget and connects; the hello reply and `first` share one frame, as the server sends them. */
async function open(
  attrs: Record<string, string> = {},
  first: Envelope[] = [{ t: 'customer.setup', b: SETUP as never }],
  hello: object = HELLO,
): Promise<W> {
  const w = document.createElement('switchboard-chat');
  for (const [k, v] of Object.entries(attrs)) w.setAttribute(k, v);
  document.body.append(w);
  const q = <T extends HTMLElement = HTMLElement>(sel: string, type?: abstract new () => T): T => {
    const e = w.shadowRoot?.querySelector(sel);
    if (!(e instanceof (type ?? HTMLElement))) throw new Error(`no ${sel}`);
    return e as T;
  };
  if (w.shadowRoot?.querySelector<HTMLElement>('#sb-panel')?.hidden) q('#sb-launcher').click();
  const s = FakeSocket.last();
  s.accept();
  s.serverSends({ t: 'ok', id: 1, request: 'hello', b: hello as never }, ...first);
  await flush();
  return {
    w,
    s,
    q,
    all: (sel) => [...(w.shadowRoot?.querySelectorAll<HTMLElement>(sel) ?? [])],
    text: (sel) => q(sel).textContent,
    status: (b) => {
      s.serverSends({ t: 'contact.status', b: b as never });
    },
  };
}

describe('pre-chat form', () => {
  it('offers the chat topics and their languages, and starts a chat', async () => {
    const x = await open();
    expect(x.q('#sb-prechat').hidden).toBe(false);
    const labels = x.all('#sb-topics label').map((l) => l.textContent);
    expect(labels).toEqual([
      'A question about my unemployment claim',
      'I am an employer — Closed now.',
      'Something else',
    ]); // the voice-only topic is left out
    expect(x.q('#sb-topics').tagName).toBe('FIELDSET');
    expect(x.q('#sb-language').tagName).toBe('SELECT');
    expect(x.q('label[for="sb-language"]').textContent).toBe('Language for this chat');

    // a topic with English only: the language list follows it
    x.q('#sb-topic-other', HTMLInputElement).click();
    expect(x.all('#sb-language option').map((o) => o.textContent)).toEqual([
      'English',
      'Spanish (Español)',
      'Russian (Русский)',
    ]);
    x.q('#sb-language', HTMLSelectElement).value = 'ru';
    x.q('#sb-name', HTMLInputElement).value = '  Ana  María ';
    x.q('#sb-start').click();
    expect(x.s.lastRequest()).toEqual({
      t: 'contact.request',
      id: 2,
      b: { topic: 'other', channel: 'chat', lang: 'ru', name: 'Ana María' },
    });
    expect(x.text('#sb-start')).toBe('Starting…');
    x.s.replyOk({ contact_id: 'k-1', queue_name: 'General questions', conversation_id: 'cv-1' });
    await flush();
    expect(x.q('#sb-prechat').hidden).toBe(true);
    expect(x.q('#sb-waiting').hidden).toBe(false);
    expect(x.text('#sb-queue-name')).toBe('Line: General questions');
    expect(x.text('#sb-wait-status')).toBe('Checking your place in line…');
  });

  it('asks for a topic first, and shows when a closed topic opens', async () => {
    const x = await open();
    x.q('#sb-start').click();
    expect(x.text('#sb-prechat-error')).toBe('Choose what you need help with.');
    expect(x.q('#sb-prechat-error').getAttribute('role')).toBe('alert');
    expect(x.s.sent).toHaveLength(1);
    x.q('#sb-topic-employer', HTMLInputElement).click();
    const note = x.text('#sb-topic-note');
    expect(note).toMatch(/^Closed now\. Opens .+\. You can leave a message for this team below\.$/);
    expect(note).toContain(
      new Intl.DateTimeFormat('en', { weekday: 'long', month: 'long', day: 'numeric' }).format(
        new Date(OPENS),
      ),
    );
  });

  it('leaves a message for a closed team, checked field by field, and shows the reference', async () => {
    const x = await open();
    x.q('#sb-topic-employer', HTMLInputElement).click();
    expect(x.q('#sb-lm').hidden).toBe(false);
    expect(x.text('#sb-start')).toBe('Send message');
    // nothing written yet: each field says so, the first gets the focus, nothing is sent
    x.q('#sb-start').click();
    expect(x.text('#sb-name-error')).toBe('Tell us how we should address you.');
    expect(x.text('#sb-lm-text-error')).toBe('Write your message.');
    expect(x.q('#sb-lm-text').getAttribute('aria-invalid')).toBe('true');
    expect(x.s.sent).toHaveLength(1);
    x.q('#sb-name', HTMLInputElement).value = 'Luis';
    x.q('#sb-lm-text', HTMLTextAreaElement).value = '  I need to post a job opening.  ';
    x.q('#sb-lm-reply', HTMLInputElement).value = 'luis@example.org';
    x.q('#sb-start').click();
    expect(x.s.lastRequest()).toEqual({
      t: 'contact.message',
      id: 2,
      b: {
        topic: 'employer',
        lang: 'en',
        name: 'Luis',
        text: 'I need to post a job opening.',
        reply_to: 'luis@example.org',
      },
    });
    expect(x.text('#sb-start')).toBe('Sending…');
    x.s.replyOk({ reference: 'm-0123456789abcdef01234567' });
    await flush();
    expect(x.q('#sb-lm-done').hidden).toBe(false);
    expect(x.q('#sb-prechat-form').hidden).toBe(true);
    expect(x.text('#sb-lm-done-text')).toBe(
      'Your message was sent. Your reference is m-0123456789abcdef01234567. Keep it if you contact us again.',
    );
    expect(x.q('#sb-lm-done-text').getAttribute('role')).toBe('status');
    // back to the form, empty
    x.q('#sb-lm-another').click();
    expect(x.q('#sb-prechat-form').hidden).toBe(false);
    expect(x.q('#sb-lm-text', HTMLTextAreaElement).value).toBe('');
  });

  it('speaks Spanish: topic labels, language names, and where Spanish is offered', async () => {
    const x = await open({ lang: 'es' });
    expect(x.all('#sb-topics label').map((l) => l.textContent)).toEqual([
      'Una pregunta sobre mi reclamo de desempleo',
      'Soy empleador — Cerrado ahora.',
      'Something else', // no label_es: English
    ]);
    x.q('#sb-topic-claim-question', HTMLInputElement).click();
    expect(x.all('#sb-language option').map((o) => o.textContent)).toEqual(['Inglés (English)']);
    expect(x.text('#sb-language-note')).toBe(
      'Este tema no se atiende en español. Temas que se atienden en español: Something else.',
    );
    x.q('#sb-topic-other', HTMLInputElement).click();
    expect(x.q('#sb-language', HTMLSelectElement).value).toBe('es');
    expect(x.q('#sb-language-note').hidden).toBe(true);
    expect(x.text('#sb-start')).toBe('Iniciar el chat');
  });

  it.each([
    ['QUEUE_CLOSED', /^This line is closed now\. Opens .+\. You can leave a message for this team below/],
    ['NO_SERVICE', /^We cannot take a chat on this topic in this language/],
    ['CONFLICT', /^You already have a chat open/],
    ['RATE_LIMITED', /^Too many tries\. Please wait a moment/],
    ['STORE_UNAVAILABLE', /^Please try again in a moment\.$/],
    ['BUSY', /^Please try again in a moment\.$/],
  ])('explains %s', async (code, text) => {
    const x = await open();
    x.q('#sb-name', HTMLInputElement).value = 'Ana';
    x.q('#sb-topic-claim-question', HTMLInputElement).click();
    x.q('#sb-start').click();
    x.s.serverSends({
      t: 'error',
      id: 2,
      b: { code, message: 'x', ...(code === 'QUEUE_CLOSED' ? { next_open_ms: OPENS } : {}) },
    });
    await flush();
    expect(x.text('#sb-prechat-error')).toMatch(text);
    expect(x.q('#sb-prechat').hidden).toBe(false);
    // a closed line turns the form into a message for the team
    expect(x.text('#sb-start')).toBe(code === 'QUEUE_CLOSED' ? 'Send message' : 'Start chat');
    expect(x.q('#sb-lm').hidden).toBe(code !== 'QUEUE_CLOSED');
    if (code === 'QUEUE_CLOSED') {
      // the topic is now known to be closed
      expect(x.all('#sb-topics label')[0]?.textContent).toBe(
        'A question about my unemployment claim — Closed now.',
      );
    }
  });
});

describe('waiting', () => {
  async function waiting(attrs: Record<string, string> = {}): Promise<W> {
    const x = await open(attrs);
    x.q('#sb-name', HTMLInputElement).value = 'Ana';
    x.q('#sb-topic-claim-question', HTMLInputElement).click();
    x.q('#sb-start').click();
    x.s.replyOk({ contact_id: 'k-1', queue_name: 'Unemployment insurance claims', conversation_id: 'cv-1' });
    await flush();
    return x;
  }

  it('shows place in line and expected wait, updating the live region only when the words change', async () => {
    const x = await waiting();
    const live = x.q('#sb-wait-status');
    expect(live.getAttribute('role')).toBe('status');
    expect(live.getAttribute('aria-live')).toBe('polite');
    const writes: string[] = [];
    new MutationObserver((records) => {
      for (const r of records) for (const n of r.addedNodes) writes.push(n.textContent ?? '');
    }).observe(live, { childList: true });
    x.status({ contact_id: 'k-1', state: 'queued', position: 3, wait_s: 250 });
    x.status({ contact_id: 'k-1', state: 'queued', position: 3, wait_s: 240 }); // same words
    x.status({ contact_id: 'k-1', state: 'queued', position_more_than: 20, wait_s: 1500 });
    await flush();
    expect(writes).toEqual([
      'You are number 3 in line. Expected wait: about 4 minutes.',
      'More than 20 people are ahead of you. Expected wait: about 25 minutes.',
    ]);
    x.status({ contact_id: 'k-1', state: 'assigned', agent_name: 'Maria Lopez' });
    expect(live.textContent).toBe('Connected with Maria Lopez');
    expect(x.text('#sb-leave')).toBe('End chat');
    // the specialist dropped: back in line, place kept
    x.status({
      contact_id: 'k-1',
      state: 'queued',
      reason: 'agent_unavailable',
      message: 'Your specialist was disconnected. You keep your place in line.',
    });
    expect(x.text('#sb-wait-notice')).toBe('Your specialist was disconnected. You keep your place in line.');
    expect(live.textContent).toBe('You are in line.');
  });

  it('leaves the line only after a confirmation', async () => {
    const x = await waiting();
    x.q('#sb-leave').focus();
    x.q('#sb-leave').click();
    expect(x.q('#sb-leave-confirm').hidden).toBe(false);
    expect(x.text('#sb-leave-question')).toBe('Leave the line? You will lose your place.');
    expect(x.w.shadowRoot?.activeElement?.id).toBe('sb-leave-no'); // the safe answer has the focus
    x.q('#sb-leave-no').click();
    expect(x.q('#sb-leave-confirm').hidden).toBe(true);
    expect(x.s.sent.some((e) => e.t === 'contact.cancel')).toBe(false);
    x.q('#sb-leave').click();
    x.q('#sb-leave-yes').click();
    expect(x.s.lastRequest()).toMatchObject({ t: 'contact.cancel', b: { contact_id: 'k-1' } });
    x.status({
      contact_id: 'k-1',
      state: 'canceled',
      reason: 'abandoned',
      message: 'You have left the line.',
    });
    x.s.replyOk({});
    await flush();
    expect(x.q('#sb-waiting').hidden).toBe(true);
    expect(x.q('#sb-ended').hidden).toBe(false);
    expect(x.text('#sb-end-reason')).toBe('You left the line.');
    expect(x.w.shadowRoot?.activeElement?.id).toBe('sb-ended-title');
    // and can start again
    x.q('#sb-new-chat').click();
    expect(x.q('#sb-prechat').hidden).toBe(false);
  });

  it.each([
    [
      'queue_removed',
      'This line is no longer available. Please start again.',
      /^This line is no longer available\. Please choose a topic again\.$/,
    ],
    ['customer_disconnected', 'x', /lost the connection to you/],
  ] as const)('ends with the reason %s and the server’s message', async (reason, message, ours) => {
    const x = await waiting();
    x.status({ contact_id: 'k-1', state: 'canceled', reason, message });
    expect(x.q('#sb-ended').hidden).toBe(false);
    expect(x.text('#sb-end-reason')).toMatch(ours);
    expect(x.text('#sb-end-message')).toBe(message);
  });

  it.each([
    [
      'callback',
      'Everyone is busy. Leave your number and a specialist will call you back.',
      'Ask for a call back',
    ],
    ['leave_message', 'Everyone is busy. Please leave a message and we will answer it.', 'Leave a message'],
  ] as const)(
    'says what the server says for %s, once, and offers the form for it',
    async (reason, message, button) => {
      const x = await waiting();
      x.status({ contact_id: 'k-1', state: 'canceled', reason, message });
      expect(x.text('#sb-end-reason')).toBe(message);
      expect(x.q('#sb-end-message').hidden).toBe(true);
      expect(x.q('#sb-leave-message').hidden).toBe(false);
      expect(x.text('#sb-leave-message')).toBe(button);
    },
  );

  it('takes a number to call back, checked, and shows it with the reference', async () => {
    const x = await waiting();
    x.status({
      contact_id: 'k-1',
      state: 'canceled',
      reason: 'callback',
      message: 'Everyone is busy. Leave your number and a specialist will call you back.',
    });
    x.q('#sb-leave-message').click();
    // the same form, asking for the number first
    expect(x.q('#sb-prechat').hidden).toBe(false);
    expect(x.q('#sb-lm').dataset.kind).toBe('callback');
    const phone = x.q('#sb-lm-reply', HTMLInputElement);
    expect(x.w.shadowRoot?.activeElement).toBe(phone);
    expect(phone.type).toBe('tel');
    expect(phone.autocomplete).toBe('tel');
    expect(phone.getAttribute('aria-required')).toBe('true');
    expect(x.text('label[for="sb-lm-reply"]')).toBe('Phone number to call you back');
    expect(x.text('label[for="sb-lm-text"]')).toBe('What is the call about?');
    const fields = x.all('#sb-lm input, #sb-lm textarea').map((e) => e.id);
    expect(fields).toEqual(['sb-lm-reply', 'sb-lm-text']);
    expect(x.text('#sb-topic-note')).toBe('Leave your number below and a specialist will call you back.');
    expect(x.text('#sb-start')).toBe('Ask for a call back');
    // no number: said next to the field, which takes the focus; nothing is sent
    const before = x.s.sent.length;
    x.q('#sb-lm-text', HTMLTextAreaElement).value = 'About my payment';
    x.q('#sb-start').click();
    expect(x.text('#sb-lm-reply-error')).toBe('Enter the phone number we should call.');
    expect(phone.getAttribute('aria-invalid')).toBe('true');
    expect(x.w.shadowRoot?.activeElement).toBe(phone);
    // not a phone number
    phone.value = 'pat@example.org';
    x.q('#sb-start').click();
    expect(x.text('#sb-lm-reply-error')).toMatch(/^Enter a phone number of 7 to 15 digits/);
    expect(x.s.sent.length).toBe(before);
    phone.value = ' +1 (360) 555-0100 ';
    x.q('#sb-start').click();
    expect(x.s.lastRequest()).toEqual({
      t: 'contact.message',
      id: x.s.lastRequest().id,
      b: {
        topic: 'claim-question',
        lang: 'en',
        name: 'Ana',
        text: 'About my payment',
        reply_to: '+1 (360) 555-0100',
        callback: true,
      },
    });
    // the server refuses the number: said next to it
    x.s.serverSends({
      t: 'error',
      id: x.s.lastRequest().id,
      b: { code: 'BAD_FIELD', message: 'reply_to is not a phone number', field: 'reply_to' },
    });
    await flush();
    expect(x.text('#sb-lm-reply-error')).toMatch(/^Enter a phone number of 7 to 15 digits/);
    expect(x.w.shadowRoot?.activeElement).toBe(phone);
    x.q('#sb-start').click();
    x.s.replyOk({ reference: 'cb-0123456789abcdef01234567' });
    await flush();
    expect(x.text('#sb-lm-done-text')).toBe(
      'Your request was sent. A specialist will call you at +1 (360) 555-0100. Your reference is cb-0123456789abcdef01234567. Keep it if you contact us again.',
    );
    // the number is the customer's writing: isolated
    expect(x.q('#sb-lm-done-text bdi').textContent).toBe('+1 (360) 555-0100');
  });

  it('stays in line when moved to another line (overflow)', async () => {
    const x = await waiting();
    x.status({
      contact_id: 'k-1',
      state: 'canceled',
      reason: 'overflow',
      message: 'We are moving you to another line that can help sooner. You keep your place.',
    });
    expect(x.q('#sb-waiting').hidden).toBe(false);
    expect(x.text('#sb-wait-notice')).toBe(
      'We are moving you to another line that can help sooner. You keep your place.',
    );
    x.status({
      contact_id: 'k-2',
      state: 'queued',
      position: 2,
      wait_s: 60,
      queue_name: 'General questions',
    });
    expect(x.text('#sb-wait-status')).toBe('You are number 2 in line. Expected wait: about 1 minute.');
    expect(x.text('#sb-queue-name')).toBe('Line: General questions');
  });

  it('shows the specialist’s end and the completion in Spanish', async () => {
    const x = await waiting({ lang: 'es' });
    x.status({ contact_id: 'k-1', state: 'queued', position: 1, wait_s: 20 });
    expect(x.text('#sb-wait-status')).toBe(
      'Usted es el siguiente en la fila. Tiempo de espera estimado: menos de un minuto.',
    );
    x.status({ contact_id: 'k-1', state: 'assigned', agent_name: 'Maria Lopez' });
    expect(x.text('#sb-wait-status')).toBe('Conectado con Maria Lopez');
    x.status({ contact_id: 'k-1', state: 'wrapping', message: 'The specialist ended the conversation.' });
    expect(x.text('#sb-end-reason')).toBe(
      'El especialista terminó la conversación. Gracias por comunicarse con nosotros.',
    );
    expect(x.text('#sb-end-message')).toBe('The specialist ended the conversation.');
  });

  it('renders server strings as text', async () => {
    const x = await waiting();
    x.status({ contact_id: 'k-1', state: 'assigned', agent_name: '<img src=x onerror=alert(1)>' });
    expect(x.q('#sb-wait-status').querySelector('img')).toBeNull();
    expect(x.text('#sb-wait-status')).toBe('Connected with <img src=x onerror=alert(1)>');
  });
});

describe('resume', () => {
  it('goes straight to the waiting view when the hello reply names an open contact', async () => {
    sessionStorage.setItem(RESUME_KEY, 'STORED_abcdefghijklmnop');
    const x = await open({}, [{ t: 'customer.setup', b: SETUP as never }], {
      ...HELLO,
      resume_token: undefined,
      contact_id: 'k-9',
    });
    expect(x.q('#sb-prechat').hidden).toBe(true);
    expect(x.q('#sb-waiting').hidden).toBe(false);
    expect(x.text('#sb-wait-status')).toBe('Checking your place in line…');
    x.status({ contact_id: 'k-9', state: 'queued', position: 5, wait_s: 300 });
    expect(x.text('#sb-wait-status')).toBe('You are number 5 in line. Expected wait: about 5 minutes.');
    expect(x.w.shadowRoot?.activeElement ?? null).toBeNull(); // focus stays with the page
  });

  it('keeps the status that came in the same frame as the hello reply', async () => {
    sessionStorage.setItem(RESUME_KEY, 'STORED_abcdefghijklmnop');
    const x = await open(
      {},
      [
        { t: 'customer.setup', b: SETUP as never },
        { t: 'contact.status', b: { contact_id: 'k-9', state: 'assigned', agent_name: 'Maria Lopez' } },
      ],
      { ...HELLO, resume_token: undefined, contact_id: 'k-9' },
    );
    expect(x.text('#sb-wait-status')).toBe('Connected with Maria Lopez');
  });
});
