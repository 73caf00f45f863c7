/** The wrap-up form's rules: what the agent must fill in, the contact.wrapup body, server errors. */
import type { ContactWrapup, StaffSetup } from '../proto/schema.gen';

export type WrapupField = 'disposition' | 'service_codes' | 'notes';

export interface WrapupInput {
  contactId: string;
  disposition: string;
  serviceCodes: readonly string[];
  notes: string;
}

export interface FieldError {
  field: WrapupField;
  message: string;
}

export type WrapupCheck = { ok: true; body: ContactWrapup } | { ok: false; errors: FieldError[] };

/** Limits of contact.wrapup in the schema. */
export const MAX_NOTES_BYTES = 4000;
export const MAX_SERVICE_CODES = 32;

const encoder = new TextEncoder();

/** Size of a string in UTF-8, as the server counts it. */
export function utf8Length(s: string): number {
  return encoder.encode(s).length;
}

/**
 * Checks the form and builds the request body: a known disposition is required; service codes are
 * optional, known, at most 32, sent in the configured order without repeats; notes are optional
 * (left out when blank) and at most 4000 bytes of UTF-8.
 */
export function checkWrapup(
  input: WrapupInput,
  setup: Pick<StaffSetup, 'dispositions' | 'service_codes'>,
): WrapupCheck {
  const errors: FieldError[] = [];
  if (input.disposition === '') {
    errors.push({ field: 'disposition', message: 'Choose a disposition.' });
  } else if (!setup.dispositions.some((d) => d.code === input.disposition)) {
    errors.push({
      field: 'disposition',
      message: 'This disposition is not offered any more. Choose another.',
    });
  }
  const chosen = new Set(input.serviceCodes);
  const known = setup.service_codes.map((c) => c.code);
  const unknown = [...chosen].filter((c) => !known.includes(c));
  if (unknown.length > 0) {
    errors.push({ field: 'service_codes', message: 'A chosen service code is not offered any more.' });
  } else if (chosen.size > MAX_SERVICE_CODES) {
    errors.push({ field: 'service_codes', message: `Choose at most ${MAX_SERVICE_CODES} service codes.` });
  }
  const bytes = utf8Length(input.notes);
  if (bytes > MAX_NOTES_BYTES) {
    errors.push({
      field: 'notes',
      message: `Notes are too long: ${bytes} of ${MAX_NOTES_BYTES} allowed (accented letters and symbols count 2 or more). Shorten them.`,
    });
  }
  if (errors.length > 0) return { ok: false, errors };
  const body: ContactWrapup = {
    contact_id: input.contactId,
    disposition: input.disposition,
    service_codes: known.filter((c) => chosen.has(c)),
  };
  if (input.notes.trim() !== '') body.notes = input.notes;
  return { ok: true, body };
}

/** The form field a server BAD_FIELD error names ("service_codes[2]" is the service codes). */
export function wrapupFieldOf(field: string | undefined): WrapupField | null {
  if (field === undefined) return null;
  if (field === 'disposition') return 'disposition';
  if (field === 'notes') return 'notes';
  if (/^service_codes(\[\d+\])?$/.test(field)) return 'service_codes';
  return null;
}

/** "Used 120 of 4000" under the notes. */
export function notesCounterText(notes: string): string {
  return `${utf8Length(notes)} of ${MAX_NOTES_BYTES} used`;
}
