import { describe, expect, it } from 'vitest';

import { plainText } from './dom';
import { signedInText, statusText, statusView } from './status';

const NOW = 1_000_000;

describe('statusView', () => {
  it.each([
    [{ status: 'connecting', attempt: 0 }, 'Connecting…', 'connecting'],
    [{ status: 'idle' }, 'Connecting…', 'connecting'],
    [
      { status: 'reconnecting', attempt: 3, delayMs: 5000, retryAt: NOW + 5000, code: 1006 },
      'Reconnecting in 5 s…',
      'reconnecting',
    ],
    [
      { status: 'reconnecting', attempt: 3, delayMs: 5000, retryAt: NOW + 4200, code: 1006 },
      'Reconnecting in 5 s…',
      'reconnecting',
    ],
    [
      { status: 'reconnecting', attempt: 3, delayMs: 5000, retryAt: NOW - 10, code: 1006 },
      'Reconnecting in 1 s…',
      'reconnecting',
    ],
    [{ status: 'signed-out' }, 'Signed out', 'signed-out'],
    [{ status: 'closed', reason: 'signed-out', code: 4003, message: '' }, 'Signed out', 'signed-out'],
    [
      { status: 'closed', reason: 'replaced', code: 4002, message: '' },
      'Disconnected: open in another tab or window',
      'disconnected',
    ],
    [
      { status: 'closed', reason: 'error', code: 1008, message: '' },
      'Disconnected: connection error',
      'disconnected',
    ],
  ] as const)('%j', (state, text, tone) => {
    const v = statusView(state, NOW);
    expect(statusText(v)).toBe(text);
    expect(v.tone).toBe(tone);
  });

  it('says Connected, and hides only the countdown from screen readers', () => {
    const hello = {
      role: 'agent',
      user_id: 'm',
      server_time_ms: 0,
      ping_interval_s: 25,
      max_frame_bytes: 65536,
    } as const;
    expect(statusText(statusView({ status: 'connected', hello }, NOW))).toBe('Connected');
    const v = statusView(
      { status: 'reconnecting', attempt: 1, delayMs: 1000, retryAt: NOW + 1000, code: 1001 },
      NOW,
    );
    expect(
      v.parts
        .filter((p) => !p.visualOnly)
        .map((p) => p.text)
        .join(''),
    ).toBe('Reconnecting…');
  });

  it('names who is signed in', () => {
    expect(plainText(signedInText('Maria Lopez', 'agent'))).toBe('Signed in as Maria Lopez (agent)');
    expect(plainText(signedInText('\u202Eאנה', 'agent'))).toBe('Signed in as \u2068\u202Eאנה\u2069 (agent)');
  });
});
