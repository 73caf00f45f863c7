/**
 * The DOM helpers of all three apps: creating elements (el, button, choice), setting text only when
 * it changed, field errors and busy buttons, and rendering text someone else wrote (bidi isolation,
 * below). Everything that may come from a server or a user is set as text or attribute text, never
 * parsed as markup. There is no second helper module: a view that needs a new habit adds it here.
 */

/** The element with this id, of this type; throws when the page lacks it (a build mistake). */
export function byId<T extends HTMLElement>(
  id: string,
  type: abstract new () => T,
  root: ParentNode = document,
): T {
  const el = root instanceof Document ? root.getElementById(id) : root.querySelector(`#${id}`);
  if (!(el instanceof type)) throw new Error(`element #${id} missing or of the wrong type`);
  return el;
}

/**
 * What a new element starts with. Text is set as text and attributes as attribute text, never as
 * markup, so anything a server or a user sent can go in.
 */
export interface ElOptions {
  id?: string;
  className?: string;
  text?: string;
  /** Any other attributes (role, aria-*, for, type, name, tabindex, ...). */
  attrs?: Readonly<Record<string, string>>;
}

/** A new element: the one way both apps create one. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  opts: ElOptions = {},
  doc: Document = document,
): HTMLElementTagNameMap[K] {
  const e = doc.createElement(tag);
  if (opts.id !== undefined) e.id = opts.id;
  if (opts.className) e.className = opts.className;
  if (opts.attrs) for (const [k, v] of Object.entries(opts.attrs)) e.setAttribute(k, v);
  if (opts.text !== undefined) e.textContent = opts.text;
  return e;
}

/** A new <button>: type "button" unless asked for "submit", so that it never sends a form by chance. */
export function button(
  opts: ElOptions & { type?: 'button' | 'submit' } = {},
  doc: Document = document,
): HTMLButtonElement {
  const b = el('button', opts, doc);
  b.type = opts.type ?? 'button';
  return b;
}

/**
 * A form field in a `div.field`: the label (its `for` names the control; a string becomes a label
 * with that text), what goes between the label and the control (a hint to read first), the
 * control, then what follows it (a hint, an error line).
 */
export function field(
  label: string | HTMLLabelElement,
  control: HTMLElement,
  parts: { before?: readonly Node[]; after?: readonly Node[] } = {},
  doc: Document = document,
): HTMLDivElement {
  const l = typeof label === 'string' ? el('label', { text: label }, doc) : label;
  l.htmlFor = control.id;
  const box = el('div', { className: 'field' }, doc);
  box.append(l, ...(parts.before ?? []), control, ...(parts.after ?? []));
  return box;
}

/**
 * A radio button or checkbox followed by its label (the label's `for` names the input), in a
 * `div.choice` (both apps style that class; `className` replaces it).
 */
export function choice(
  input: HTMLInputElement,
  label: HTMLLabelElement,
  className = 'choice',
  doc: Document = document,
): HTMLDivElement {
  label.htmlFor = input.id;
  const row = el('div', { className }, doc);
  row.append(input, label);
  return row;
}

/** ws:// or wss:// URL of `path` on the page's own origin. */
export function sameOriginSocketUrl(
  path: string,
  loc: Pick<Location, 'protocol' | 'host'> = location,
): string {
  return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}${path}`;
}

/** Sets an element's text only when it changed (a live region then speaks only when there is news). */
export function setText(node: HTMLElement, text: string): void {
  if (node.textContent !== text) node.textContent = text;
}

/**
 * Whether a keydown in a message box sends the message: Enter alone (Shift+Enter adds a line; a
 * key that ends an input method's composition is not a send).
 */
export function isSendKey(ev: KeyboardEvent): boolean {
  return ev.key === 'Enter' && !ev.shiftKey && !ev.altKey && !ev.ctrlKey && !ev.metaKey && !ev.isComposing;
}

/** A <time>: its words and the moment they name (datetime), written only when the words changed. */
export function setTime(node: HTMLTimeElement, text: string, ms: number): void {
  if (node.textContent === text) return;
  node.textContent = text;
  node.dateTime = new Date(ms).toISOString();
}

/**
 * Shows what is wrong with a field in its error element (its role=alert, or the field's
 * aria-describedby, says it), and marks the field aria-invalid while there is something; '' clears
 * both.
 */
export function setFieldError(field: HTMLElement, error: HTMLElement, text: string): void {
  setText(error, text);
  if (text) field.setAttribute('aria-invalid', 'true');
  else field.removeAttribute('aria-invalid');
}

/**
 * A button while its request is under way: aria-disabled (unlike `disabled` it keeps the focus,
 * and the handler ignores presses meanwhile) and words that say so (`text`: "Sending…" while busy,
 * the usual words after).
 */
export function setBusy(b: HTMLElement, busy: boolean, text: string): void {
  if (busy) b.setAttribute('aria-disabled', 'true');
  else b.removeAttribute('aria-disabled');
  setText(b, text);
}

// ------------------------------------------------------------------------------------------------
// Text someone else wrote
//
// A customer's name, message, topic or claim reference, a colleague's name, a note: text that may
// be written right to left, or hold bidirectional controls (U+202E RIGHT-TO-LEFT OVERRIDE), which
// would otherwise reverse our own words next to it ("‮Pat, 5:21 AM" reads "Pat, MA 12:5"). Such
// text is always isolated: in the page, each piece goes in a <bdi> (or an element with dir="auto"),
// so the browser lays it out on its own; in plain text (the page title, a notification, a live
// region, an attribute, a transcript file) it is wrapped in U+2068 FIRST STRONG ISOLATE ... U+2069
// POP DIRECTIONAL ISOLATE. Sentences mixing our words and such text are built as parts.

/** A piece of text someone else wrote, inside a sentence of ours. */
export interface Foreign {
  readonly foreign: string;
}

/** Our own words (a string) or text someone else wrote (Foreign), in reading order. */
export type Part = string | Foreign;

export function foreign(text: string): Foreign {
  return { foreign: text };
}

const FSI = '\u2068';
const PDI = '\u2069';
const ISOLATE_OPENERS = /[\u2066\u2067\u2068]/;

/**
 * Characters that can move the text around them: right-to-left letters and digits (Hebrew, Arabic,
 * Syriac, Thaana, N'Ko, Samaritan, Mandaic and their presentation forms; the right-to-left scripts
 * outside the first plane) and the bidirectional marks, embeddings, overrides and isolates. Text
 * without any of them lays out left to right and needs no isolate in plain text.
 */
const BIDI_SENSITIVE =
  /[\u0590-\u08FF\u061C\u200F\u202A-\u202E\u2066-\u2069\uFB1D-\uFDFF\uFE70-\uFEFC]|[\u{10800}-\u{10FFF}\u{1E800}-\u{1EFFF}]/u;

/**
 * `text` with its directional isolates balanced: a U+2069 that closes nothing opened in the text is
 * dropped (it would close the isolate around the text, and let the rest out), and isolates the text
 * opens but never closes are closed at its end. Embeddings and overrides (U+202A to U+202E) need
 * nothing: the end of the isolate around the text ends them.
 */
export function balanceIsolates(text: string): string {
  if (!/[\u2066-\u2069]/.test(text)) return text;
  let depth = 0;
  let out = '';
  for (const ch of text) {
    if (ISOLATE_OPENERS.test(ch)) depth++;
    else if (ch === PDI) {
      if (depth === 0) continue;
      depth--;
    }
    out += ch;
  }
  return out + PDI.repeat(depth);
}

/**
 * `text` for a plain-text context, isolated from the words around it: wrapped in U+2068 ... U+2069
 * when it holds right-to-left letters or bidirectional controls; otherwise as it is (a transcript
 * or a title in Latin letters stays free of invisible characters).
 */
export function isolate(text: string): string {
  return BIDI_SENSITIVE.test(text) ? `${FSI}${balanceIsolates(text)}${PDI}` : text;
}

/** A sentence as plain text: our words as they are, the rest isolated. */
export function plainText(parts: readonly Part[]): string {
  return parts.map((p) => (typeof p === 'string' ? p : isolate(p.foreign))).join('');
}

const SLOT = /\uE000(\d+)\uE001/g;

/**
 * The parts of a sentence from one of our templates and the text it embeds:
 * `sentence(t.connectedWith, agentName)` → ['Connected with ', foreign(agentName)]. The template
 * is called with markers in place of the values, so translations keep whole sentences.
 */
export function sentence<A extends string[]>(template: (...args: A) => string, ...values: A): Part[] {
  const marked = template(...(values.map((_, i) => `\uE000${String(i)}\uE001`) as A));
  const parts: Part[] = [];
  let at = 0;
  for (const m of marked.matchAll(SLOT)) {
    if (m.index > at) parts.push(marked.slice(at, m.index));
    parts.push(foreign(values[Number(m[1])] ?? ''));
    at = m.index + m[0].length;
  }
  if (at < marked.length) parts.push(marked.slice(at));
  return parts;
}

/** A <bdi> holding text someone else wrote. */
export function bdi(text: string, doc: Document = document): HTMLElement {
  const b = doc.createElement('bdi');
  b.textContent = balanceIsolates(text);
  return b;
}

const shownParts = new WeakMap<Node, string>();

/**
 * Sets a sentence as the content of `node`: our words as text, each foreign part in a <bdi>. Only
 * when it changed (a live region then speaks only when there is news).
 */
export function setParts(node: HTMLElement, parts: readonly Part[]): void {
  const key = JSON.stringify(parts);
  const text = parts.map((p) => (typeof p === 'string' ? p : balanceIsolates(p.foreign))).join('');
  if (shownParts.get(node) === key && node.textContent === text) return;
  shownParts.set(node, key);
  const doc = node.ownerDocument;
  node.replaceChildren(...parts.map((p) => (typeof p === 'string' ? p : bdi(p.foreign, doc))));
}

/**
 * Sets text someone else wrote as the whole content of `node`, which gets dir="auto": the text
 * takes the direction of its first strong letter and is isolated from what is around the element.
 */
export function setForeignText(node: HTMLElement, text: string): void {
  if (node.dir !== 'auto') node.dir = 'auto';
  setText(node, balanceIsolates(text));
}
