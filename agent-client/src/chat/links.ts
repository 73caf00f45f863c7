/**
 * Which parts of a chat message become links.
 *
 * Only addresses written by the agency's staff (agent or supervisor) that start with https:// become
 * clickable, and the link shows the full address as written (no hidden target). Everything a
 * customer writes, every system text and every other scheme (http:, javascript:, data:, mailto:)
 * stays text. Addresses with a user name or password ("https://bank.gov@evil.example") or with
 * bidirectional control characters (which can make an address read differently from where it goes)
 * stay text too. Nothing is ever parsed as HTML: the caller builds text nodes and <a> elements.
 */
import { isStaffRole, type ChatRole } from './types';
import { balanceIsolates, el } from '../common/dom';

export type Segment = { type: 'text'; text: string } | { type: 'link'; text: string; href: string };

const CANDIDATE = /https:\/\/[^\s<>"]+/gi;
const BIDI = /[\u200E\u200F\u202A-\u202E\u2066-\u2069]/;
const TRAILING = /[.,;:!?'’”»]+$/;
const CLOSERS: Readonly<Record<string, string>> = { ')': '(', ']': '[', '}': '{' };

/** Cuts sentence punctuation and unbalanced closing brackets off the end of an address. */
export function trimAddress(s: string): string {
  let out = s;
  for (;;) {
    const before = out;
    out = out.replace(TRAILING, '');
    const last = out.charAt(out.length - 1);
    const opener = CLOSERS[last];
    if (opener !== undefined) {
      const opens = out.split(opener).length - 1;
      const closes = out.split(last).length - 1;
      if (closes > opens) out = out.slice(0, -1);
    }
    if (out === before) return out;
  }
}

/** The URL for an address that may be a link, or null when it must stay text. */
export function safeHttpsUrl(address: string): string | null {
  if (!/^https:\/\//i.test(address) || BIDI.test(address)) return null;
  let u: URL;
  try {
    u = new URL(address);
  } catch {
    return null;
  }
  if (u.protocol !== 'https:' || u.hostname === '' || u.username !== '' || u.password !== '') return null;
  return u.href;
}

/** Splits a message into text and links, following the rules above. */
export function linkify(text: string, from: ChatRole): Segment[] {
  if (!isStaffRole(from)) return text === '' ? [] : [{ type: 'text', text }];
  const out: Segment[] = [];
  let at = 0;
  const pushText = (t: string): void => {
    if (t === '') return;
    const prev = out[out.length - 1];
    if (prev?.type === 'text') prev.text += t;
    else out.push({ type: 'text', text: t });
  };
  for (const m of text.matchAll(CANDIDATE)) {
    const start = m.index;
    const address = trimAddress(m[0]);
    const href = safeHttpsUrl(address);
    pushText(text.slice(at, start));
    if (href !== null && address.length > 'https://'.length) {
      out.push({ type: 'link', text: address, href });
    } else {
      pushText(address);
    }
    at = start + address.length;
  }
  pushText(text.slice(at));
  return out;
}

/**
 * Appends a message's text to `parent`: text nodes, and for links an <a> that opens in a new tab
 * without giving the new page a handle on this one, with a hidden note saying so.
 */
export function appendMessageText(
  parent: HTMLElement,
  text: string,
  from: ChatRole,
  newTabNote: string,
  doc: Document = parent.ownerDocument,
): void {
  for (const seg of linkify(text, from)) {
    if (seg.type === 'text') {
      parent.append(doc.createTextNode(seg.text));
      continue;
    }
    const a = el(
      'a',
      { text: seg.text, attrs: { href: seg.href, target: '_blank', rel: 'noopener noreferrer' } },
      doc,
    );
    a.append(el('span', { className: 'visually-hidden', text: ` (${newTabNote})` }, doc));
    parent.append(a);
  }
}

/**
 * Shows a message's text as the whole content of `body`: it takes its own direction (dir=auto)
 * and stays apart from the rest of the page (the isolates it carries balanced), its links made as
 * appendMessageText makes them.
 */
export function showMessageText(
  body: HTMLElement,
  text: string,
  from: ChatRole,
  newTabNote: string,
  doc: Document = body.ownerDocument,
): void {
  body.dir = 'auto';
  body.replaceChildren();
  appendMessageText(body, balanceIsolates(text), from, newTabNote, doc);
}
