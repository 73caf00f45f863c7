// The leave-a-message form's rules: a message needs its text; a call back needs a phone number.
import { describe, expect, it } from 'vitest';

import { checkMessage, isPhoneNumber } from './leave-message';

describe('isPhoneNumber', () => {
  it.each(['(360) 555-0100', '+1 360 555 0100', '360.555.0100', '5550100', '+44 20 7946 0958'])(
    'takes %s',
    (n) => {
      expect(isPhoneNumber(n)).toBe(true);
    },
  );
  it.each([
    '',
    'pat@example.org',
    '555-01',
    '1234567890123456',
    '555-0100 ext 2',
    '1+360 555 0100',
    'call me',
  ])('refuses %j', (n) => {
    expect(isPhoneNumber(n)).toBe(false);
  });
});

describe('checkMessage', () => {
  it('needs the text of a message; the way to answer is optional', () => {
    expect(checkMessage('  hi ', '')).toEqual({ ok: true, text: 'hi' });
    expect(checkMessage('hi', ' pat@example.org ')).toEqual({
      ok: true,
      text: 'hi',
      replyTo: 'pat@example.org',
    });
    expect(checkMessage(' ', 'x')).toEqual({ ok: false, field: 'text', why: 'required' });
    expect(checkMessage('hi', 'x'.repeat(201))).toEqual({ ok: false, field: 'reply_to', why: 'too-long' });
  });

  it('needs a phone number for a call back, checked first', () => {
    expect(checkMessage('', '', 'callback')).toEqual({ ok: false, field: 'reply_to', why: 'required' });
    expect(checkMessage('hi', 'pat@example.org', 'callback')).toEqual({
      ok: false,
      field: 'reply_to',
      why: 'not-phone',
    });
    expect(checkMessage('', '360 555 0100', 'callback')).toEqual({
      ok: false,
      field: 'text',
      why: 'required',
    });
    expect(checkMessage('About my payment', ' 360 555 0100 ', 'callback')).toEqual({
      ok: true,
      text: 'About my payment',
      replyTo: '360 555 0100',
    });
  });
});
