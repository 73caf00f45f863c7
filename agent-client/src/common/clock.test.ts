import { describe, expect, it } from 'vitest';

import { Countdown, ServerClock, formatElapsed, timeOfDay } from './clock';

function manualClock(start = 1000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return {
    now: () => t,
    advance: (ms) => {
      t += ms;
    },
  };
}

describe('Countdown', () => {
  it('counts down from the duration it was given, on its own clock', () => {
    const c = manualClock(50_000);
    const cd = new Countdown(30_000, c.now);
    expect(cd.secondsLeft()).toBe(30);
    c.advance(400);
    expect(cd.secondsLeft()).toBe(30); // rounded up: 29.6 s left still reads 30
    c.advance(600);
    expect(cd.secondsLeft()).toBe(29);
    expect(cd.elapsedMs()).toBe(1000);
    c.advance(28_999);
    expect(cd.secondsLeft()).toBe(1);
    expect(cd.expired).toBe(false);
    c.advance(1);
    expect(cd.secondsLeft()).toBe(0);
    expect(cd.expired).toBe(true);
    c.advance(10_000);
    expect(cd.remainingMs()).toBe(0);
  });

  it('does not run backwards when the clock does', () => {
    const c = manualClock();
    const cd = new Countdown(5000, c.now);
    c.advance(-3000);
    expect(cd.remainingMs()).toBe(5000);
  });
});

describe('ServerClock', () => {
  it('keeps the offset to the server clock', () => {
    const c = manualClock(1_000_000);
    const sc = new ServerClock(c.now);
    expect(sc.isSynced).toBe(false);
    sc.sync(1_005_000); // the server is 5 s ahead
    expect(sc.isSynced).toBe(true);
    expect(sc.now()).toBe(1_005_000);
    c.advance(2000);
    expect(sc.now()).toBe(1_007_000);
    expect(sc.since(1_000_000)).toBe(7000);
    expect(sc.since(2_000_000)).toBe(0);
    expect(sc.toLocalDate(1_007_000).getTime()).toBe(1_002_000);
  });
});

describe('formatElapsed', () => {
  it.each([
    [0, '0 s'],
    [999, '0 s'],
    [45_000, '45 s'],
    [60_000, '1 min'],
    [125_000, '2 min 5 s'],
    [3_600_000, '1 h'],
    [3_780_000, '1 h 3 min'],
    [-5000, '0 s'],
  ])('%i ms -> %s', (ms, text) => {
    expect(formatElapsed(ms)).toBe(text);
  });
});

describe('timeOfDay', () => {
  it('says the hour and the minutes, never the seconds', () => {
    const t = timeOfDay(new Date(2026, 0, 1, 14, 5, 59));
    expect(t).toMatch(/(^|\D)(2|14):05(\D|$)/);
    expect(t).not.toContain('59');
  });
});
