import { describe, expect, it } from 'vitest';

import { unreadAfter, unreadText, unreadTitle, waitingSince, waitingText } from './activity';
import type { ChatEntry } from '../chat/types';

let seq = 0;
function e(kind: ChatEntry['kind'], from: ChatEntry['from_role'], ts: number): ChatEntry {
  seq += 1;
  return { seq, prev_seq: seq - 1, kind, from_role: from, text: 'x', ts_ms: ts };
}

describe('waiting for a reply', () => {
  it('counts from the first customer message the agent has not answered', () => {
    expect(waitingSince([])).toBeNull();
    expect(
      waitingSince([e('system', 'system', 1), e('message', 'customer', 10), e('message', 'customer', 20)]),
    ).toBe(10);
  });

  it('an agent (or supervisor) message answers; notes and events do not', () => {
    expect(waitingSince([e('message', 'customer', 10), e('message', 'agent', 15)])).toBeNull();
    expect(waitingSince([e('message', 'customer', 10), e('message', 'supervisor', 15)])).toBeNull();
    expect(
      waitingSince([
        e('message', 'customer', 10),
        e('message', 'agent', 15),
        e('message', 'customer', 30),
        e('note', 'agent', 35),
        e('system', 'system', 36),
        e('message', 'customer', 40),
      ]),
    ).toBe(30);
  });

  it('a reply on its way counts as an answer', () => {
    expect(waitingSince([e('message', 'customer', 10)], true)).toBeNull();
  });

  it('says it in words', () => {
    expect(waitingText(null, 100)).toBe('');
    expect(waitingText(10_000, 75_000)).toBe('Waiting for a reply: 1 min');
    expect(waitingText(10_000, 5_000)).toBe('Waiting for a reply: under 1 min');
    expect(waitingText(0, 59_999)).toBe('Waiting for a reply: under 1 min');
    expect(waitingText(0, 3 * 3600_000 + 7 * 60_000 + 5_000)).toBe('Waiting for a reply: 3 h 7 min');
  });
});

describe('unread', () => {
  it('counts news while the agent looks elsewhere and clears when the chat is viewed', () => {
    let n = 0;
    n = unreadAfter(n, false);
    n = unreadAfter(n, false);
    expect(n).toBe(2);
    expect(unreadText(n)).toBe('2 unread');
    n = unreadAfter(n, true);
    expect(n).toBe(0);
    expect(unreadText(n)).toBe('');
  });

  it('gives the page title while hidden', () => {
    expect(unreadTitle(0)).toBeNull();
    expect(unreadTitle(1)).toBe('(1) New chat message — Switchboard');
    expect(unreadTitle(3)).toBe('(3) New chat messages — Switchboard');
  });
});
