/**
 * The offer chime: two short notes made with the Web Audio API (no audio file). Browsers let a page
 * start audio only after the user interacted with it, so nothing plays until the agent turns sound
 * on (a checkbox: a user gesture that may create and resume the AudioContext). The choice is kept
 * in localStorage; after a reload the context waits for the first click or key press on the page.
 */

/** The parts of an AudioContext the chime uses (a fake one in tests). */
export interface AudioContextLike {
  readonly state: string;
  readonly currentTime: number;
  readonly destination: unknown;
  resume(): Promise<void>;
  createOscillator(): {
    type: string;
    frequency: { setValueAtTime(v: number, t: number): unknown };
    connect(node: never): unknown;
    start(t: number): void;
    stop(t: number): void;
  };
  createGain(): {
    gain: {
      setValueAtTime(v: number, t: number): unknown;
      exponentialRampToValueAtTime(v: number, t: number): unknown;
    };
    connect(node: never): unknown;
  };
}

export const SOUND_KEY = 'switchboard.console.sound';

function defaultContext(): AudioContextLike | null {
  const Ctor = (globalThis as { AudioContext?: new () => AudioContextLike }).AudioContext;
  return Ctor ? new Ctor() : null;
}

function defaultStorage(): Storage | null {
  try {
    return globalThis.localStorage;
  } catch {
    return null;
  }
}

export class OfferSound {
  private ctx: AudioContextLike | null = null;
  private on = false;
  private readonly createContext: () => AudioContextLike | null;
  private readonly storage: () => Storage | null;

  constructor(
    createContext: () => AudioContextLike | null = defaultContext,
    storage: () => Storage | null = defaultStorage,
  ) {
    this.createContext = createContext;
    this.storage = storage;
  }

  /** Whether the Web Audio API exists here. */
  get supported(): boolean {
    return typeof (globalThis as { AudioContext?: unknown }).AudioContext === 'function' || this.ctx !== null;
  }

  get enabled(): boolean {
    return this.on;
  }

  /** Whether the browser still blocks the sound (enabled, but no user gesture since the load). */
  get blocked(): boolean {
    return this.on && (this.ctx === null || this.ctx.state !== 'running');
  }

  /** The choice stored from an earlier visit. */
  storedPreference(): boolean {
    try {
      return this.storage()?.getItem(SOUND_KEY) === 'on';
    } catch {
      return false;
    }
  }

  /** Turns sound on: call from a user gesture (click, key press). Plays the chime once to confirm. */
  async enable(confirm = true): Promise<boolean> {
    this.on = true;
    this.store('on');
    const ok = await this.unlock();
    if (ok && confirm) this.chime();
    return ok;
  }

  /** Turns sound on without a gesture (a stored preference): it starts at the next gesture. */
  enableLater(): void {
    this.on = true;
  }

  disable(): void {
    this.on = false;
    this.store('off');
  }

  /** Creates or resumes the context; works when called from a user gesture. */
  async unlock(): Promise<boolean> {
    if (!this.on) return false;
    try {
      this.ctx ??= this.createContext();
      if (!this.ctx) return false;
      if (this.ctx.state !== 'running') await this.ctx.resume();
      return this.ctx.state === 'running';
    } catch {
      return false;
    }
  }

  /** Plays the chime if sound is on and allowed; silently nothing otherwise. */
  chime(): boolean {
    const ctx = this.ctx;
    if (!this.on || !ctx || ctx.state !== 'running') return false;
    const t0 = ctx.currentTime + 0.01;
    const notes: Array<[number, number]> = [
      [880, 0], // A5
      [1318.5, 0.16], // E6
    ];
    for (const [freq, at] of notes) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = 'sine';
      osc.frequency.setValueAtTime(freq, t0 + at);
      gain.gain.setValueAtTime(0.0001, t0 + at);
      gain.gain.exponentialRampToValueAtTime(0.25, t0 + at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, t0 + at + 0.3);
      osc.connect(gain as never);
      gain.connect(ctx.destination as never);
      osc.start(t0 + at);
      osc.stop(t0 + at + 0.32);
    }
    return true;
  }

  private store(v: 'on' | 'off'): void {
    try {
      this.storage()?.setItem(SOUND_KEY, v);
    } catch {
      // storage blocked: the choice lasts for this page only
    }
  }
}
