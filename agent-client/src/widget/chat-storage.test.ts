// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from 'vitest';

import { CHAT_KEY, ChatStorage, UNTIL_KEY } from './chat-storage';
import { RESUME_KEY } from './token-store';

const TOKEN = 'TOKEN_abcdefghijklmnopqrstuvwxyz';

beforeEach(() => {
  sessionStorage.clear();
  localStorage.clear();
});

describe('ChatStorage', () => {
  it('starts in sessionStorage: nothing outlives the tab', () => {
    const s = new ChatStorage();
    expect(s.mode).toBe('session');
    s.set(TOKEN);
    s.saveChat({ a: 1 });
    expect(sessionStorage.getItem(RESUME_KEY)).toBe(TOKEN);
    expect(sessionStorage.getItem(CHAT_KEY)).toBe('{"a":1}');
    expect(localStorage.length).toBe(0);
  });

  it('moves everything to localStorage on the customer’s own computer, and back at the end', () => {
    let now = 1_000;
    const s = new ChatStorage(undefined, undefined, () => now);
    s.set(TOKEN);
    s.saveChat({ a: 1 });
    s.setMode('local', 60_000);
    expect(sessionStorage.length).toBe(0);
    expect(localStorage.getItem(RESUME_KEY)).toBe(TOKEN);
    expect(localStorage.getItem(UNTIL_KEY)).toBe('61000');
    // a new page load (a closed tab, later) finds it
    now = 30_000;
    const again = new ChatStorage(undefined, undefined, () => now);
    expect(again.mode).toBe('local');
    expect(again.get()).toBe(TOKEN);
    expect(again.loadChat()).toEqual({ a: 1 });
    again.setMode('session');
    expect(localStorage.length).toBe(0);
    expect(sessionStorage.getItem(RESUME_KEY)).toBe(TOKEN);
  });

  it('forgets a local chat kept beyond its resume window', () => {
    const s = new ChatStorage(undefined, undefined, () => 1_000);
    s.set(TOKEN);
    s.setMode('local', 10_000);
    const later = new ChatStorage(undefined, undefined, () => 20_000);
    expect(later.mode).toBe('session');
    expect(later.get()).toBeNull();
    expect(localStorage.length).toBe(0);
  });

  it('clear() drops the token everywhere; clearChat() the chat', () => {
    const s = new ChatStorage();
    s.set(TOKEN);
    s.saveChat({});
    s.clear();
    expect(s.get()).toBeNull();
    expect(s.loadChat()).toEqual({});
    s.clearChat();
    expect(s.loadChat()).toBeNull();
  });

  it('works without storage (blocked): nothing kept, nothing thrown', () => {
    const blocked = (): Storage => {
      throw new Error('SecurityError');
    };
    const s = new ChatStorage(blocked, blocked);
    s.set(TOKEN);
    expect(s.get()).toBeNull();
    expect(s.saveChat({ a: 1 })).toBe(false);
    s.setMode('local');
    expect(s.mode).toBe('session');
  });
});
