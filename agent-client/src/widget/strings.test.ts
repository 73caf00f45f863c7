import { describe, expect, it } from 'vitest';

import { applyStatus, initialModel, isFinal, requestErrorText, waitFor } from './contact-view';
import {
  STRINGS,
  closedText,
  endText,
  formatOpening,
  languageName,
  languageOptionLabel,
  pickLocale,
  positionText,
  queuedText,
  roundWait,
  topicLabel,
  topicLanguages,
  waitText,
} from './strings';
import type { ContactStatus } from '../proto/schema.gen';

const en = STRINGS.en;
const es = STRINGS.es;

describe('place in line', () => {
  it.each([
    [{ position: 1 }, 'You are next in line.', 'Usted es el siguiente en la fila.'],
    [{ position: 3 }, 'You are number 3 in line.', 'Usted es el número 3 en la fila.'],
    [{ position: 10 }, 'You are number 10 in line.', 'Usted es el número 10 en la fila.'],
    [
      { position_more_than: 20 },
      'More than 20 people are ahead of you.',
      'Hay más de 20 personas antes que usted.',
    ],
    [
      { position_more_than: 100 },
      'More than 100 people are ahead of you.',
      'Hay más de 100 personas antes que usted.',
    ],
    [{}, 'You are in line.', 'Está en la fila.'],
  ])('%j', (s, english, spanish) => {
    expect(positionText(s, en)).toBe(english);
    expect(positionText(s, es)).toBe(spanish);
  });
});

describe('expected wait', () => {
  it.each([
    [0, { kind: 'under-minute' }],
    [59, { kind: 'under-minute' }],
    [60, { kind: 'minutes', minutes: 1 }],
    [89, { kind: 'minutes', minutes: 1 }],
    [90, { kind: 'minutes', minutes: 2 }],
    [241, { kind: 'minutes', minutes: 4 }],
    [569, { kind: 'minutes', minutes: 9 }],
    [600, { kind: 'minutes', minutes: 10 }],
    [740, { kind: 'minutes', minutes: 10 }], // 12.3 min: steps of 5 beyond 10
    [800, { kind: 'minutes', minutes: 15 }],
    [3240, { kind: 'minutes', minutes: 55 }],
    [3420, { kind: 'minutes', minutes: 55 }], // 57 min
    [3480, { kind: 'over-hour' }], // 58 min rounds to 60: "more than an hour"
    [7200, { kind: 'over-hour' }],
  ] as const)('%i s -> %j', (s, want) => {
    expect(roundWait(s)).toEqual(want);
  });

  it('reads as an estimate in both languages', () => {
    expect(waitText(30, en)).toBe('Expected wait: less than a minute.');
    expect(waitText(60, en)).toBe('Expected wait: about 1 minute.');
    expect(waitText(240, en)).toBe('Expected wait: about 4 minutes.');
    expect(waitText(5000, en)).toBe('Expected wait: more than an hour.');
    expect(waitText(30, es)).toBe('Tiempo de espera estimado: menos de un minuto.');
    expect(waitText(60, es)).toBe('Tiempo de espera estimado: alrededor de 1 minuto.');
    expect(waitText(240, es)).toBe('Tiempo de espera estimado: unos 4 minutos.');
    expect(waitText(5000, es)).toBe('Tiempo de espera estimado: más de una hora.');
    expect(waitText(undefined, en)).toBe('');
  });

  it('puts place and wait together, and says it is checking before the first status', () => {
    const s: ContactStatus = { contact_id: 'k', state: 'queued', position: 3, wait_s: 250 };
    expect(queuedText(s, en)).toBe('You are number 3 in line. Expected wait: about 4 minutes.');
    expect(queuedText(s, es)).toBe(
      'Usted es el número 3 en la fila. Tiempo de espera estimado: unos 4 minutos.',
    );
    expect(queuedText({ contact_id: 'k', state: 'queued' }, en)).toBe('You are in line.');
    expect(queuedText(null, en)).toBe('Checking your place in line…');
  });
});

describe('topics and languages', () => {
  const topic = { label_en: 'Help finding a job', label_es: 'Ayuda para encontrar trabajo' };

  it('labels topics in the widget language, falling back to English', () => {
    expect(topicLabel(topic, 'en')).toBe('Help finding a job');
    expect(topicLabel(topic, 'es')).toBe('Ayuda para encontrar trabajo');
    expect(topicLabel({ label_en: 'Something else' }, 'es')).toBe('Something else');
    expect(topicLabel({ label_en: 'Something else', label_es: '' }, 'es')).toBe('Something else');
  });

  it('names languages in the widget language, with their own name beside', () => {
    expect(languageOptionLabel('en', 'en')).toBe('English');
    expect(languageOptionLabel('es', 'en')).toBe('Spanish (Español)');
    expect(languageOptionLabel('es', 'es')).toBe('Español');
    expect(languageOptionLabel('en', 'es')).toBe('Inglés (English)');
    expect(languageOptionLabel('ru', 'en')).toBe('Russian (Русский)');
    expect(languageOptionLabel('zz', 'en')).toBe('zz');
    expect(languageName('es', 'es')).toBe('español'); // inside a sentence
  });

  it('offers the languages of the chosen topic, in the configured order', () => {
    const all = ['en', 'es', 'ru', 'vi'];
    expect(topicLanguages({ languages: ['vi', 'en'] }, all)).toEqual(['en', 'vi']);
    expect(topicLanguages({ languages: [] }, all)).toEqual(all);
    expect(topicLanguages({ languages: ['so'] }, all)).toEqual(['so']);
  });
});

describe('opening times', () => {
  const MON_9_PACIFIC = Date.UTC(2026, 5, 1, 16, 0); // Monday 1 June 2026, 9:00 in Los Angeles

  it('are shown in the customer’s locale and time zone', () => {
    const enText = formatOpening(MON_9_PACIFIC, 'en-US', 'America/Los_Angeles');
    expect(enText).toMatch(/Monday, June 1/);
    expect(enText).toMatch(/9:00/);
    const esText = formatOpening(MON_9_PACIFIC, 'es-MX', 'America/Mexico_City');
    expect(esText).toMatch(/lunes, 1 de junio/);
    expect(esText).toMatch(/10:00/);
    expect(closedText(en, MON_9_PACIFIC, 'en-US', 'America/Los_Angeles')).toBe(
      `Closed now. Opens ${enText}.`,
    );
    expect(closedText(es, undefined, 'es')).toBe('Cerrado ahora. No hay un horario de apertura próximo.');
  });

  it('use the browser’s variant of the widget language', () => {
    expect(pickLocale('es', ['en-US', 'es-MX'])).toBe('es-MX');
    expect(pickLocale('en', ['es-MX'])).toBe('en');
    expect(pickLocale('en', ['en-GB'])).toBe('en-GB');
  });
});

describe('request errors', () => {
  const e = (code: string, extra: object = {}) => ({
    code,
    field: undefined,
    retryAfterMs: undefined,
    nextOpenMs: undefined,
    ...extra,
  });

  it('explain each refusal', () => {
    const at = Date.UTC(2026, 5, 1, 16, 0);
    expect(requestErrorText(e('QUEUE_CLOSED', { nextOpenMs: at }), en, 'en-US', 'America/Los_Angeles')).toBe(
      `This line is closed now. Opens ${formatOpening(at, 'en-US', 'America/Los_Angeles')}. You can leave a message for this team below.`,
    );
    expect(requestErrorText(e('QUEUE_CLOSED'), en, 'en')).toContain('No opening is scheduled soon.');
    expect(requestErrorText(e('NO_SERVICE', { field: 'lang' }), en, 'en')).toBe(en.noServiceLanguage);
    expect(requestErrorText(e('NO_SERVICE', { field: 'topic' }), en, 'en')).toBe(en.noServiceTopic);
    expect(requestErrorText(e('NO_SERVICE'), es, 'es')).toBe(es.noService);
    expect(requestErrorText(e('CONFLICT'), en, 'en')).toBe(
      'You already have a chat open, perhaps in another window or tab.',
    );
    expect(requestErrorText(e('RATE_LIMITED', { retryAfterMs: 1500 }), en, 'en')).toBe(
      'Too many tries. Please wait 2 seconds and try again.',
    );
    expect(requestErrorText(e('RATE_LIMITED'), es, 'es')).toBe(es.rateLimitedNoTime);
    for (const code of ['STORE_UNAVAILABLE', 'BUSY', 'TIMEOUT']) {
      expect(requestErrorText(e(code), en, 'en')).toBe('Please try again in a moment.');
      expect(requestErrorText(e(code), es, 'es')).toBe('Inténtelo de nuevo en un momento.');
    }
    expect(requestErrorText(e('BAD_FIELD'), en, 'en')).toBe(en.failed);
  });
});

describe('contact model', () => {
  const none = new Set<string>();
  const q = (extra: Partial<ContactStatus> = {}): ContactStatus => ({
    contact_id: 'k-1',
    state: 'queued',
    ...extra,
  });

  it('follows a contact from queued to assigned to ended', () => {
    let m = waitFor(initialModel(), 'k-1', 'Unemployment insurance claims');
    expect(m).toMatchObject({ phase: 'waiting', contactId: 'k-1', status: null });
    m = applyStatus(m, q({ position: 2, wait_s: 90 }), none);
    expect(m.status?.position).toBe(2);
    expect(m.queueName).toBe('Unemployment insurance claims');
    m = applyStatus(m, q({ state: 'assigned', agent_name: 'Maria Lopez' }), none);
    expect(m.status?.agent_name).toBe('Maria Lopez');
    m = applyStatus(m, q({ state: 'wrapping', message: 'The specialist ended the conversation.' }), none);
    expect(m).toMatchObject({ phase: 'ended', ended: { kind: 'agent-ended' } });
    expect(endText(m.ended!, en)).toBe('The specialist ended the conversation. Thank you for contacting us.');
    expect(isFinal(q({ state: 'wrapping' }))).toBe(true);
    // a late status of a finished contact changes nothing
    expect(applyStatus(m, q(), new Set(['k-1']))).toBe(m);
  });

  it('keeps the place when the specialist drops or the line overflows', () => {
    let m = waitFor(initialModel(), 'k-1');
    m = applyStatus(m, q({ state: 'assigned', agent_name: 'Maria Lopez' }), none);
    m = applyStatus(
      m,
      q({ reason: 'agent_unavailable', message: 'Your specialist was disconnected.' }),
      none,
    );
    expect(m).toMatchObject({ phase: 'waiting', notice: 'agent_unavailable' });
    expect(en.agentUnavailable).toBe('Your specialist was disconnected. You keep your place in line.');
    m = applyStatus(m, q({ state: 'canceled', reason: 'overflow', message: 'Moving you.' }), none);
    expect(m).toMatchObject({ phase: 'waiting', notice: 'overflow', noticeMessage: 'Moving you.' });
    expect(isFinal(q({ state: 'canceled', reason: 'overflow' }))).toBe(false);
    m = applyStatus(
      m,
      { contact_id: 'k-2', state: 'queued', position: 4, queue_name: 'General questions' },
      none,
    );
    expect(m).toMatchObject({ phase: 'waiting', contactId: 'k-2', queueName: 'General questions' });
  });

  it('tells why a contact was canceled, and that the customer left when they did', () => {
    const m = waitFor(initialModel(), 'k-1');
    const c = applyStatus(
      m,
      q({ state: 'canceled', reason: 'callback', message: 'Leave your number.' }),
      none,
    );
    expect(c).toMatchObject({
      phase: 'ended',
      ended: { kind: 'canceled', reason: 'callback' },
      endMessage: 'Leave your number.',
    });
    expect(endText(c.ended!, es)).toContain('le devolverá la llamada');
    expect(endText(c.ended!, en)).toBe(
      'Everyone is busy. Leave your number and a specialist will call you back.',
    );
    const left = applyStatus({ ...m, leaving: true }, q({ state: 'canceled', reason: 'abandoned' }), none);
    expect(endText(left.ended!, en)).toBe('You left the line.');
    const leftChat = applyStatus(
      { ...m, leaving: true },
      q({ state: 'wrapping', message: 'The specialist ended the conversation.' }),
      none,
    );
    expect(endText(leftChat.ended!, en)).toBe('You left the chat.');
    expect(leftChat.endMessage).toBe('');
  });

  it('has a text for every reason in both languages', () => {
    for (const lang of [en, es]) {
      for (const r of [
        'abandoned',
        'customer_disconnected',
        'overflow',
        'leave_message',
        'callback',
        'queue_removed',
        'agent_unavailable',
      ] as const) {
        expect(lang.reasons[r].length).toBeGreaterThan(10);
      }
    }
  });
});
