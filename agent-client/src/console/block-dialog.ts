/**
 * The "End and block" dialog: ends the chat and stops the customer from starting new ones, with a
 * required reason (audited). Cancel has the focus, as the safe choice; the chat desk sends
 * chat.block and the dialog shows a refusal next to the reason.
 */
import { actionFailure } from './chat-errors';
import { utf8Length } from '../chat/ids';
import { FormDialog } from '../common/dialog';
import { el, field, type Part } from '../common/dom';

export const MAX_BLOCK_REASON_BYTES = 500;

/** Ends the chat and blocks the customer, with a required reason (audited). */
export class BlockDialog {
  private readonly d: FormDialog;
  private readonly reason: HTMLTextAreaElement;
  private submitFn: ((reason: string) => Promise<void>) | null = null;

  constructor(doc: Document) {
    this.d = new FormDialog(
      {
        id: 'block-dialog',
        title: 'End the chat and block this customer?',
        prefix: 'block',
        intro: true,
        why: 'This ends the chat now and stops this customer from starting new chats. Use it only for abusive behaviour, following your agency’s policy. It is audited: your name, the time and the reason are logged.',
        submit: { text: 'End chat and block', busyText: 'Ending…', className: 'button button-danger' },
        send: () => this.send(),
        failed: (err) => actionFailure('Could not block', err),
      },
      doc,
    );
    this.reason = el('textarea', { id: 'block-reason', attrs: { rows: '3' } }, doc);
    this.d.describe(this.reason);
    this.d.addFields(field('Reason (required)', this.reason, {}, doc));
  }

  show(o: {
    /** The customer's name (isolated: it is theirs). */
    customer: Part;
    returnTo: HTMLElement;
    fallback: () => HTMLElement | null;
    submit: (reason: string) => Promise<void>;
  }): void {
    this.submitFn = o.submit;
    this.reason.value = '';
    // the safe choice has the focus
    this.d.open({
      returnTo: o.returnTo,
      focus: this.d.cancelButton,
      fallback: o.fallback,
      intro: ['Customer: ', o.customer],
    });
  }

  private send(): Promise<void> | null {
    const reason = this.reason.value.trim();
    if (reason === '') {
      this.d.refuse('Give the reason for blocking this customer.', this.reason);
      return null;
    }
    if (utf8Length(reason) > MAX_BLOCK_REASON_BYTES) {
      this.d.refuse('The reason is too long (at most 500 bytes).', this.reason);
      return null;
    }
    return this.submitFn?.(reason) ?? null;
  }
}
