import { describe, expect, it } from 'vitest';

import { RemoteTyping, TypingThrottle } from './typing';

function clock() {
  let now = 0;
  const timers: Array<{ at: number; fn: () => void; id: number }> = [];
  let next = 1;
  return {
    now: () => now,
    setTimer: (fn: () => void, ms: number) => {
      const t = { at: now + ms, fn, id: next++ };
      timers.push(t);
      return t.id;
    },
    clearTimer: (id: unknown) => {
      const i = timers.findIndex((t) => t.id === id);
      if (i >= 0) timers.splice(i, 1);
    },
    advance(ms: number) {
      const end = now + ms;
      for (;;) {
        timers.sort((a, b) => a.at - b.at);
        const t = timers[0];
        if (!t || t.at > end) break;
        timers.shift();
        now = t.at;
        t.fn();
      }
      now = end;
    },
  };
}

describe('TypingThrottle', () => {
  it('says "typing" once when typing starts, not on every key', () => {
    const c = clock();
    const sent: boolean[] = [];
    const t = new TypingThrottle({ ...c, send: (v) => sent.push(v), idleMs: 4000, refreshMs: 5000 });
    for (let i = 0; i < 20; i++) {
      t.input(true);
      c.advance(100);
    }
    expect(sent).toEqual([true]);
  });

  it('repeats "typing" at most every refreshMs while typing goes on', () => {
    const c = clock();
    const sent: boolean[] = [];
    const t = new TypingThrottle({ ...c, send: (v) => sent.push(v), idleMs: 4000, refreshMs: 5000 });
    for (let i = 0; i < 120; i++) {
      t.input(true);
      c.advance(100); // 12 s of steady typing
    }
    expect(sent).toEqual([true, true, true]); // at 0, 5 s, 10 s
  });

  it('says "stopped" after idleMs without a key, when emptied, and when sent', () => {
    const c = clock();
    const sent: boolean[] = [];
    const t = new TypingThrottle({ ...c, send: (v) => sent.push(v), idleMs: 4000 });
    t.input(true);
    c.advance(3999);
    expect(sent).toEqual([true]);
    c.advance(1);
    expect(sent).toEqual([true, false]);
    t.input(true);
    t.input(false); // the text was deleted
    expect(sent).toEqual([true, false, true, false]);
    t.input(true);
    t.stop(); // sent
    t.stop();
    expect(sent).toEqual([true, false, true, false, true, false]);
    c.advance(10_000);
    expect(sent).toHaveLength(6); // no late "stopped"
  });

  it('reset forgets the state without sending', () => {
    const c = clock();
    const sent: boolean[] = [];
    const t = new TypingThrottle({ ...c, send: (v) => sent.push(v) });
    t.input(true);
    t.reset();
    c.advance(10_000);
    expect(sent).toEqual([true]);
    t.input(true);
    expect(sent).toEqual([true, true]);
  });
});

describe('RemoteTyping', () => {
  it('shows the other side typing and hides it when told or after expireMs of silence', () => {
    const c = clock();
    const shown: boolean[] = [];
    const r = new RemoteTyping({ ...c, onChange: (v) => shown.push(v), expireMs: 8000 });
    r.set(true);
    r.set(true);
    expect(shown).toEqual([true]);
    r.set(false);
    expect(shown).toEqual([true, false]);
    r.set(true);
    c.advance(7000);
    r.set(true); // refreshed
    c.advance(7000);
    expect(r.typing).toBe(true);
    c.advance(1000);
    expect(shown).toEqual([true, false, true, false]);
  });
});
