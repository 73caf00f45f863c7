/**
 * The "Verify identity" dialog: the agent records which of the agency's identity methods they
 * used. It says why identity is asked for, that the full SSN never is, and that the record is
 * audited; the chat desk sends chat.verify and the dialog shows a refusal next to the choice.
 */
import { actionFailure } from './chat-errors';
import { FormDialog } from '../common/dialog';
import { el, field, type Part } from '../common/dom';

/** Records how the customer's identity was verified (audited). */
export class VerifyDialog {
  private readonly d: FormDialog;
  private readonly method: HTMLSelectElement;
  private submitFn: ((method: string) => Promise<void>) | null = null;

  constructor(doc: Document) {
    this.d = new FormDialog(
      {
        id: 'verify-dialog',
        title: 'Verify identity',
        prefix: 'verify',
        intro: true,
        why: 'Confirm who the customer is before you discuss claim details: unemployment information is confidential. Ask for the items of one method and tell the customer why you ask. Never ask for the full Social Security number. Recording the verification is audited: your name, the time and the method are logged.',
        submit: { text: 'Record as verified', busyText: 'Recording…' },
        send: () => this.send(),
        failed: (err) => actionFailure('Could not record the verification', err),
      },
      doc,
    );
    this.method = el('select', { id: 'verify-method', attrs: { required: '' } }, doc);
    this.d.describe(this.method);
    this.d.addFields(field('How the identity was verified (required)', this.method, {}, doc));
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
    this.method.replaceChildren(
      el('option', { text: 'Choose a method', attrs: { value: '' } }, d),
      ...o.methods.map((m) => el('option', { text: m, attrs: { value: m } }, d)),
    );
    this.d.open({
      returnTo: o.returnTo,
      focus: this.method,
      fallback: o.fallback,
      intro: ['Customer: ', o.customer],
      error: o.methods.length === 0 ? 'No identity methods are configured.' : '',
    });
  }

  private send(): Promise<void> | null {
    const method = this.method.value;
    if (method === '') {
      this.d.refuse('Choose how the identity was verified.', this.method);
      return null;
    }
    return this.submitFn?.(method) ?? null;
  }
}
