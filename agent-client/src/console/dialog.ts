/**
 * Modal dialogs of the console: a native <dialog> opened with showModal() (the rest of the page is
 * inert), labelled by its heading, aria-modal. The focus moves into it, Tab and Shift+Tab wrap
 * around inside it, Escape closes it, and closing returns the focus to the control that opened it
 * (or, when that is gone, to a fallback the caller names).
 */
import { el } from '../common/dom';

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/** The elements Tab stops at inside `root`, in order (hidden ones left out). */
export function tabStops(root: HTMLElement): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((e) => {
    if (e.closest('[hidden]')) return false;
    if (e instanceof HTMLInputElement && e.type === 'radio' && !e.checked) {
      // a radio group is one stop: the checked one, or the first when none is
      const group = e.name
        ? [...root.querySelectorAll<HTMLInputElement>(`input[type="radio"][name="${CSS.escape(e.name)}"]`)]
        : [e];
      const usable = group.filter((r) => !r.disabled && !r.closest('[hidden]'));
      return !usable.some((r) => r.checked) && usable[0] === e;
    }
    return true;
  });
}

export class ModalDialog {
  readonly dialog: HTMLDialogElement;
  readonly heading: HTMLHeadingElement;
  readonly body: HTMLDivElement;
  private returnTo: HTMLElement | null = null;
  private fallback: (() => HTMLElement | null) | null = null;
  private onClose: (() => void) | null = null;

  constructor(id: string, title: string, doc: Document = document) {
    this.dialog = el('dialog', { id, className: 'modal', attrs: { 'aria-modal': 'true' } }, doc);
    this.heading = el('h2', { id: `${id}-title`, className: 'modal-title', text: title }, doc);
    this.dialog.setAttribute('aria-labelledby', this.heading.id);
    this.body = el('div', { className: 'modal-body' }, doc);
    this.dialog.append(this.heading, this.body);
    this.dialog.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape') {
        ev.preventDefault();
        ev.stopPropagation();
        this.close();
        return;
      }
      if (ev.key !== 'Tab') return;
      const stops = tabStops(this.dialog);
      const first = stops[0];
      const last = stops[stops.length - 1];
      if (!first || !last) {
        ev.preventDefault();
        return;
      }
      const active = doc.activeElement;
      if (ev.shiftKey && (active === first || !this.dialog.contains(active))) {
        ev.preventDefault();
        last.focus();
      } else if (!ev.shiftKey && (active === last || !this.dialog.contains(active))) {
        ev.preventDefault();
        first.focus();
      }
    });
    // the browser's own Escape handling (and form method=dialog) end here too
    this.dialog.addEventListener('cancel', (ev) => {
      ev.preventDefault();
      this.close();
    });
  }

  get isOpen(): boolean {
    return this.dialog.open;
  }

  /**
   * Opens the dialog. `returnTo` gets the focus back on close; `fallback` names another place when
   * `returnTo` is gone by then (its chat closed, say).
   */
  open(o: {
    returnTo: HTMLElement | null;
    focus?: HTMLElement | null;
    fallback?: () => HTMLElement | null;
    onClose?: () => void;
  }): void {
    if (!this.dialog.isConnected) this.dialog.ownerDocument.body.append(this.dialog);
    this.returnTo = o.returnTo;
    this.fallback = o.fallback ?? null;
    this.onClose = o.onClose ?? null;
    if (!this.dialog.open) {
      try {
        this.dialog.showModal();
      } catch {
        this.dialog.setAttribute('open', '');
      }
    }
    const target = o.focus ?? tabStops(this.dialog)[0] ?? this.heading;
    if (target === this.heading) this.heading.tabIndex = -1;
    target.focus();
  }

  close(): void {
    if (!this.dialog.open) return;
    this.dialog.close();
    const cb = this.onClose;
    this.onClose = null;
    cb?.();
    const back =
      this.returnTo?.isConnected && !this.returnTo.closest('[hidden]') ? this.returnTo : this.fallback?.();
    this.returnTo = null;
    this.fallback = null;
    back?.focus();
  }
}
