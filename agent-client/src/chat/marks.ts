/** Delivery marks of own messages and the keys log elements are kept under (widget and console). */
import type { LogItem } from './store';

export type Mark = 'sending' | 'sent' | 'delivered' | 'read' | 'failed';

/** The delivery mark of one of this participant's own log items, from the other side's marks. */
export function markOf(item: LogItem, other: { delivered: number; read: number }): Mark {
  if (item.type === 'pending') return item.out.state === 'failed' ? 'failed' : 'sending';
  const seq = item.entry.seq;
  if (seq <= other.read) return 'read';
  if (seq <= other.delivered) return 'delivered';
  return 'sent';
}

/**
 * The key a log item's element is kept under: own messages by client_msg_id (so the element of a
 * pending message stays the same once it is acknowledged), everything else by seq.
 */
export function itemKey(item: LogItem): string {
  if (item.type === 'pending') return `c:${item.out.clientMsgId}`;
  return item.entry.client_msg_id !== undefined && item.own
    ? `c:${item.entry.client_msg_id}`
    : `s:${String(item.entry.seq)}`;
}
