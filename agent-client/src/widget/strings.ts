/**
 * The widget's interface text, in the languages the `lang` attribute may pick, and the small
 * functions that turn server data (topics, languages, place in line, expected wait, why a chat
 * ended) into that text. Texts from the server itself (queue and agent names, messages) are shown
 * as they come, always with textContent.
 */
import type { ContactStatus, Topic } from '../proto/schema.gen';

export type WidgetLang = 'en' | 'es';

export type EndReason = NonNullable<ContactStatus['reason']>;

export interface WidgetStrings {
  launcher: string;
  title: string;
  close: string;
  intro: string;
  connecting: string;
  connected: string;
  reconnecting: string;
  ended: string;
  startNew: string;
  replaced: string;
  continueHere: string;
  unavailable: string;
  tryAgain: string;
  noticeLabel: string;

  // pre-chat form
  prechatHeading: string;
  loadingTopics: string;
  noTopics: string;
  topicLegend: string;
  languageLabel: string;
  /** The topic is not offered in the widget's language: where that language is offered. */
  languageNotOffered: (language: string, topics: string) => string;
  languageNotOfferedAnywhere: (language: string) => string;
  start: string;
  starting: string;
  chooseTopic: string;
  chooseLanguage: string;
  closedNow: string;
  opensAt: (when: string) => string;
  noOpeningSoon: string;
  leaveMessageLater: string;

  // leaving a message (leave-message.ts)
  lmIntro: string;
  lmTextLabel: string;
  lmTextHint: string;
  lmReplyLabel: string;
  lmReplyHint: string;
  lmSend: string;
  lmSending: string;
  lmTextRequired: string;
  lmTextTooLong: string;
  lmReplyTooLong: string;
  lmSent: (reference: string) => string;
  lmAnother: string;
  lmLeaveButton: string;

  // asking for a call back (the same form, in callback mode)
  cbLeaveButton: string;
  cbLater: string;
  cbIntro: string;
  cbPhoneLabel: string;
  cbPhoneHint: string;
  cbPhoneRequired: string;
  cbPhoneInvalid: string;
  cbTextLabel: string;
  cbTextHint: string;
  cbTextRequired: string;
  cbSend: string;
  cbSent: (reference: string, phone: string) => string;

  // errors of contact.request and contact.cancel
  queueClosed: string;
  noServiceTopic: string;
  noServiceLanguage: string;
  noService: string;
  conflict: string;
  rateLimited: (seconds: number) => string;
  rateLimitedNoTime: string;
  retryLater: string;
  failed: string;
  notConnected: string;

  // waiting
  waitingHeading: string;
  assignedHeading: string;
  checkingPlace: string;
  positionNext: string;
  position: (n: number) => string;
  positionMoreThan: (n: number) => string;
  inLine: string;
  waitLessThanMinute: string;
  waitMinutes: (n: number) => string;
  waitMoreThanHour: string;
  queueLine: (name: string) => string;
  keepOpen: string;
  connectedWith: (name: string) => string;
  connectedNoName: string;
  agentUnavailable: string;
  overflowMoving: string;
  leaveLine: string;
  leaveChat: string;
  leaveLineConfirm: string;
  leaveChatConfirm: string;
  leaveYes: string;
  leaveNo: string;
  leaving: string;

  // ended
  endedHeading: string;
  completed: string;
  agentEnded: string;
  youLeftLine: string;
  youLeftChat: string;
  lostWhileAway: string;
  reasons: Readonly<Record<EndReason, string>>;
}

export const STRINGS: Readonly<Record<WidgetLang, WidgetStrings>> = {
  en: {
    launcher: 'Chat with us',
    title: 'Chat with us',
    close: 'Close chat',
    intro: 'Chat with a Virtual Employment Specialist about unemployment insurance, finding work or hiring.',
    connecting: 'Connecting…',
    connected: 'Connected',
    reconnecting: 'Reconnecting…',
    ended: 'This chat has ended.',
    startNew: 'Start a new chat',
    replaced: 'This chat is open in another window or tab.',
    continueHere: 'Continue here',
    unavailable: 'Chat is not available right now. Please try again later.',
    tryAgain: 'Try again',
    noticeLabel: 'Notice',

    prechatHeading: 'Start a chat',
    loadingTopics: 'Loading topics…',
    noTopics: 'Chat is not available right now. Please try again later.',
    topicLegend: 'What do you need help with?',
    languageLabel: 'Language for this chat',
    languageNotOffered: (language, topics) =>
      `This topic is not offered in ${language}. Topics offered in ${language}: ${topics}.`,
    languageNotOfferedAnywhere: (language) => `Chat is not offered in ${language} at the moment.`,
    start: 'Start chat',
    starting: 'Starting…',
    chooseTopic: 'Choose what you need help with.',
    chooseLanguage: 'Choose a language.',
    closedNow: 'Closed now.',
    opensAt: (when) => `Opens ${when}.`,
    noOpeningSoon: 'No opening is scheduled soon.',
    leaveMessageLater: 'You can leave a message for this team below.',

    lmIntro:
      'Leave a message and the team will answer it when it opens. Never write your full Social Security number.',
    lmTextLabel: 'Your message',
    lmTextHint: 'What do you need help with? At most 4000 characters.',
    lmReplyLabel: 'How can we reach you? (optional)',
    lmReplyHint: 'An email address or a phone number.',
    lmSend: 'Send message',
    lmSending: 'Sending…',
    lmTextRequired: 'Write your message.',
    lmTextTooLong: 'Your message is too long. Please shorten it.',
    lmReplyTooLong: 'This is too long for an email address or a phone number.',
    lmSent: (reference) =>
      `Your message was sent. Your reference is ${reference}. Keep it if you contact us again.`,
    lmAnother: 'Back to the form',
    lmLeaveButton: 'Leave a message',

    cbLeaveButton: 'Ask for a call back',
    cbLater: 'Leave your number below and a specialist will call you back.',
    cbIntro:
      'Leave your phone number and a specialist will call you back. Never write your full Social Security number.',
    cbPhoneLabel: 'Phone number to call you back',
    cbPhoneHint: 'With the area code, for example (360) 555-0100.',
    cbPhoneRequired: 'Enter the phone number we should call.',
    cbPhoneInvalid:
      'Enter a phone number of 7 to 15 digits, with the area code. Spaces, dashes, dots, brackets and + are fine.',
    cbTextLabel: 'What is the call about?',
    cbTextHint: 'A few words are enough. At most 4000 characters.',
    cbTextRequired: 'Tell us in a few words what the call is about.',
    cbSend: 'Ask for a call back',
    cbSent: (reference, phone) =>
      `Your request was sent. A specialist will call you at ${phone}. Your reference is ${reference}. Keep it if you contact us again.`,

    queueClosed: 'This line is closed now.',
    noServiceTopic: 'We cannot take chats on this topic right now. Please choose another topic.',
    noServiceLanguage:
      'This topic is not offered in the language you chose. Please choose another language or topic.',
    noService:
      'We cannot take a chat on this topic in this language. Please choose another topic or language.',
    conflict: 'You already have a chat open, perhaps in another window or tab.',
    rateLimited: (s) => `Too many tries. Please wait ${s} ${s === 1 ? 'second' : 'seconds'} and try again.`,
    rateLimitedNoTime: 'Too many tries. Please wait a moment and try again.',
    retryLater: 'Please try again in a moment.',
    failed: 'Something went wrong. Please try again.',
    notConnected: 'You are not connected right now. Please try again when the chat has reconnected.',

    waitingHeading: 'You are in line',
    assignedHeading: 'Your chat',
    checkingPlace: 'Checking your place in line…',
    positionNext: 'You are next in line.',
    position: (n) => `You are number ${n} in line.`,
    positionMoreThan: (n) => `More than ${n} people are ahead of you.`,
    inLine: 'You are in line.',
    waitLessThanMinute: 'Expected wait: less than a minute.',
    waitMinutes: (n) => `Expected wait: about ${n} ${n === 1 ? 'minute' : 'minutes'}.`,
    waitMoreThanHour: 'Expected wait: more than an hour.',
    queueLine: (name) => `Line: ${name}`,
    keepOpen:
      'Please keep this page open. If you reload it or lose your connection for a short time, you keep your place.',
    connectedWith: (name) => `Connected with ${name}`,
    connectedNoName: 'Connected with a specialist',
    agentUnavailable: 'Your specialist was disconnected. You keep your place in line.',
    overflowMoving: 'We are moving you to another line that can help sooner. You keep your place.',
    leaveLine: 'Leave the line',
    leaveChat: 'Leave the chat',
    leaveLineConfirm: 'Leave the line? You will lose your place.',
    leaveChatConfirm: 'Leave the chat? The conversation will end.',
    leaveYes: 'Yes, leave',
    leaveNo: 'No, stay',
    leaving: 'Leaving…',

    endedHeading: 'Chat ended',
    completed: 'Your chat has ended. Thank you for contacting us.',
    agentEnded: 'The specialist ended the conversation. Thank you for contacting us.',
    youLeftLine: 'You left the line.',
    youLeftChat: 'You left the chat.',
    lostWhileAway: 'Your chat ended while you were disconnected.',
    reasons: {
      abandoned: 'You left the line.',
      customer_disconnected: 'The chat ended because we lost the connection to you for too long.',
      overflow: 'We are moving you to another line that can help sooner. You keep your place.',
      // the server's own words (contact.status message), so the ended view says them once
      leave_message: 'Everyone is busy. Please leave a message and we will answer it.',
      callback: 'Everyone is busy. Leave your number and a specialist will call you back.',
      queue_removed: 'This line is no longer available. Please choose a topic again.',
      agent_unavailable: 'Your specialist was disconnected.',
      customer_ended: 'You left the chat.',
      agent_ended: 'The specialist ended the conversation. Thank you for contacting us.',
    },
  },
  es: {
    launcher: 'Chatear con nosotros',
    title: 'Chatear con nosotros',
    close: 'Cerrar el chat',
    intro:
      'Chatee con un especialista virtual de empleo sobre el seguro de desempleo, la búsqueda de trabajo o la contratación.',
    connecting: 'Conectando…',
    connected: 'Conectado',
    reconnecting: 'Reconectando…',
    ended: 'Este chat ha terminado.',
    startNew: 'Iniciar un chat nuevo',
    replaced: 'Este chat está abierto en otra ventana o pestaña.',
    continueHere: 'Continuar aquí',
    unavailable: 'El chat no está disponible en este momento. Inténtelo de nuevo más tarde.',
    tryAgain: 'Intentar de nuevo',
    noticeLabel: 'Aviso',

    prechatHeading: 'Iniciar un chat',
    loadingTopics: 'Cargando los temas…',
    noTopics: 'El chat no está disponible en este momento. Inténtelo de nuevo más tarde.',
    topicLegend: '¿Con qué necesita ayuda?',
    languageLabel: 'Idioma de este chat',
    languageNotOffered: (language, topics) =>
      `Este tema no se atiende en ${language}. Temas que se atienden en ${language}: ${topics}.`,
    languageNotOfferedAnywhere: (language) => `En este momento el chat no se ofrece en ${language}.`,
    start: 'Iniciar el chat',
    starting: 'Iniciando…',
    chooseTopic: 'Elija con qué necesita ayuda.',
    chooseLanguage: 'Elija un idioma.',
    closedNow: 'Cerrado ahora.',
    opensAt: (when) => `Abre el ${when}.`,
    noOpeningSoon: 'No hay un horario de apertura próximo.',
    leaveMessageLater: 'Puede dejar un mensaje para este equipo a continuación.',

    lmIntro:
      'Deje un mensaje y el equipo lo responderá cuando abra. Nunca escriba su número de Seguro Social completo.',
    lmTextLabel: 'Su mensaje',
    lmTextHint: '¿Con qué necesita ayuda? Como máximo 4000 caracteres.',
    lmReplyLabel: '¿Cómo podemos comunicarnos con usted? (opcional)',
    lmReplyHint: 'Un correo electrónico o un número de teléfono.',
    lmSend: 'Enviar mensaje',
    lmSending: 'Enviando…',
    lmTextRequired: 'Escriba su mensaje.',
    lmTextTooLong: 'Su mensaje es demasiado largo. Acórtelo, por favor.',
    lmReplyTooLong: 'Es demasiado largo para un correo electrónico o un número de teléfono.',
    lmSent: (reference) =>
      `Su mensaje fue enviado. Su número de referencia es ${reference}. Guárdelo por si nos contacta de nuevo.`,
    lmAnother: 'Volver al formulario',
    lmLeaveButton: 'Dejar un mensaje',

    cbLeaveButton: 'Pedir que me llamen',
    cbLater: 'Deje su número a continuación y un especialista le devolverá la llamada.',
    cbIntro:
      'Deje su número de teléfono y un especialista le devolverá la llamada. Nunca escriba su número de Seguro Social completo.',
    cbPhoneLabel: 'Número de teléfono para devolverle la llamada',
    cbPhoneHint: 'Con el código de área, por ejemplo (360) 555-0100.',
    cbPhoneRequired: 'Escriba el número de teléfono al que debemos llamarle.',
    cbPhoneInvalid:
      'Escriba un número de teléfono de 7 a 15 dígitos, con el código de área. Puede usar espacios, guiones, puntos, paréntesis y +.',
    cbTextLabel: '¿Sobre qué es la llamada?',
    cbTextHint: 'Bastan unas palabras. Como máximo 4000 caracteres.',
    cbTextRequired: 'Díganos en pocas palabras sobre qué es la llamada.',
    cbSend: 'Pedir la llamada',
    cbSent: (reference, phone) =>
      `Su solicitud fue enviada. Un especialista le llamará al ${phone}. Su número de referencia es ${reference}. Guárdelo por si nos contacta de nuevo.`,

    queueClosed: 'Esta línea está cerrada ahora.',
    noServiceTopic: 'No podemos atender chats sobre este tema en este momento. Elija otro tema.',
    noServiceLanguage: 'Este tema no se atiende en el idioma que eligió. Elija otro idioma u otro tema.',
    noService: 'No podemos atender un chat sobre este tema en este idioma. Elija otro tema u otro idioma.',
    conflict: 'Ya tiene un chat abierto, quizá en otra ventana o pestaña.',
    rateLimited: (s) =>
      `Demasiados intentos. Espere ${s} ${s === 1 ? 'segundo' : 'segundos'} e inténtelo de nuevo.`,
    rateLimitedNoTime: 'Demasiados intentos. Espere un momento e inténtelo de nuevo.',
    retryLater: 'Inténtelo de nuevo en un momento.',
    failed: 'Algo salió mal. Inténtelo de nuevo.',
    notConnected: 'No está conectado en este momento. Inténtelo de nuevo cuando el chat se haya reconectado.',

    waitingHeading: 'Está en la fila',
    assignedHeading: 'Su chat',
    checkingPlace: 'Consultando su lugar en la fila…',
    positionNext: 'Usted es el siguiente en la fila.',
    position: (n) => `Usted es el número ${n} en la fila.`,
    positionMoreThan: (n) => `Hay más de ${n} personas antes que usted.`,
    inLine: 'Está en la fila.',
    waitLessThanMinute: 'Tiempo de espera estimado: menos de un minuto.',
    waitMinutes: (n) =>
      n === 1
        ? 'Tiempo de espera estimado: alrededor de 1 minuto.'
        : `Tiempo de espera estimado: unos ${n} minutos.`,
    waitMoreThanHour: 'Tiempo de espera estimado: más de una hora.',
    queueLine: (name) => `Línea: ${name}`,
    keepOpen:
      'Mantenga esta página abierta. Si la vuelve a cargar o pierde la conexión por poco tiempo, conserva su lugar.',
    connectedWith: (name) => `Conectado con ${name}`,
    connectedNoName: 'Conectado con un especialista',
    agentUnavailable: 'Su especialista se desconectó. Usted conserva su lugar en la fila.',
    overflowMoving: 'Lo estamos pasando a otra línea que puede atenderle antes. Usted conserva su lugar.',
    leaveLine: 'Salir de la fila',
    leaveChat: 'Salir del chat',
    leaveLineConfirm: '¿Salir de la fila? Perderá su lugar.',
    leaveChatConfirm: '¿Salir del chat? La conversación terminará.',
    leaveYes: 'Sí, salir',
    leaveNo: 'No, quedarme',
    leaving: 'Saliendo…',

    endedHeading: 'Chat terminado',
    completed: 'Su chat ha terminado. Gracias por comunicarse con nosotros.',
    agentEnded: 'El especialista terminó la conversación. Gracias por comunicarse con nosotros.',
    youLeftLine: 'Usted salió de la fila.',
    youLeftChat: 'Usted salió del chat.',
    lostWhileAway: 'Su chat terminó mientras estaba desconectado.',
    reasons: {
      abandoned: 'Usted salió de la fila.',
      customer_disconnected:
        'El chat terminó porque perdimos la conexión con usted durante demasiado tiempo.',
      overflow: 'Lo estamos pasando a otra línea que puede atenderle antes. Usted conserva su lugar.',
      leave_message: 'Todos los especialistas están ocupados. Deje un mensaje y se lo responderemos.',
      callback:
        'Todos los especialistas están ocupados. Deje su número y un especialista le devolverá la llamada.',
      queue_removed: 'Esta línea ya no está disponible. Elija un tema de nuevo.',
      agent_unavailable: 'Su especialista se desconectó.',
      customer_ended: 'Usted salió del chat.',
      agent_ended: 'El especialista terminó la conversación. Gracias por comunicarse con nosotros.',
    },
  },
};

/** `lang` attribute (or the page's language) to a supported language; English otherwise. */
export function pickLang(attr: string | null, pageLang = ''): WidgetLang {
  const l = (attr ?? pageLang).trim().toLowerCase();
  return l === 'es' || l.startsWith('es-') ? 'es' : 'en';
}

/**
 * The locale for dates and times: the browser's own preference when it is a variant of the
 * widget's language ("es-MX" for Spanish), else the widget's language.
 */
export function pickLocale(lang: WidgetLang, preferred: readonly string[] = []): string {
  for (const p of preferred) {
    if (p.toLowerCase() === lang || p.toLowerCase().startsWith(`${lang}-`)) {
      try {
        return Intl.getCanonicalLocales(p)[0] ?? lang;
      } catch {
        // not a valid tag: try the next
      }
    }
  }
  return lang;
}

/** A topic's label in the widget language: label_es in Spanish when present, else label_en. */
export function topicLabel(topic: Pick<Topic, 'label_en' | 'label_es'>, lang: WidgetLang): string {
  return lang === 'es' && topic.label_es ? topic.label_es : topic.label_en;
}

function capitalise(s: string, locale: string): string {
  return s.charAt(0).toLocaleUpperCase(locale) + s.slice(1);
}

function displayName(code: string, inLocale: string): string | null {
  try {
    const n = new Intl.DisplayNames([inLocale], { type: 'language', fallback: 'none' }).of(code);
    return n && n !== code ? n : null;
  } catch {
    return null;
  }
}

/**
 * A language's name in the widget language, as used inside a sentence ("Spanish", "español");
 * the code when it has no name.
 */
export function languageName(code: string, lang: WidgetLang): string {
  return displayName(code, lang) ?? code;
}

/**
 * The name of a language for the language picker: in the widget language, followed by its own
 * name when that differs, so people find their language in a list they cannot read:
 * "Russian (Русский)", "Español" (in Spanish), "Spanish (Español)" (in English).
 */
export function languageOptionLabel(code: string, lang: WidgetLang): string {
  const here = displayName(code, lang);
  const own = displayName(code, code);
  if (here === null) return own !== null ? capitalise(own, code) : code;
  const a = capitalise(here, lang);
  const b = own !== null ? capitalise(own, code) : null;
  return b !== null && b !== a ? `${a} (${b})` : a;
}

/** Languages the topic is offered in, in the order of customer.setup's list. */
export function topicLanguages(topic: Pick<Topic, 'languages'>, all: readonly string[]): string[] {
  if (topic.languages.length === 0) return [...all];
  const inAll = all.filter((l) => topic.languages.includes(l));
  return inAll.length > 0 ? inAll : [...topic.languages];
}

/** "Monday, June 1 at 9:00 AM PDT" in the customer's locale and time zone. */
export function formatOpening(ms: number, locale: string, timeZone?: string): string {
  const opts: Intl.DateTimeFormatOptions = {
    weekday: 'long',
    month: 'long',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
    timeZoneName: 'short',
  };
  if (timeZone !== undefined) opts.timeZone = timeZone;
  try {
    return new Intl.DateTimeFormat(locale, opts).format(new Date(ms));
  } catch {
    return new Date(ms).toLocaleString();
  }
}

/** "Opens Monday, June 1 at 9:00 AM PDT." (or that no opening is scheduled soon). */
export function openingText(
  t: WidgetStrings,
  nextOpenMs: number | undefined,
  locale: string,
  timeZone?: string,
): string {
  return nextOpenMs !== undefined ? t.opensAt(formatOpening(nextOpenMs, locale, timeZone)) : t.noOpeningSoon;
}

/** "Closed now. Opens Monday, June 1 at 9:00 AM PDT." */
export function closedText(
  t: WidgetStrings,
  nextOpenMs: number | undefined,
  locale: string,
  timeZone?: string,
): string {
  return `${t.closedNow} ${openingText(t, nextOpenMs, locale, timeZone)}`;
}

/** The expected wait, rounded so that it never reads as a promise. */
export type WaitEstimate =
  { kind: 'under-minute' } | { kind: 'minutes'; minutes: number } | { kind: 'over-hour' };

/**
 * Under a minute: "less than a minute"; up to 10 minutes: whole minutes; up to an hour: steps of
 * 5 minutes; beyond: "more than an hour".
 */
export function roundWait(waitS: number): WaitEstimate {
  if (waitS < 60) return { kind: 'under-minute' };
  const m = waitS / 60;
  if (m < 10) return { kind: 'minutes', minutes: Math.max(1, Math.round(m)) };
  const five = Math.round(m / 5) * 5;
  if (five >= 60) return { kind: 'over-hour' };
  return { kind: 'minutes', minutes: five };
}

export function waitText(waitS: number | undefined, t: WidgetStrings): string {
  if (waitS === undefined) return '';
  const w = roundWait(waitS);
  switch (w.kind) {
    case 'under-minute':
      return t.waitLessThanMinute;
    case 'minutes':
      return t.waitMinutes(w.minutes);
    case 'over-hour':
      return t.waitMoreThanHour;
  }
}

/** "You are number 3 in line." / "More than 20 people are ahead of you." */
export function positionText(
  s: Pick<ContactStatus, 'position' | 'position_more_than'>,
  t: WidgetStrings,
): string {
  if (s.position !== undefined && s.position > 0)
    return s.position === 1 ? t.positionNext : t.position(s.position);
  if (s.position_more_than !== undefined) return t.positionMoreThan(s.position_more_than);
  return t.inLine;
}

/** The waiting line: place in line and expected wait, one sentence each. */
export function queuedText(s: ContactStatus | null, t: WidgetStrings): string {
  if (!s) return t.checkingPlace;
  const wait = waitText(s.wait_s, t);
  return wait ? `${positionText(s, t)} ${wait}` : positionText(s, t);
}

/** How a chat ended, for the ended view (the server's own message is shown beside it). */
export type EndKind =
  | { kind: 'completed' }
  | { kind: 'agent-ended' }
  | { kind: 'left'; answered: boolean }
  | { kind: 'lost' }
  | { kind: 'canceled'; reason: EndReason | undefined };

export function endText(k: EndKind, t: WidgetStrings): string {
  switch (k.kind) {
    case 'completed':
      return t.completed;
    case 'agent-ended':
      return t.agentEnded;
    case 'left':
      return k.answered ? t.youLeftChat : t.youLeftLine;
    case 'lost':
      return t.lostWhileAway;
    case 'canceled':
      return k.reason ? t.reasons[k.reason] : t.ended;
  }
}
