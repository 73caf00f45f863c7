/**
 * The agent's state as the console shows it, and who changed it. agent.state does not say who made
 * a change, so the console tells them apart: a change that matches the agent's own pending request
 * is theirs; the first state after connecting is the state they had; anything else was made by
 * Switchboard itself (no other person can change an agent's state today). Away for missed offers is
 * recognised by its reason or by following an expired offer.
 */
import type { AgentState } from '../proto/schema.gen';

export type Status = AgentState['status'];

export interface StateLike {
  status: Status;
  reason?: string | undefined;
}

export type StateOrigin = 'initial' | 'self' | 'other' | 'missed-offers';

export function stateLabel(s: StateLike): string {
  switch (s.status) {
    case 'available':
      return 'Available';
    case 'offline':
      return 'Offline';
    case 'away':
      return s.reason ? `Away: ${s.reason}` : 'Away';
  }
}

export function sameState(a: StateLike, b: StateLike): boolean {
  return a.status === b.status && (a.status !== 'away' || (a.reason ?? '') === (b.reason ?? ''));
}

/** Whether this away reason is the one the server uses for missed offers. */
export function isMissedOffersReason(reason: string | undefined): boolean {
  return reason !== undefined && /missed\s+offers?/i.test(reason);
}

export function classifyState(opts: {
  next: StateLike;
  previous: StateLike | null;
  requested: StateLike | null;
  /** An offer to this agent expired moments ago. */
  recentExpiry: boolean;
}): StateOrigin {
  const { next, previous, requested, recentExpiry } = opts;
  if (requested && sameState(requested, next)) return 'self';
  if (next.status === 'away' && (isMissedOffersReason(next.reason) || (recentExpiry && previous !== null)))
    return 'missed-offers';
  if (previous === null) return 'initial';
  return 'other';
}

/** The alert shown when someone else changed the state; null when nothing needs saying. */
export function stateAlertText(origin: StateOrigin, s: StateLike): string | null {
  switch (origin) {
    case 'missed-offers':
      return `Switchboard set you to ${stateLabel(s)} because offers went unanswered. You get no new offers until you choose Available.`;
    case 'other':
      return s.status === 'available'
        ? 'Your status was changed to Available (not by you). You can get offers again.'
        : `Your status was changed to ${stateLabel(s)} (not by you). You get no new offers until you choose Available.`;
    default:
      return null;
  }
}

/** Checks the state form: Away needs one of the configured reasons. */
export function checkStateChoice(
  status: Status | '',
  reason: string,
  reasons: readonly string[],
):
  | { ok: true; body: { status: Status; reason?: string } }
  | { ok: false; field: 'status' | 'reason'; message: string } {
  if (status === '') return { ok: false, field: 'status', message: 'Choose a status.' };
  if (status !== 'away') return { ok: true, body: { status } };
  if (reason === '') return { ok: false, field: 'reason', message: 'Choose a reason for Away.' };
  if (!reasons.includes(reason))
    return { ok: false, field: 'reason', message: 'This reason is not offered any more. Choose another.' };
  return { ok: true, body: { status, reason } };
}
