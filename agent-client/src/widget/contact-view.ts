/**
 * What the widget shows for the customer's contact, as plain data (no DOM): which view (pre-chat
 * form, waiting, ended), and the words for errors. The element renders it.
 */
import { openingText, type EndKind, type WidgetStrings } from './strings';
import type { RequestError } from '../net/connection';
import type { ContactStatus } from '../proto/schema.gen';

export type Phase = 'prechat' | 'waiting' | 'ended';

export interface ContactModel {
  phase: Phase;
  contactId: string | null;
  /** The last contact.status of the open contact (null until one arrived). */
  status: ContactStatus | null;
  queueName: string;
  /** A notice while waiting: the specialist dropped, or the contact moves to another line. */
  notice: 'agent_unavailable' | 'overflow' | null;
  /** The server's words with the notice (shown when they differ from ours). */
  noticeMessage: string;
  ended: EndKind | null;
  /** The server's message about the end (contact.status message). */
  endMessage: string;
  /** The customer asked to leave (so an end is theirs, not the specialist's). */
  leaving: boolean;
}

export function initialModel(): ContactModel {
  return {
    phase: 'prechat',
    contactId: null,
    status: null,
    queueName: '',
    notice: null,
    noticeMessage: '',
    ended: null,
    endMessage: '',
    leaving: false,
  };
}

/** The waiting view for a contact the widget has not heard about yet (after contact.request or a resume). */
export function waitFor(m: ContactModel, contactId: string, queueName = ''): ContactModel {
  if (m.phase === 'waiting' && m.contactId === contactId) {
    return queueName && !m.queueName ? { ...m, queueName } : m;
  }
  return { ...initialModel(), phase: 'waiting', contactId, queueName };
}

function end(m: ContactModel, kind: EndKind, message: string | undefined): ContactModel {
  return { ...m, phase: 'ended', ended: kind, endMessage: message ?? '', notice: null, noticeMessage: '' };
}

/**
 * Applies a contact.status. `finished` holds the contacts that already ended here, so that a late
 * status about one of them does not bring the waiting view back.
 */
export function applyStatus(m: ContactModel, s: ContactStatus, finished: ReadonlySet<string>): ContactModel {
  if (finished.has(s.contact_id)) return m;
  const queueName =
    s.queue_name ?? (m.contactId === s.contact_id || m.notice === 'overflow' ? m.queueName : '');
  const base: ContactModel =
    m.phase === 'waiting'
      ? { ...m, contactId: s.contact_id, queueName }
      : { ...initialModel(), phase: 'waiting', contactId: s.contact_id, queueName };
  switch (s.state) {
    case 'queued':
      if (s.reason === 'agent_unavailable')
        return { ...base, status: s, notice: 'agent_unavailable', noticeMessage: s.message ?? '' };
      return { ...base, status: s };
    case 'assigned':
      return { ...base, status: s, notice: null, noticeMessage: '' };
    case 'wrapping':
      // the specialist (or the customer, by leaving) ended the conversation
      return m.leaving
        ? end(base, { kind: 'left', answered: true }, undefined)
        : end(base, { kind: 'agent-ended' }, s.message);
    case 'completed':
      return end(
        base,
        m.leaving ? { kind: 'left', answered: true } : { kind: 'completed' },
        m.leaving ? undefined : s.message,
      );
    case 'canceled':
      if (s.reason === 'overflow')
        return { ...base, status: null, notice: 'overflow', noticeMessage: s.message ?? '' };
      if (m.leaving && (s.reason === 'abandoned' || s.reason === undefined))
        return end(base, { kind: 'left', answered: false }, undefined);
      return end(base, { kind: 'canceled', reason: s.reason }, s.message);
  }
}

/** Whether a contact.status ends the contact (the widget remembers it as finished). */
export function isFinal(s: ContactStatus): boolean {
  return (
    s.state === 'completed' || s.state === 'wrapping' || (s.state === 'canceled' && s.reason !== 'overflow')
  );
}

/** The words for a failed contact.request (and, with `forCancel`, contact.cancel). */
export function requestErrorText(
  err: Pick<RequestError, 'code' | 'field' | 'retryAfterMs' | 'nextOpenMs'>,
  t: WidgetStrings,
  locale: string,
  timeZone?: string,
): string {
  switch (err.code) {
    case 'QUEUE_CLOSED':
      return `${t.queueClosed} ${openingText(t, err.nextOpenMs, locale, timeZone)} ${t.leaveMessageLater}`;
    case 'NO_SERVICE':
      return err.field === 'lang'
        ? t.noServiceLanguage
        : err.field === 'topic'
          ? t.noServiceTopic
          : t.noService;
    case 'CONFLICT':
      return t.conflict;
    case 'RATE_LIMITED':
      return err.retryAfterMs !== undefined
        ? t.rateLimited(Math.max(1, Math.ceil(err.retryAfterMs / 1000)))
        : t.rateLimitedNoTime;
    case 'NOT_CONNECTED':
    case 'DISCONNECTED':
      return t.notConnected;
    case 'STORE_UNAVAILABLE':
    case 'BUSY':
    case 'STORE_FULL':
    case 'INTERNAL':
    case 'TIMEOUT':
      return t.retryLater;
    default:
      return t.failed;
  }
}
