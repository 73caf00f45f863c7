/**
 * Canned responses (staff.setup's `canned`): the ones in a chat's language, searched by words, and
 * their placeholders {customer_name}, {agent_name}, {queue_name} filled in before the text goes
 * into the composer (where the agent can still change it).
 */
import type { Canned } from '../proto/schema.gen';

export interface PlaceholderValues {
  customer_name: string;
  agent_name: string;
  queue_name: string;
}

const PLACEHOLDER = /\{(customer_name|agent_name|queue_name)\}/g;

/**
 * Fills the known placeholders. One without a value stays as written, so the agent sees what to
 * complete; unknown braces are left alone. Values are inserted literally (no "$&" expansion).
 */
export function fillPlaceholders(text: string, values: PlaceholderValues): string {
  return text.replace(PLACEHOLDER, (whole, name: keyof PlaceholderValues) => {
    const v = values[name].trim();
    return v === '' ? whole : v;
  });
}

/** Placeholders still in a text (the ones that had no value). */
export function missingPlaceholders(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1] ?? ''))];
}

function primary(lang: string): string {
  return lang.split('-')[0]?.toLowerCase() ?? '';
}

/** The canned responses in the chat's language ("es" also serves "es-MX"), in configured order. */
export function cannedForLanguage(list: readonly Canned[], lang: string): Canned[] {
  const want = primary(lang);
  return list.filter((c) => primary(c.language) === want);
}

/** Lower case without accents, for matching what the agent types. */
export function foldText(s: string): string {
  return s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

/** The responses whose title or text holds every word of the query (accents and case ignored). */
export function searchCanned(list: readonly Canned[], query: string): Canned[] {
  const words = foldText(query).split(/\s+/).filter(Boolean);
  if (words.length === 0) return [...list];
  return list.filter((c) => {
    const hay = foldText(`${c.title} ${c.text}`);
    return words.every((w) => hay.includes(w));
  });
}

/** Inserts `insert` into `value` in place of the selection; returns the new value and caret. */
export function insertText(
  value: string,
  start: number,
  end: number,
  insert: string,
): { value: string; caret: number } {
  const a = Math.max(0, Math.min(start, value.length));
  const b = Math.max(a, Math.min(end, value.length));
  // a space between the inserted text and words around it
  const before = value.slice(0, a);
  const after = value.slice(b);
  const lead = before !== '' && !/\s$/.test(before) ? ' ' : '';
  const trail = after !== '' && !/^\s/.test(after) ? ' ' : '';
  const text = `${lead}${insert}${trail}`;
  return { value: before + text + after, caret: before.length + lead.length + insert.length };
}
