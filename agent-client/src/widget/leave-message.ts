/**
 * The leave-a-message part of the pre-chat form: when the chosen topic's line is closed (or the
 * line asked the customer to leave a message), the form asks for the message and how the team can
 * answer, and its submit button sends `contact.message` instead of starting a chat. After the
 * message was taken, a confirmation with the reference replaces the form.
 */
import type { WidgetStrings } from './strings';
import { make } from './make';

export const MESSAGE_MAX_BYTES = 4000;
export const REPLY_TO_MAX_BYTES = 200;

export type MessageCheck =
  | { ok: true; text: string; replyTo?: string }
  | { ok: false; field: 'text' | 'reply_to'; why: 'required' | 'too-long' };

/** Checks the message fields (the name and claim reference are checked with the chat's rules). */
export function checkMessage(rawText: string, rawReplyTo: string): MessageCheck {
  const text = rawText.trim();
  const bytes = (s: string) => new TextEncoder().encode(s).length;
  if (text === '') return { ok: false, field: 'text', why: 'required' };
  if (bytes(text) > MESSAGE_MAX_BYTES) return { ok: false, field: 'text', why: 'too-long' };
  const replyTo = rawReplyTo.trim();
  if (bytes(replyTo) > REPLY_TO_MAX_BYTES) return { ok: false, field: 'reply_to', why: 'too-long' };
  return replyTo === '' ? { ok: true, text } : { ok: true, text, replyTo };
}

export class LeaveMessageFields {
  /** The fields, placed inside the pre-chat form. */
  readonly fields: HTMLDivElement;
  /** The confirmation, shown instead of the form once the message was taken. */
  readonly done: HTMLDivElement;
  readonly textInput: HTMLTextAreaElement;
  readonly replyInput: HTMLInputElement;
  readonly anotherButton: HTMLButtonElement;
  private readonly heading: HTMLParagraphElement;
  private readonly textLabel: HTMLLabelElement;
  private readonly textHint: HTMLParagraphElement;
  private readonly textError: HTMLParagraphElement;
  private readonly replyLabel: HTMLLabelElement;
  private readonly replyHint: HTMLParagraphElement;
  private readonly replyError: HTMLParagraphElement;
  private readonly doneText: HTMLParagraphElement;
  private reference = '';

  constructor() {
    this.fields = make('div', { id: 'sb-lm' }, 'leave-message');
    this.fields.hidden = true;
    this.heading = make('p', { id: 'sb-lm-heading' }, 'note note-important');
    const textField = make('div', {}, 'field');
    this.textLabel = make('label', { for: 'sb-lm-text' }, 'label');
    this.textInput = make(
      'textarea',
      {
        id: 'sb-lm-text',
        name: 'message',
        rows: '4',
        'aria-required': 'true',
        'aria-describedby': 'sb-lm-text-hint sb-lm-text-error',
      },
      'input textarea',
    );
    this.textHint = make('p', { id: 'sb-lm-text-hint' }, 'note');
    this.textError = make('p', { id: 'sb-lm-text-error' }, 'error');
    textField.append(this.textLabel, this.textHint, this.textInput, this.textError);
    const replyField = make('div', {}, 'field');
    this.replyLabel = make('label', { for: 'sb-lm-reply' }, 'label');
    this.replyInput = make(
      'input',
      {
        id: 'sb-lm-reply',
        name: 'reply_to',
        type: 'text',
        autocomplete: 'email',
        'aria-describedby': 'sb-lm-reply-hint sb-lm-reply-error',
      },
      'input',
    );
    this.replyHint = make('p', { id: 'sb-lm-reply-hint' }, 'note');
    this.replyError = make('p', { id: 'sb-lm-reply-error' }, 'error');
    replyField.append(this.replyLabel, this.replyHint, this.replyInput, this.replyError);
    this.fields.append(this.heading, textField, replyField);

    this.done = make('div', { id: 'sb-lm-done', tabindex: '-1' }, 'leave-message-done');
    this.done.hidden = true;
    this.doneText = make('p', { id: 'sb-lm-done-text', role: 'status' }, 'end-reason');
    this.anotherButton = make('button', { id: 'sb-lm-another', type: 'button' }, 'action');
    this.done.append(this.doneText, this.anotherButton);
    this.textInput.addEventListener('input', () => {
      this.setError('text', '');
    });
    this.replyInput.addEventListener('input', () => {
      this.setError('reply_to', '');
    });
  }

  /** Writes the words; shows the fields when `active` (and the form is not done). */
  render(t: WidgetStrings, active: boolean): void {
    this.heading.textContent = t.lmIntro;
    this.textLabel.textContent = t.lmTextLabel;
    this.textHint.textContent = t.lmTextHint;
    this.replyLabel.textContent = t.lmReplyLabel;
    this.replyHint.textContent = t.lmReplyHint;
    this.anotherButton.textContent = t.lmAnother;
    this.fields.hidden = !active || this.reference !== '';
    if (this.reference) this.doneText.textContent = t.lmSent(this.reference);
  }

  /** Whether the confirmation is showing. */
  isDone(): boolean {
    return this.reference !== '';
  }

  setError(field: 'text' | 'reply_to', text: string): void {
    const [input, error] =
      field === 'text' ? [this.textInput, this.textError] : [this.replyInput, this.replyError];
    if (error.textContent !== text) error.textContent = text;
    if (text) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  }

  /** The message was taken: the confirmation replaces the fields and takes the focus. */
  sent(t: WidgetStrings, reference: string): void {
    this.reference = reference;
    this.textInput.value = '';
    this.replyInput.value = '';
    this.doneText.textContent = t.lmSent(reference);
    this.fields.hidden = true;
    this.done.hidden = false;
    this.done.focus();
  }

  /** Back to an empty form (another message, or a chat). */
  reset(): void {
    this.reference = '';
    this.done.hidden = true;
    this.doneText.textContent = '';
    this.setError('text', '');
    this.setError('reply_to', '');
  }
}
