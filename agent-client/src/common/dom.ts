/** Small DOM helpers. Everything that may come from a server or a user is set with textContent. */

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

/** A new element with a class and text. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  opts: { className?: string; text?: string } = {},
  doc: Document = document,
): HTMLElementTagNameMap[K] {
  const e = doc.createElement(tag);
  if (opts.className) e.className = opts.className;
  if (opts.text !== undefined) e.textContent = opts.text;
  return e;
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
