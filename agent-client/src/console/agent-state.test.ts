import { describe, expect, it } from 'vitest';

import { checkStateChoice, classifyState, stateAlertText, stateLabel } from './agent-state';

const REASONS = ['Break', 'Lunch', 'Missed offers'];

describe('agent state', () => {
  it('labels states', () => {
    expect(stateLabel({ status: 'available' })).toBe('Available');
    expect(stateLabel({ status: 'away', reason: 'Lunch' })).toBe('Away: Lunch');
    expect(stateLabel({ status: 'offline', reason: 'ignored' })).toBe('Offline');
  });

  it('tells the agent when Switchboard set them away for missed offers', () => {
    const next = { status: 'away', reason: 'Missed offers' } as const;
    const origin = classifyState({
      next,
      previous: { status: 'available' },
      requested: null,
      recentExpiry: true,
    });
    expect(origin).toBe('missed-offers');
    expect(stateAlertText(origin, next)).toBe(
      'Switchboard set you to Away: Missed offers because offers went unanswered. You get no new offers until you choose Available.',
    );
    // also when it is the state found on connecting
    expect(classifyState({ next, previous: null, requested: null, recentExpiry: false })).toBe(
      'missed-offers',
    );
    // a reason with another name right after an expired offer
    expect(
      classifyState({
        next: { status: 'away', reason: 'Unanswered' },
        previous: { status: 'available' },
        requested: null,
        recentExpiry: true,
      }),
    ).toBe('missed-offers');
  });

  it('tells apart the agent’s own change, the first state and a change by someone else', () => {
    const lunch = { status: 'away', reason: 'Lunch' } as const;
    expect(
      classifyState({
        next: lunch,
        previous: { status: 'available' },
        requested: lunch,
        recentExpiry: false,
      }),
    ).toBe('self');
    expect(classifyState({ next: lunch, previous: null, requested: null, recentExpiry: false })).toBe(
      'initial',
    );
    const other = classifyState({
      next: lunch,
      previous: { status: 'available' },
      requested: null,
      recentExpiry: false,
    });
    expect(other).toBe('other');
    expect(stateAlertText(other, lunch)).toContain('changed to Away: Lunch (not by you)');
    expect(stateAlertText('self', lunch)).toBeNull();
    expect(stateAlertText('initial', lunch)).toBeNull();
  });

  it('needs a configured reason for Away', () => {
    expect(checkStateChoice('available', '', REASONS)).toEqual({ ok: true, body: { status: 'available' } });
    expect(checkStateChoice('offline', 'Lunch', REASONS)).toEqual({ ok: true, body: { status: 'offline' } });
    expect(checkStateChoice('away', 'Lunch', REASONS)).toEqual({
      ok: true,
      body: { status: 'away', reason: 'Lunch' },
    });
    expect(checkStateChoice('away', '', REASONS)).toMatchObject({ ok: false, field: 'reason' });
    expect(checkStateChoice('away', 'Nap', REASONS)).toMatchObject({ ok: false, field: 'reason' });
    expect(checkStateChoice('', '', REASONS)).toMatchObject({ ok: false, field: 'status' });
  });
});
