/**
 * The widget's words for the chat itself (pre-chat details, the conversation, the end, the
 * transcript and the rating), in the languages of strings.ts. Names and messages from the server
 * or the specialist are shown as they come, always as text.
 */
import type { WidgetLang } from './strings';
import type { SystemKind } from '../chat/types';

export interface ChatStrings {
  // pre-chat details
  nameLabel: string;
  nameHint: string;
  nameRequired: string;
  nameTooLong: string;
  claimLabel: string;
  claimHint: string;
  claimInvalid: string;
  claimLooksLikeSsn: string;
  deviceLegend: string;
  deviceOwn: string;
  deviceShared: string;
  deviceHint: string;

  // the conversation
  logLabel: string;
  you: string;
  specialist: string;
  messageLabel: string;
  composerHint: string;
  send: string;
  emptyMessage: string;
  messageTooLong: string;
  offlineQueued: string;
  marks: Readonly<Record<'sending' | 'sent' | 'delivered' | 'read' | 'failed', string>>;
  sendFailed: (code: string) => string;
  retry: string;
  remove: string;
  typing: (name: string) => string;
  newTab: string;
  system: (kind: SystemKind, name: string) => string;

  // inactivity
  inactiveTitle: string;
  inactiveText: string;
  stay: string;
  staying: string;
  stayed: string;
  stayFailed: string;

  // ending
  endChat: string;
  endChatConfirm: string;
  endYes: string;
  endNo: string;

  // after the end
  nextSteps: string;
  saveTranscript: string;
  print: string;
  sharedDeviceHint: string;
  transcriptSaved: (file: string) => string;
  transcriptTitle: string;
  transcriptTopic: (topic: string) => string;
  transcriptName: (name: string) => string;
  transcriptClaim: (ref: string) => string;
  transcriptSpecialist: (name: string) => string;
  transcriptMade: (when: string) => string;
  transcriptFooter: string;
  notSentNote: string;
  rateLegend: string;
  rateLabels: readonly [string, string, string, string, string];
  rateComment: string;
  rateCommentHint: string;
  rateSubmit: string;
  rateSending: string;
  rateChoose: string;
  rateCommentTooLong: string;
  rateThanks: string;
  rateFailed: string;
  rateNotPossible: string;

  // the host page's title while the page is in the background
  titleNewMessage: string;
  titleStillThere: string;
}

export const CHAT_STRINGS: Readonly<Record<WidgetLang, ChatStrings>> = {
  en: {
    nameLabel: 'How should we address you?',
    nameHint: 'Your first name, or the name you prefer. Required.',
    nameRequired: 'Tell us how we should address you.',
    nameTooLong: 'Please use a shorter name (at most 80 characters).',
    claimLabel: 'Claim or case number (optional)',
    claimHint:
      'Never enter your Social Security number. A claim or case number helps the specialist find your information faster.',
    claimInvalid: 'A claim or case number has only letters, numbers and . _ : - (at most 32 characters).',
    claimLooksLikeSsn:
      'This looks like a Social Security number. Please remove it: never enter your Social Security number here.',
    deviceLegend: 'Is this your own computer?',
    deviceOwn: 'Yes, it is my own computer or phone',
    deviceShared: 'No, it is shared or public (for example at a library or a WorkSource center)',
    deviceHint:
      'On your own device, your chat continues if you close this tab and come back soon. On a shared or public computer, nothing is kept after you close this tab.',

    logLabel: 'Conversation',
    you: 'You',
    specialist: 'Specialist',
    messageLabel: 'Your message',
    composerHint:
      'Press Enter to send and Shift+Enter for a new line. Never type your full Social Security number.',
    send: 'Send',
    emptyMessage: 'Write a message first.',
    messageTooLong: 'This message is too long. Please shorten it or send it in two parts.',
    offlineQueued: 'You are not connected right now. Your messages will be sent when the chat reconnects.',
    marks: { sending: 'Sending…', sent: 'Sent', delivered: 'Delivered', read: 'Read', failed: 'Not sent' },
    sendFailed: (code) =>
      code === 'NOT_FOUND' || code === 'CONFLICT' || code === 'FORBIDDEN'
        ? 'The chat has ended, so this message was not sent.'
        : code === 'BAD_FIELD'
          ? 'This message could not be sent. Please shorten it or change it.'
          : 'This message could not be sent.',
    retry: 'Try again',
    remove: 'Remove',
    typing: (name) => `${name} is typing…`,
    newTab: 'opens in a new tab',
    system: (kind, name) => {
      switch (kind) {
        case 'joined':
          return `${name} joined the chat.`;
        case 'left':
          return `${name} left the chat.`;
        case 'transferred':
          return 'You are being transferred to another specialist who can help. You keep your place.';
        case 'verified':
          return 'Your identity was verified.';
        case 'ended':
          return 'The chat ended.';
        case 'requeued':
          return 'You are back in line for the next specialist. You keep your place.';
        case 'customer_disconnected':
          return 'You were disconnected.';
        case 'inactive_warning':
          return 'Are you still there? This chat will close soon if we do not hear from you.';
        case 'inactive_ended':
          return 'The chat closed because we did not hear from you for a while.';
        case 'blocked':
          return 'The chat was ended by the agency.';
        case 'rated':
          return 'Thank you for rating this chat.';
      }
    },

    inactiveTitle: 'Are you still there?',
    inactiveText:
      'We have not heard from you for a while. To keep this chat open, select “I’m still here” or send a message. Otherwise it will close soon; you can always start a new chat.',
    stay: 'I’m still here',
    staying: 'One moment…',
    stayed: 'Thank you. Your chat stays open.',
    stayFailed: 'We could not reach the chat service. Please try again, or send a message.',

    endChat: 'End chat',
    endChatConfirm: 'End this chat? You can save or print the conversation afterwards.',
    endYes: 'Yes, end the chat',
    endNo: 'No, keep chatting',

    nextSteps: 'Save or print this conversation to keep the next steps your specialist gave you.',
    saveTranscript: 'Save transcript',
    print: 'Print',
    sharedDeviceHint:
      'On a shared or public computer, a file you save may stay on the computer after you leave. Printing may be safer.',
    transcriptSaved: (file) => `Your transcript was saved as ${file} in your downloads.`,
    transcriptTitle: 'Chat transcript',
    transcriptTopic: (topic) => `Topic: ${topic}`,
    transcriptName: (name) => `Your name: ${name}`,
    transcriptClaim: (ref) => `Claim or case number: ${ref}`,
    transcriptSpecialist: (name) => `Specialist: ${name}`,
    transcriptMade: (when) => `Transcript made: ${when}`,
    transcriptFooter:
      'Keep this transcript for your records. We never ask for your full Social Security number in a chat.',
    notSentNote: 'not sent',
    rateLegend: 'How was your chat?',
    rateLabels: ['1 — Very poor', '2 — Poor', '3 — Okay', '4 — Good', '5 — Excellent'],
    rateComment: 'Anything you want to tell us? (optional)',
    rateCommentHint: 'Please do not include personal information such as your Social Security number.',
    rateSubmit: 'Send rating',
    rateSending: 'Sending…',
    rateChoose: 'Choose a rating from 1 to 5.',
    rateCommentTooLong: 'Your comment is too long. Please shorten it.',
    rateThanks: 'Thank you for your feedback.',
    rateFailed: 'Your rating could not be sent. Please try again.',
    rateNotPossible: 'This chat can no longer be rated.',

    titleNewMessage: 'New chat message',
    titleStillThere: 'Are you still there?',
  },
  es: {
    nameLabel: '¿Cómo quiere que le llamemos?',
    nameHint: 'Su nombre, o el nombre que prefiera. Obligatorio.',
    nameRequired: 'Díganos cómo quiere que le llamemos.',
    nameTooLong: 'Use un nombre más corto (80 caracteres como máximo).',
    claimLabel: 'Número de reclamo o de caso (opcional)',
    claimHint:
      'Nunca escriba su número de Seguro Social. Un número de reclamo o de caso ayuda al especialista a encontrar su información más rápido.',
    claimInvalid:
      'Un número de reclamo o de caso solo tiene letras, números y . _ : - (32 caracteres como máximo).',
    claimLooksLikeSsn:
      'Esto parece un número de Seguro Social. Bórrelo: nunca escriba su número de Seguro Social aquí.',
    deviceLegend: '¿Es esta su propia computadora?',
    deviceOwn: 'Sí, es mi propia computadora o teléfono',
    deviceShared: 'No, es compartida o pública (por ejemplo, en una biblioteca o un centro WorkSource)',
    deviceHint:
      'En su propio dispositivo, el chat continúa si cierra esta pestaña y vuelve pronto. En una computadora compartida o pública, no se guarda nada al cerrar esta pestaña.',

    logLabel: 'Conversación',
    you: 'Usted',
    specialist: 'Especialista',
    messageLabel: 'Su mensaje',
    composerHint:
      'Pulse Intro para enviar y Mayús+Intro para una línea nueva. Nunca escriba su número de Seguro Social completo.',
    send: 'Enviar',
    emptyMessage: 'Escriba un mensaje primero.',
    messageTooLong: 'Este mensaje es demasiado largo. Acórtelo o envíelo en dos partes.',
    offlineQueued: 'No está conectado en este momento. Sus mensajes se enviarán cuando el chat se reconecte.',
    marks: {
      sending: 'Enviando…',
      sent: 'Enviado',
      delivered: 'Entregado',
      read: 'Leído',
      failed: 'No enviado',
    },
    sendFailed: (code) =>
      code === 'NOT_FOUND' || code === 'CONFLICT' || code === 'FORBIDDEN'
        ? 'El chat terminó, así que este mensaje no se envió.'
        : code === 'BAD_FIELD'
          ? 'No se pudo enviar este mensaje. Acórtelo o cámbielo.'
          : 'No se pudo enviar este mensaje.',
    retry: 'Intentar de nuevo',
    remove: 'Quitar',
    typing: (name) => `${name} está escribiendo…`,
    newTab: 'se abre en una pestaña nueva',
    system: (kind, name) => {
      switch (kind) {
        case 'joined':
          return `${name} se unió al chat.`;
        case 'left':
          return `${name} salió del chat.`;
        case 'transferred':
          return 'Le estamos transfiriendo a otro especialista que puede ayudarle. Usted conserva su lugar.';
        case 'verified':
          return 'Se verificó su identidad.';
        case 'ended':
          return 'El chat terminó.';
        case 'requeued':
          return 'Está de nuevo en la fila para el siguiente especialista. Usted conserva su lugar.';
        case 'customer_disconnected':
          return 'Usted se desconectó.';
        case 'inactive_warning':
          return '¿Sigue ahí? Este chat se cerrará pronto si no sabemos de usted.';
        case 'inactive_ended':
          return 'El chat se cerró porque no supimos de usted durante un tiempo.';
        case 'blocked':
          return 'La agencia terminó el chat.';
        case 'rated':
          return 'Gracias por calificar este chat.';
      }
    },

    inactiveTitle: '¿Sigue ahí?',
    inactiveText:
      'No hemos sabido de usted desde hace un rato. Para mantener abierto este chat, seleccione «Sigo aquí» o envíe un mensaje. Si no, se cerrará pronto; siempre puede iniciar un chat nuevo.',
    stay: 'Sigo aquí',
    staying: 'Un momento…',
    stayed: 'Gracias. Su chat sigue abierto.',
    stayFailed: 'No pudimos comunicarnos con el servicio de chat. Inténtelo de nuevo o envíe un mensaje.',

    endChat: 'Terminar el chat',
    endChatConfirm: '¿Terminar este chat? Después podrá guardar o imprimir la conversación.',
    endYes: 'Sí, terminar el chat',
    endNo: 'No, seguir chateando',

    nextSteps:
      'Guarde o imprima esta conversación para conservar los próximos pasos que le dio su especialista.',
    saveTranscript: 'Guardar la conversación',
    print: 'Imprimir',
    sharedDeviceHint:
      'En una computadora compartida o pública, un archivo que guarde puede quedar en la computadora cuando usted se vaya. Imprimir puede ser más seguro.',
    transcriptSaved: (file) => `Su conversación se guardó como ${file} en sus descargas.`,
    transcriptTitle: 'Transcripción del chat',
    transcriptTopic: (topic) => `Tema: ${topic}`,
    transcriptName: (name) => `Su nombre: ${name}`,
    transcriptClaim: (ref) => `Número de reclamo o de caso: ${ref}`,
    transcriptSpecialist: (name) => `Especialista: ${name}`,
    transcriptMade: (when) => `Transcripción hecha: ${when}`,
    transcriptFooter:
      'Guarde esta transcripción para sus registros. Nunca le pedimos su número de Seguro Social completo en un chat.',
    notSentNote: 'no enviado',
    rateLegend: '¿Cómo fue su chat?',
    rateLabels: ['1 — Muy malo', '2 — Malo', '3 — Regular', '4 — Bueno', '5 — Excelente'],
    rateComment: '¿Algo que quiera decirnos? (opcional)',
    rateCommentHint: 'No incluya información personal, como su número de Seguro Social.',
    rateSubmit: 'Enviar la calificación',
    rateSending: 'Enviando…',
    rateChoose: 'Elija una calificación del 1 al 5.',
    rateCommentTooLong: 'Su comentario es demasiado largo. Acórtelo, por favor.',
    rateThanks: 'Gracias por su opinión.',
    rateFailed: 'No se pudo enviar su calificación. Inténtelo de nuevo.',
    rateNotPossible: 'Este chat ya no se puede calificar.',

    titleNewMessage: 'Nuevo mensaje del chat',
    titleStillThere: '¿Sigue ahí?',
  },
};

/** Looks like a US Social Security number (9 digits, with or without - or spaces). */
export function looksLikeSsn(s: string): boolean {
  return /(^|\D)\d{3}[-\s]?\d{2}[-\s]?\d{4}(\D|$)/.test(s);
}

export type ClaimCheck = { ok: true; value: string | undefined } | { ok: false; why: 'ssn' | 'invalid' };

/** The optional claim or case reference: trimmed, [A-Za-z0-9_.:-]{1,32}, never an SSN. */
export function checkClaimRef(raw: string): ClaimCheck {
  const v = raw.trim();
  if (v === '') return { ok: true, value: undefined };
  if (looksLikeSsn(v)) return { ok: false, why: 'ssn' };
  if (!/^[A-Za-z0-9_.:-]{1,32}$/.test(v)) return { ok: false, why: 'invalid' };
  return { ok: true, value: v };
}

export type NameCheck = { ok: true; value: string } | { ok: false; why: 'required' | 'too-long' };

/** The name to address the customer by: trimmed, 1..80 bytes of UTF-8. */
export function checkName(raw: string): NameCheck {
  const v = raw.trim().replace(/\s+/g, ' ');
  if (v === '') return { ok: false, why: 'required' };
  if (new TextEncoder().encode(v).length > 80) return { ok: false, why: 'too-long' };
  return { ok: true, value: v };
}
