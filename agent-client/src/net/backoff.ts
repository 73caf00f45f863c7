/** Reconnect delays: exponential, capped, with jitter so that clients dropped together spread out. */
export interface BackoffOptions {
  /** Upper bound of the first delay (ms). */
  baseMs: number;
  /** Upper bound of any delay (ms). */
  maxMs: number;
}

export const DEFAULT_BACKOFF: Readonly<BackoffOptions> = Object.freeze({ baseMs: 1000, maxMs: 30000 });

/**
 * Delay before reconnect attempt `attempt` (1 for the first retry): the cap doubles each time
 * from `baseMs` up to `maxMs`, and the delay is drawn uniformly from [cap/2, cap] ("equal jitter":
 * never a burst of instant retries, never more than the cap).
 */
export function backoffDelay(
  attempt: number,
  random: () => number,
  opts: BackoffOptions = DEFAULT_BACKOFF,
): number {
  const exp = Math.min(Math.max(attempt, 1) - 1, 30);
  const cap = Math.min(opts.maxMs, opts.baseMs * 2 ** exp);
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.round(cap / 2 + (r * cap) / 2);
}
