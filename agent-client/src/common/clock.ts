/**
 * Time as the apps need it.
 *
 * - Countdowns (an offer's time to accept) run on a monotonic local clock from a duration the
 *   server sent (`remaining_ms`): they never compare two wall clocks, so a wrong PC clock or a
 *   clock change does not shorten or stretch them.
 * - Timers since a server timestamp (`since_ms`, `enqueued_ms`) need the server's wall clock: the
 *   ServerClock keeps the offset between it and the local one, learned from `hello`'s
 *   `server_time_ms` (and refreshed from offers, which carry a fresher reading).
 */

/** Milliseconds on a clock that never jumps (performance.now in browsers). */
export function monotonicNow(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}

/** Calls `fn` every second until the returned function is called (the views' one-second tick). */
export function everySecond(fn: () => void): () => void {
  const t = setInterval(fn, 1000);
  return () => {
    clearInterval(t);
  };
}

/** The server's wall clock as seen from this browser. */
export class ServerClock {
  private offset = 0;
  private synced = false;
  private readonly local: () => number;

  constructor(local: () => number = () => Date.now()) {
    this.local = local;
  }

  /** Records a reading of the server's clock, taken (about) now. */
  sync(serverTimeMs: number): void {
    this.offset = serverTimeMs - this.local();
    this.synced = true;
  }

  /** Whether sync() was called at least once. */
  get isSynced(): boolean {
    return this.synced;
  }

  /** The server's time now (ms since the epoch). */
  now(): number {
    return this.local() + this.offset;
  }

  /** A server timestamp as a local Date, for showing a time of day. */
  toLocalDate(serverMs: number): Date {
    return new Date(serverMs - this.offset);
  }

  /** Time elapsed since a server timestamp, never negative. */
  since(serverMs: number): number {
    return Math.max(0, this.now() - serverMs);
  }
}

/** A countdown started from a duration (remaining_ms) at a moment of a monotonic clock. */
export class Countdown {
  readonly totalMs: number;
  private readonly startedAt: number;
  private readonly clock: () => number;

  constructor(totalMs: number, clock: () => number = monotonicNow) {
    this.totalMs = Math.max(0, totalMs);
    this.clock = clock;
    this.startedAt = clock();
  }

  /** Milliseconds since the countdown started. */
  elapsedMs(): number {
    return Math.max(0, this.clock() - this.startedAt);
  }

  remainingMs(): number {
    return Math.max(0, this.totalMs - this.elapsedMs());
  }

  /** Whole seconds left, rounded up: 0 only once the time is really up. */
  secondsLeft(): number {
    return Math.ceil(this.remainingMs() / 1000);
  }

  get expired(): boolean {
    return this.remainingMs() === 0;
  }
}

/**
 * "2:20 PM": a time of day as the staff apps show it, in the browser's locale (the page keeps the
 * narrow no-break space some locales put before "PM", so the two never part on a line end).
 */
export function timeOfDay(d: Date): string {
  return d.toLocaleTimeString([], { hour: 'numeric', minute: '2-digit' });
}

/** "45 s", "2 min 5 s", "1 h 3 min": an elapsed time, in words a screen reader reads well. */
export function formatElapsed(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return m > 0 ? `${h} h ${m} min` : `${h} h`;
  if (m > 0) return s > 0 ? `${m} min ${s} s` : `${m} min`;
  return `${s} s`;
}
