/**
 * Where the widget keeps the customer's resume token and the local copy of the chat.
 *
 * By default everything lives in sessionStorage: it survives a reload of the tab and nothing
 * outlives the tab, which is right for a shared or public computer (a library, a WorkSource
 * center). Only when the customer says the computer is their own does the widget move the token and
 * the chat to localStorage, so that the conversation survives a closed tab until the resume window
 * ends; when the chat ends, both go back to sessionStorage (the token is revoked by then anyway).
 *
 * Storage may be unavailable (blocked, private modes, full): the widget then works without resuming.
 */
import { RESUME_KEY } from './token-store';
import type { TokenStore } from '../net/connection';

export const CHAT_KEY = 'switchboard.chat';
/** localStorage only: until when the local token and chat are worth keeping (ms). */
export const UNTIL_KEY = 'switchboard.until';

export type Persistence = 'session' | 'local';

type StorageGetter = () => Storage | null;

function safe(get: StorageGetter): Storage | null {
  try {
    return get();
  } catch {
    return null;
  }
}

function read(s: Storage | null, key: string): string | null {
  try {
    return s?.getItem(key) ?? null;
  } catch {
    return null;
  }
}

function write(s: Storage | null, key: string, value: string): boolean {
  if (!s) return false;
  try {
    s.setItem(key, value);
    return true;
  } catch {
    return false; // quota or blocked
  }
}

function remove(s: Storage | null, key: string): void {
  try {
    s?.removeItem(key);
  } catch {
    // blocked: nothing to do
  }
}

export class ChatStorage implements TokenStore {
  private readonly session: StorageGetter;
  private readonly local: StorageGetter;
  private readonly now: () => number;
  private modeValue: Persistence;

  constructor(
    session: StorageGetter = () => window.sessionStorage,
    local: StorageGetter = () => window.localStorage,
    now: () => number = () => Date.now(),
  ) {
    this.session = session;
    this.local = local;
    this.now = now;
    const l = safe(local);
    const until = Number(read(l, UNTIL_KEY) ?? '0');
    if (read(l, RESUME_KEY) !== null && until > now()) {
      this.modeValue = 'local';
    } else {
      // nothing kept, or kept too long: forget it
      for (const k of [RESUME_KEY, CHAT_KEY, UNTIL_KEY]) remove(l, k);
      this.modeValue = 'session';
    }
  }

  get mode(): Persistence {
    return this.modeValue;
  }

  private store(): Storage | null {
    return safe(this.modeValue === 'local' ? this.local : this.session);
  }

  // TokenStore ---------------------------------------------------------------------------------

  get(): string | null {
    return read(this.store(), RESUME_KEY);
  }

  set(token: string): void {
    write(this.store(), RESUME_KEY, token);
  }

  /** The token is gone for good (revoked, unknown): forgotten everywhere. */
  clear(): void {
    remove(safe(this.session), RESUME_KEY);
    remove(safe(this.local), RESUME_KEY);
    remove(safe(this.local), UNTIL_KEY);
  }

  // the chat -----------------------------------------------------------------------------------

  loadChat(): unknown {
    const raw = read(this.store(), CHAT_KEY);
    if (raw === null) return null;
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      return null;
    }
  }

  /** Saves the chat; in localStorage also how long it is worth keeping. */
  saveChat(data: unknown, keepForMs?: number): boolean {
    let text: string;
    try {
      text = JSON.stringify(data);
    } catch {
      return false;
    }
    const s = this.store();
    if (this.modeValue === 'local' && keepForMs !== undefined)
      write(s, UNTIL_KEY, String(this.now() + keepForMs));
    return write(s, CHAT_KEY, text);
  }

  clearChat(): void {
    remove(safe(this.session), CHAT_KEY);
    remove(safe(this.local), CHAT_KEY);
    remove(safe(this.local), UNTIL_KEY);
  }

  /**
   * Moves the token and the chat to the other storage (the customer said whether the computer is
   * theirs; or the chat ended). Nothing is left behind in the storage it leaves.
   */
  setMode(mode: Persistence, keepForMs?: number): void {
    if (mode === this.modeValue) {
      if (mode === 'local' && keepForMs !== undefined)
        write(safe(this.local), UNTIL_KEY, String(this.now() + keepForMs));
      return;
    }
    const from = this.store();
    const token = read(from, RESUME_KEY);
    const chat = read(from, CHAT_KEY);
    remove(from, RESUME_KEY);
    remove(from, CHAT_KEY);
    if (this.modeValue === 'local') remove(from, UNTIL_KEY);
    this.modeValue = mode;
    const to = this.store();
    if (mode === 'local' && !to) {
      this.modeValue = 'session'; // no localStorage here: stay with the tab
    }
    const target = this.store();
    if (token !== null) write(target, RESUME_KEY, token);
    if (chat !== null) write(target, CHAT_KEY, chat);
    if (this.modeValue === 'local') write(target, UNTIL_KEY, String(this.now() + (keepForMs ?? 15 * 60_000)));
  }
}
