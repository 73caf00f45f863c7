/**
 * The "Verify identity" dialog: the agent records which of the agency's identity methods they
 * used. It says why identity is asked for, that the full SSN never is, and that the record is
 * audited; the chat desk sends chat.verify and the dialog shows a refusal next to the choice.
 */
import { actionFailure } from './chat-errors';
import { ModalDialog } from './dialog';
import { button, el, setParts, setText, type Part } from '../common/dom';
import { errorOf } from '../net/connection';

/** Records how the customer's identity was verified (audited). */
export class VerifyDialog {
  private readonly modal: ModalDialog;
  private readonly intro: HTMLElement;
  private readonly form: HTMLFormElement;
  private readonly method: HTMLSelectElement;
  private readonly error: HTMLElement;
  private readonly submit: HTMLButtonElement;
  private busy = false;
  private submitFn: ((method: string) => Promise<void>) | null = null;

  constructor(doc: Document) {
    this.modal = new ModalDialog('verify-dialog', 'Verify identity', doc);
    this.intro = el('p', { id: 'verify-intro' }, doc);
    const why = el(
      'p',
      {
        id: 'verify-why',
        className: 'muted',
        text: 'Confirm who the customer is before you discuss claim details: unemployment information is confidential. Ask for the items of one method and tell the customer why you ask. Never ask for the full Social Security number. Recording the verification is audited: your name, the time and the method are logged.',
      },
      doc,
    );
    this.form = el('form', { attrs: { novalidate: '' } }, doc);
    const field = el('div', { className: 'field' }, doc);
    const label = el('label', { text: 'How the identity was verified (required)' }, doc);
    this.method = el('select', { id: 'verify-method', attrs: { required: '' } }, doc);
    label.htmlFor = this.method.id;
    this.error = el('p', { id: 'verify-error', className: 'form-error', attrs: { role: 'alert' } }, doc);
    this.method.setAttribute('aria-describedby', `verify-why ${this.error.id}`);
    field.append(label, this.method);
    const buttons = el('div', { className: 'modal-buttons' }, doc);
    this.submit = button(
      { id: 'verify-submit', className: 'button', text: 'Record as verified', type: 'submit' },
      doc,
    );
    const cancel = button({ id: 'verify-cancel', className: 'button button-secondary', text: 'Cancel' }, doc);
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
    methods: readonly string[];
    /** The customer's name (isolated: it is theirs). */
    customer: Part;
    returnTo: HTMLElement;
    fallback: () => HTMLElement | null;
    submit: (method: string) => Promise<void>;
  }): void {
    const d = this.method.ownerDocument;
    this.submitFn = o.submit;
    setParts(this.intro, ['Customer: ', o.customer]);
    const placeholder = el('option', { text: 'Choose a method', attrs: { value: '' } }, d);
    this.method.replaceChildren(
      placeholder,
      ...o.methods.map((m) => el('option', { text: m, attrs: { value: m } }, d)),
    );
    setText(this.error, o.methods.length === 0 ? 'No identity methods are configured.' : '');
    this.method.removeAttribute('aria-invalid');
    this.modal.open({ returnTo: o.returnTo, focus: this.method, fallback: o.fallback });
  }

  private send(): void {
    const fn = this.submitFn;
    if (this.busy || !fn) return;
    const method = this.method.value;
    if (method === '') {
      setText(this.error, 'Choose how the identity was verified.');
      this.method.setAttribute('aria-invalid', 'true');
      this.method.focus();
      return;
    }
    this.busy = true;
    this.submit.setAttribute('aria-disabled', 'true');
    setText(this.submit, 'Recording…');
    fn(method)
      .then(
        () => {
          this.modal.close();
        },
        (e: unknown) => {
          setText(this.error, actionFailure('Could not record the verification', errorOf(e)));
        },
      )
      .finally(() => {
        this.busy = false;
        this.submit.removeAttribute('aria-disabled');
        setText(this.submit, 'Record as verified');
      });
  }
}
