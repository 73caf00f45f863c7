/**
 * Typing indicators, both ways.
 *
 * TypingThrottle turns keystrokes into few chat.typing messages: `true` when typing starts, again
 * at most every `refreshMs` while it goes on (so the other side's indicator does not time out), and
 * `false` after `idleMs` without a keystroke, when the text is emptied, or when it is sent.
 *
 * RemoteTyping shows the other side's indicator and hides it by itself after `expireMs` without
 * news, in case their "stopped" never arrives (a dropped connection, a closed tab).
 */

export interface TimerDeps {
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (t: unknown) => void;
}

function timers(d: TimerDeps): Required<TimerDeps> {
  return {
    now: d.now ?? (() => Date.now()),
    setTimer: d.setTimer ?? ((fn, ms) => setTimeout(fn, ms)),
    clearTimer:
      d.clearTimer ??
      ((t) => {
        clearTimeout(t as ReturnType<typeof setTimeout>);
      }),
  };
}

export interface TypingThrottleOptions extends TimerDeps {
  send: (typing: boolean) => void;
  idleMs?: number;
  refreshMs?: number;
}

export class TypingThrottle {
  private readonly send: (typing: boolean) => void;
  private readonly t: Required<TimerDeps>;
  private readonly idleMs: number;
  private readonly refreshMs: number;
  private typing = false;
  private lastTrueAt = -Infinity;
  private idle: unknown = null;

  constructor(o: TypingThrottleOptions) {
    this.send = o.send;
    this.t = timers(o);
    this.idleMs = o.idleMs ?? 4000;
    this.refreshMs = o.refreshMs ?? 5000;
  }

  get isTyping(): boolean {
    return this.typing;
  }

  /** After every change of the composer's text. */
  input(hasText: boolean): void {
    if (!hasText) {
      this.stop();
      return;
    }
    const now = this.t.now();
    if (!this.typing || now - this.lastTrueAt >= this.refreshMs) {
      this.typing = true;
      this.lastTrueAt = now;
      this.send(true);
    }
    this.clearIdle();
    this.idle = this.t.setTimer(() => {
      this.idle = null;
      this.stop();
    }, this.idleMs);
  }

  /** Typing stopped (sent, emptied, idle, or the composer went away). */
  stop(): void {
    this.clearIdle();
    if (!this.typing) return;
    this.typing = false;
    this.lastTrueAt = -Infinity;
    this.send(false);
  }

  /** Forgets the state without telling anyone (the connection is gone). */
  reset(): void {
    this.clearIdle();
    this.typing = false;
    this.lastTrueAt = -Infinity;
  }

  private clearIdle(): void {
    if (this.idle !== null) this.t.clearTimer(this.idle);
    this.idle = null;
  }
}

export interface RemoteTypingOptions extends TimerDeps {
  onChange: (typing: boolean) => void;
  expireMs?: number;
}

export class RemoteTyping {
  private readonly onChange: (typing: boolean) => void;
  private readonly t: Required<TimerDeps>;
  private readonly expireMs: number;
  private shown = false;
  private timer: unknown = null;

  constructor(o: RemoteTypingOptions) {
    this.onChange = o.onChange;
    this.t = timers(o);
    this.expireMs = o.expireMs ?? 8000;
  }

  get typing(): boolean {
    return this.shown;
  }

  set(typing: boolean): void {
    if (this.timer !== null) this.t.clearTimer(this.timer);
    this.timer = null;
    if (typing) {
      this.timer = this.t.setTimer(() => {
        this.timer = null;
        this.set(false);
      }, this.expireMs);
    }
    if (typing !== this.shown) {
      this.shown = typing;
      this.onChange(typing);
    }
  }
}
