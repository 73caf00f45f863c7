/**
 * What the chat tabs show about each chat: how many entries came in while the agent was not
 * looking, and how long the customer has waited for a reply (from the first customer message the
 * agent has not answered yet, as the response-time metric counts it).
 */
import { formatElapsed } from '../common/clock';
import { isStaffRole, type ChatEntry } from '../chat/types';

/**
 * When the customer started waiting for a reply: the time of their first message after the last
 * message a staff member wrote (private notes and system events answer nothing). null when
 * nothing is unanswered. A reply still being sent counts as an answer (`replyPending`).
 */
export function waitingSince(entries: readonly ChatEntry[], replyPending = false): number | null {
  let since: number | null = null;
  for (const e of entries) {
    if (e.kind !== 'message') continue;
    if (e.from_role === 'customer') since ??= e.ts_ms;
    else if (isStaffRole(e.from_role)) since = null;
  }
  return replyPending ? null : since;
}

/**
 * The unread count after a live entry from someone else (a customer message, a colleague's note,
 * an event such as the customer leaving): reset while the agent looks at the chat (its tab is
 * shown and the page is visible), else one more.
 */
export function unreadAfter(count: number, viewing: boolean): number {
  return viewing ? 0 : count + 1;
}

/** "3 unread" / "" for the tab. */
export function unreadText(n: number): string {
  return n > 0 ? `${n} unread` : '';
}

/**
 * "Waiting for a reply: 3 min" / "" for the tab. Whole minutes only: the text is part of the tab's
 * name, and a name that changed every second would keep screen readers talking.
 */
export function waitingText(since: number | null, nowMs: number): string {
  if (since === null) return '';
  const ms = Math.max(0, nowMs - since);
  if (ms < 60_000) return 'Waiting for a reply: under 1 min';
  return `Waiting for a reply: ${formatElapsed(Math.floor(ms / 60_000) * 60_000)}`;
}

/** Long enough that the tab should stand out (as well as say it in words). */
export const LONG_WAIT_MS = 120_000;

/** The page title while chats have unread entries and the page is hidden. */
export function unreadTitle(total: number): string | null {
  if (total <= 0) return null;
  return total === 1 ? '(1) New chat message — Switchboard' : `(${total}) New chat messages — Switchboard`;
}
