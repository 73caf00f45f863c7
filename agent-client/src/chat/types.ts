/**
 * Chat types as the chat code uses them.
 *
 * The generated schema names both the struct `chat_event` (one log entry) and the event message
 * `chat.event` (conversation_id, epoch, event) `ChatEvent`, so in schema.gen.ts the two interfaces
 * merge into one with every field of both. Until the generator tells them apart, the chat code uses
 * these two names; they mirror proto/schema.yaml field for field.
 */
import type { ChatSyncReply, Events } from '../proto/schema.gen';

export type ChatRole = 'customer' | 'agent' | 'supervisor' | 'system';

export type SystemKind =
  | 'joined'
  | 'left'
  | 'transferred'
  | 'verified'
  | 'ended'
  | 'requeued'
  | 'customer_disconnected'
  | 'inactive_warning'
  | 'inactive_ended'
  | 'blocked'
  | 'rated';

/** One entry of a conversation's log (struct chat_event). */
export interface ChatEntry {
  seq: number;
  prev_seq: number;
  kind: 'message' | 'note' | 'system';
  from_role: ChatRole;
  from_name?: string;
  text: string;
  ts_ms: number;
  client_msg_id?: string;
  system?: SystemKind;
}

/** The body of a chat.event message. */
export interface ChatEventMessage {
  conversation_id: string;
  epoch: number;
  event: ChatEntry;
}

/** The reply to chat.sync. */
export interface SyncReply {
  epoch: number;
  last_seq: number;
  more: boolean;
  events: ChatEntry[];
}

/** The typed body of a chat.event, whatever the generated type looks like. */
export function asChatEvent(b: Events['chat.event']): ChatEventMessage {
  return b;
}

export function asSyncReply(b: ChatSyncReply): SyncReply {
  return b;
}

/** Staff roles: their messages are the agency's words (links in them may be clickable). */
export function isStaffRole(r: ChatRole): boolean {
  return r === 'agent' || r === 'supervisor';
}
