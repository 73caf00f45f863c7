/**
 * The "End and block" dialog: ends the chat and stops the customer from starting new ones, with a
 * required reason (audited). Cancel has the focus, as the safe choice; the chat desk sends
 * chat.block and the dialog shows a refusal next to the reason.
 */
import { actionFailure } from './chat-errors';
import { ModalDialog } from './dialog';
import { utf8Length } from '../chat/ids';
import { button, el, setParts, setText, type Part } from '../common/dom';
import { errorOf } from '../net/connection';

export const MAX_BLOCK_REASON_BYTES = 500;

/** Ends the chat and blocks the customer, with a required reason (audited). */
export class BlockDialog {
  private readonly modal: ModalDialog;
  private readonly intro: HTMLElement;
  private readonly form: HTMLFormElement;
  private readonly reason: HTMLTextAreaElement;
  private readonly error: HTMLElement;
  private readonly submit: HTMLButtonElement;
  private busy = false;
  private submitFn: ((reason: string) => Promise<void>) | null = null;

  constructor(doc: Document) {
    this.modal = new ModalDialog('block-dialog', 'End the chat and block this customer?', doc);
    this.intro = el('p', { id: 'block-intro' }, doc);
    const why = el(
      'p',
      {
        id: 'block-why',
        className: 'muted',
        text: 'This ends the chat now and stops this customer from starting new chats. Use it only for abusive behaviour, following your agency’s policy. It is audited: your name, the time and the reason are logged.',
      },
      doc,
    );
    this.form = el('form', { attrs: { novalidate: '' } }, doc);
    const field = el('div', { className: 'field' }, doc);
    const label = el('label', { text: 'Reason (required)' }, doc);
    this.reason = el('textarea', { id: 'block-reason', attrs: { rows: '3' } }, doc);
    label.htmlFor = this.reason.id;
    this.error = el('p', { id: 'block-error', className: 'form-error', attrs: { role: 'alert' } }, doc);
    this.reason.setAttribute('aria-describedby', `block-why ${this.error.id}`);
    field.append(label, this.reason);
    const buttons = el('div', { className: 'modal-buttons' }, doc);
    this.submit = button(
      { id: 'block-submit', className: 'button button-danger', text: 'End chat and block', type: 'submit' },
      doc,
    );
    const cancel = button({ id: 'block-cancel', className: 'button button-secondary', text: 'Cancel' }, doc);
    buttons.append(this.submit, cancel);
    this.form.append(field, this.error, buttons);
    this.modal.body.append(this.intro, why, this.form);
    cancel.addEventListener('click', () => {
      this.modal.close();
    });
    this.form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.send();
    });
  }

  show(o: {
    /** The customer's name (isolated: it is theirs). */
    customer: Part;
    returnTo: HTMLElement;
    fallback: () => HTMLElement | null;
    submit: (reason: string) => Promise<void>;
  }): void {
    this.submitFn = o.submit;
    setParts(this.intro, ['Customer: ', o.customer]);
    this.reason.value = '';
    this.reason.removeAttribute('aria-invalid');
    setText(this.error, '');
    // the safe choice has the focus
    this.modal.open({
      returnTo: o.returnTo,
      focus: this.form.querySelector<HTMLElement>('#block-cancel'),
      fallback: o.fallback,
    });
  }

  private send(): void {
    const fn = this.submitFn;
    if (this.busy || !fn) return;
    const reason = this.reason.value.trim();
    const fail = (msg: string): void => {
      setText(this.error, msg);
      this.reason.setAttribute('aria-invalid', 'true');
      this.reason.focus();
    };
    if (reason === '') {
      fail('Give the reason for blocking this customer.');
      return;
    }
    if (utf8Length(reason) > MAX_BLOCK_REASON_BYTES) {
      fail('The reason is too long (at most 500 bytes).');
      return;
    }
    setText(this.error, '');
    this.busy = true;
    this.submit.setAttribute('aria-disabled', 'true');
    setText(this.submit, 'Ending…');
    fn(reason)
      .then(
        () => {
          this.modal.close();
        },
        (e: unknown) => {
          setText(this.error, actionFailure('Could not block', errorOf(e)));
        },
      )
      .finally(() => {
        this.busy = false;
        this.submit.removeAttribute('aria-disabled');
        setText(this.submit, 'End chat and block');
      });
  }
}
