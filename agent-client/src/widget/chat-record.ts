/**
 * What the widget keeps about one chat between page loads, beside the resume token: who is talking
 * about what, whether a specialist answered, how it ended, whether it was rated, and the local copy
 * of the log. It is stored as JSON where chat-storage.ts says (the tab, or the customer's own
 * computer), so whatever comes back is checked field by field before use; a broken record is
 * forgotten rather than half-trusted.
 */
import type { ChatStorage } from './chat-storage';
import type { EndKind } from './strings';
import { MessageStore, type StoreSnapshot } from '../chat/store';
import type { ContactStatus } from '../proto/schema.gen';

/** How long a chat kept on the customer's own computer stays worth resuming, without a server value. */
export const DEFAULT_KEEP_MS = 15 * 60_000;

/** What the widget keeps about the chat between page loads (beside the log itself). */
export interface ChatRecord {
  v: 1;
  contactId: string;
  conversationId: string;
  customerName: string;
  claimRef?: string;
  topicLabel: string;
  queueName: string;
  agentName: string;
  startedMs: number;
  /** A specialist answered (the chat can be rated). */
  answered: boolean;
  /** The customer said the computer is their own. */
  ownDevice: boolean;
  ended: EndKind | null;
  rated: boolean;
  store: StoreSnapshot;
}

export function isRecord(v: unknown): v is ChatRecord {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return (
    r.v === 1 &&
    typeof r.contactId === 'string' &&
    typeof r.conversationId === 'string' &&
    typeof r.customerName === 'string' &&
    (r.claimRef === undefined || typeof r.claimRef === 'string') &&
    typeof r.topicLabel === 'string' &&
    typeof r.queueName === 'string' &&
    typeof r.agentName === 'string' &&
    typeof r.startedMs === 'number' &&
    typeof r.answered === 'boolean' &&
    typeof r.ownDevice === 'boolean' &&
    typeof r.rated === 'boolean' &&
    typeof r.ended === 'object' &&
    typeof r.store === 'object'
  );
}

/** The record of a chat the customer just started from the pre-chat form (contact.request answered). */
export function startedRecord(o: {
  contactId: string;
  conversationId: string;
  customerName: string;
  claimRef: string | undefined;
  topicLabel: string;
  queueName: string;
  ownDevice: boolean;
}): ChatRecord {
  return {
    v: 1,
    contactId: o.contactId,
    conversationId: o.conversationId,
    customerName: o.customerName,
    ...(o.claimRef !== undefined ? { claimRef: o.claimRef } : {}),
    topicLabel: o.topicLabel,
    queueName: o.queueName,
    agentName: '',
    startedMs: Date.now(),
    answered: false,
    ownDevice: o.ownDevice,
    ended: null,
    rated: false,
    store: new MessageStore('customer').snapshot(),
  };
}

/**
 * The record of a conversation the server names but nothing was kept of locally (storage blocked,
 * another tab): what the status says, and an empty log to be synced from the start.
 */
export function resumedRecord(
  contactId: string,
  conversationId: string,
  status: ContactStatus | undefined,
  ownDevice: boolean,
): ChatRecord {
  return {
    v: 1,
    contactId,
    conversationId,
    customerName: '',
    topicLabel: '',
    queueName: status?.queue_name ?? '',
    agentName: status?.agent_name ?? '',
    startedMs: Date.now(),
    answered: status?.state === 'assigned',
    ownDevice,
    ended: null,
    rated: false,
    store: new MessageStore('customer').snapshot(),
  };
}

/** The chat kept in storage with its log restored; a record that does not check out is forgotten. */
export function loadRecord(storage: ChatStorage): { record: ChatRecord; store: MessageStore } | null {
  const raw = storage.loadChat();
  if (raw === null) return null;
  const store = new MessageStore('customer');
  if (!isRecord(raw) || !store.restore(raw.store)) {
    storage.clearChat();
    return null;
  }
  return { record: raw, store };
}
