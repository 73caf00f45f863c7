import { describe, expect, it } from 'vitest';

import { MAX_NOTES_BYTES, checkWrapup, notesCounterText, utf8Length, wrapupFieldOf } from './wrapup';

const SETUP = {
  dispositions: [
    { code: 'resolved', label: 'Resolved' },
    { code: 'referred-to-adjudication', label: 'Referred to adjudication' },
  ],
  service_codes: [
    { code: 'ui-claim-status', label: 'UI claim status' },
    { code: 'weekly-claim-help', label: 'Weekly claim help' },
    { code: 'job-referral', label: 'Job referral' },
  ],
};

const BASE = { contactId: 'k-1', disposition: 'resolved', serviceCodes: [] as string[], notes: '' };

describe('checkWrapup', () => {
  it('builds the contact.wrapup body: codes in configured order, no repeats, blank notes left out', () => {
    expect(
      checkWrapup({ ...BASE, serviceCodes: ['job-referral', 'ui-claim-status', 'job-referral'] }, SETUP),
    ).toEqual({
      ok: true,
      body: {
        contact_id: 'k-1',
        disposition: 'resolved',
        service_codes: ['ui-claim-status', 'job-referral'],
      },
    });
    expect(checkWrapup({ ...BASE, notes: '   \n' }, SETUP)).toEqual({
      ok: true,
      body: { contact_id: 'k-1', disposition: 'resolved', service_codes: [] },
    });
    const withNotes = checkWrapup({ ...BASE, notes: ' Explained the 5 activities rule. ' }, SETUP);
    expect(withNotes.ok && withNotes.body.notes).toBe(' Explained the 5 activities rule. ');
  });

  it('requires a known disposition', () => {
    expect(checkWrapup({ ...BASE, disposition: '' }, SETUP)).toEqual({
      ok: false,
      errors: [{ field: 'disposition', message: 'Choose a disposition.' }],
    });
    const r = checkWrapup({ ...BASE, disposition: 'made-up' }, SETUP);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors[0]?.field).toBe('disposition');
  });

  it('refuses unknown service codes and notes over 4000 bytes of UTF-8, all at once', () => {
    const r = checkWrapup(
      { ...BASE, disposition: '', serviceCodes: ['nope'], notes: 'é'.repeat(2001) },
      SETUP,
    );
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors.map((e) => e.field)).toEqual(['disposition', 'service_codes', 'notes']);
    expect(!r.ok && r.errors[2]?.message).toContain('4002 of 4000');
  });

  it('counts notes in bytes as the server does', () => {
    expect(utf8Length('abc')).toBe(3);
    expect(utf8Length('señor')).toBe(6);
    expect(utf8Length('😀')).toBe(4);
    expect(checkWrapup({ ...BASE, notes: 'a'.repeat(MAX_NOTES_BYTES) }, SETUP).ok).toBe(true);
    expect(checkWrapup({ ...BASE, notes: 'a'.repeat(MAX_NOTES_BYTES + 1) }, SETUP).ok).toBe(false);
    expect(notesCounterText('año')).toBe('4 of 4000 used');
  });
});

describe('wrapupFieldOf', () => {
  it.each([
    ['disposition', 'disposition'],
    ['service_codes', 'service_codes'],
    ['service_codes[3]', 'service_codes'],
    ['notes', 'notes'],
    ['contact_id', null],
    [undefined, null],
  ] as const)('%s -> %s', (field, want) => {
    expect(wrapupFieldOf(field)).toBe(want);
  });
});
