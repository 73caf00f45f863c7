/**
 * Printing only the chat transcript from a page the widget does not own.
 *
 * The widget's own stylesheet shows only the transcript when printing (@media print). The host
 * page's content is hidden for the printout by marking every element beside the widget's path to
 * <body> and adopting, on the document, a stylesheet that hides marked elements in print only. A
 * constructable stylesheet needs no <style> element (the page's CSP may forbid those), and it has
 * no effect on screen; the marks go away after printing.
 */
export const PRINT_ATTR = 'data-sb-print-hide';

const PRINT_CSS = `@media print { [${PRINT_ATTR}] { display: none !important; } }`;

let sheet: CSSStyleSheet | null = null;

/** Marks the host page's elements beside the path from `host` to <body>; returns the undo. */
export function hideAllBut(host: Element): () => void {
  const marked: Element[] = [];
  const body = host.ownerDocument.body;
  let node: Element = host;
  for (;;) {
    const parent = node.parentElement;
    if (node === body || !parent) break;
    for (const sib of parent.children) {
      if (sib !== node && !sib.hasAttribute(PRINT_ATTR)) {
        sib.setAttribute(PRINT_ATTR, '');
        marked.push(sib);
      }
    }
    node = parent;
  }
  return () => {
    for (const m of marked) m.removeAttribute(PRINT_ATTR);
  };
}

/** Prints the transcript only: call from a click. */
export function printTranscript(host: HTMLElement, win: Window = window): void {
  const doc = host.ownerDocument;
  const undo = hideAllBut(host);
  let added = false;
  try {
    sheet ??= new CSSStyleSheet();
    sheet.replaceSync(PRINT_CSS);
    if (!doc.adoptedStyleSheets.includes(sheet)) {
      doc.adoptedStyleSheets = [...doc.adoptedStyleSheets, sheet];
      added = true;
    }
  } catch {
    // no constructable stylesheets: the page prints too, the transcript still shows
  }
  const s = sheet;
  const cleanup = (): void => {
    win.removeEventListener('afterprint', cleanup);
    undo();
    if (added && s) doc.adoptedStyleSheets = doc.adoptedStyleSheets.filter((x) => x !== s);
    host.removeAttribute('data-printing');
  };
  host.setAttribute('data-printing', '');
  win.addEventListener('afterprint', cleanup);
  try {
    win.print();
  } catch {
    cleanup();
  }
}
