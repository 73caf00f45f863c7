/**
 * Modal dialogs of the staff apps, and the scaffold every form dialog is built on.
 *
 * ModalDialog: a native <dialog> opened with showModal() (the rest of the page is inert), labelled
 * by its heading, aria-modal. The focus moves into it, Tab and Shift+Tab wrap around inside it,
 * Escape closes it, and closing returns the focus to the control that opened it (or, when that is
 * gone, to a fallback the caller names).
 *
 * FormDialog: a ModalDialog holding an optional line about whom it concerns, an optional "why"
 * paragraph, and a form: the caller's fields, an error line (role=alert) and the buttons (submit,
 * Cancel). On submit it clears the marks of the last refusal, lets the caller check the fields
 * (refuse() says what is wrong next to nothing but the alert, marks the field aria-invalid and
 * focuses it), then shows the submit button busy while the request runs: success closes the
 * dialog, a failure is said in the alert and the dialog stays open. A dialog of a later issue
 * (supervisor actions, call controls, review forms) is its fields and a send function.
 */
import { button, el, setBusy, setFieldError, setParts, setText, type Part } from './dom';
import { errorOf, type RequestError } from '../net/connection';

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

/** Where the focus goes when a dialog opens, and where it returns when it closes. */
export interface OpenOptions {
  /** Gets the focus back on close (the button that opened the dialog). */
  returnTo: HTMLElement | null;
  /** Takes the focus on open; default: the first Tab stop, else the heading. */
  focus?: HTMLElement | null;
  /** Gets the focus on close when `returnTo` is gone or hidden by then (its chat closed, say). */
  fallback?: () => HTMLElement | null;
  /** Runs on close, before the focus moves. */
  onClose?: () => void;
}

export class ModalDialog {
  readonly dialog: HTMLDialogElement;
  readonly heading: HTMLHeadingElement;
  readonly body: HTMLDivElement;
  private returnTo: HTMLElement | null = null;
  private fallback: (() => HTMLElement | null) | null = null;
  private onClose: (() => void) | null = null;

  /** The dialog `id`, its heading `${id}-title`. Nothing is in the page until the first open(). */
  constructor(id: string, title: string, doc: Document = document) {
    this.dialog = el(
      'dialog',
      { id, className: 'modal', attrs: { 'aria-modal': 'true', 'aria-labelledby': `${id}-title` } },
      doc,
    );
    this.heading = el('h2', { id: `${id}-title`, className: 'modal-title', text: title }, doc);
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

  /** A "Cancel" button (secondary) that closes the dialog; the caller places it. */
  cancelButton(id: string): HTMLButtonElement {
    const b = button({ id, className: 'button button-secondary', text: 'Cancel' }, this.dialog.ownerDocument);
    b.addEventListener('click', () => {
      this.close();
    });
    return b;
  }

  /** Opens the dialog (placed at the end of the page's body the first time) and moves the focus in. */
  open(o: OpenOptions): void {
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

export interface FormDialogOptions {
  /** The dialog's id (its heading is `${id}-title`). */
  id: string;
  title: string;
  /** Starts the ids inside: `${prefix}-intro`, `-why`, `-error`, `-submit`, `-cancel`. */
  prefix: string;
  /** A line above the rest saying whom or what the dialog concerns (filled by open()). */
  intro?: boolean;
  /** Why the dialog asks (shown under the intro; fields name it with describe()). */
  why?: string;
  /** The submit button: its words, its words while the request runs, its class. */
  submit: { text: string; busyText: string; className?: string };
  /**
   * Checks the fields and sends: a promise of the request, or null when a field is wrong (after
   * saying so with refuse()). Called only while no request of the dialog runs.
   */
  send: () => Promise<unknown> | null;
  /** What to say in the alert when the request failed (the dialog stays open). */
  failed: (err: RequestError) => string;
}

export class FormDialog {
  readonly modal: ModalDialog;
  readonly form: HTMLFormElement;
  /** The line about whom the dialog concerns (with `intro`). */
  readonly intro: HTMLElement | null;
  /** The paragraph saying why the dialog asks (with `why`). */
  readonly why: HTMLElement | null;
  /** Refusals, said at once (role=alert). */
  readonly error: HTMLElement;
  readonly submitButton: HTMLButtonElement;
  readonly cancelButton: HTMLButtonElement;
  private readonly o: FormDialogOptions;
  private busy = false;

  constructor(o: FormDialogOptions, doc: Document = document) {
    this.o = o;
    this.modal = new ModalDialog(o.id, o.title, doc);
    this.intro = o.intro ? el('p', { id: `${o.prefix}-intro` }, doc) : null;
    this.why =
      o.why !== undefined ? el('p', { id: `${o.prefix}-why`, className: 'muted', text: o.why }, doc) : null;
    this.form = el('form', { attrs: { novalidate: '' } }, doc);
    this.error = el('p', { id: `${o.prefix}-error`, className: 'form-error', attrs: { role: 'alert' } }, doc);
    this.submitButton = button(
      {
        id: `${o.prefix}-submit`,
        className: o.submit.className ?? 'button',
        text: o.submit.text,
        type: 'submit',
      },
      doc,
    );
    this.cancelButton = this.modal.cancelButton(`${o.prefix}-cancel`);
    const buttons = el('div', { className: 'modal-buttons' }, doc);
    buttons.append(this.submitButton, this.cancelButton);
    this.form.append(this.error, buttons);
    for (const p of [this.intro, this.why, this.form]) if (p) this.modal.body.append(p);
    this.form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.submit();
    });
  }

  get isOpen(): boolean {
    return this.modal.isOpen;
  }

  /** Adds fields to the form, in order, above the error line and the buttons. */
  addFields(...nodes: Node[]): void {
    this.error.before(...nodes);
  }

  /** Describes a field by the "why" paragraph (when there is one), `ids`, then the error line. */
  describe(field: HTMLElement, ...ids: string[]): void {
    const all = [...(this.why ? [this.why.id] : []), ...ids, this.error.id];
    field.setAttribute('aria-describedby', all.join(' '));
  }

  /**
   * Opens the dialog with no error and no field marked invalid (`error` shows one from the start),
   * the intro line set to `intro`.
   */
  open(o: OpenOptions & { intro?: readonly Part[]; error?: string }): void {
    this.clearMarks();
    setText(this.error, o.error ?? '');
    if (this.intro && o.intro) setParts(this.intro, o.intro);
    this.modal.open(o);
  }

  close(): void {
    this.modal.close();
  }

  /** A field is wrong: the alert says why, the field is marked aria-invalid and takes the focus. */
  refuse(text: string, field: HTMLElement): void {
    setFieldError(field, this.error, text);
    field.focus();
  }

  /** Says something in the alert line (a refusal that is about no single field). */
  say(text: string): void {
    setText(this.error, text);
  }

  private clearMarks(): void {
    for (const f of this.form.querySelectorAll('[aria-invalid]')) f.removeAttribute('aria-invalid');
  }

  private submit(): void {
    if (this.busy) return;
    this.clearMarks();
    const request = this.o.send();
    if (!request) return;
    setText(this.error, '');
    this.busy = true;
    setBusy(this.submitButton, true, this.o.submit.busyText);
    request
      .then(
        () => {
          this.modal.close();
        },
        (e: unknown) => {
          setText(this.error, this.o.failed(errorOf(e)));
        },
      )
      .finally(() => {
        this.busy = false;
        setBusy(this.submitButton, false, this.o.submit.text);
      });
  }
}
