/**
 * The leave-a-message part of the pre-chat form: when the chosen topic's line is closed (or the
 * line asked the customer to leave a message), the form asks for the message and how the team can
 * answer, and its submit button sends `contact.message` instead of starting a chat. When the line
 * asked for a call back instead (contact.status reason `callback`), the same fields ask first for
 * the phone number to call (required) and then what the call is about, and the request goes with
 * `callback: true`. After it was taken, a confirmation with the reference replaces the form.
 */
import type { WidgetStrings } from './strings';
import { button, el, field, sentence, setFieldError, setParts } from '../common/dom';

export const MESSAGE_MAX_BYTES = 4000;
export const REPLY_TO_MAX_BYTES = 200;

/** What the form leaves: a message, or a request to be called back. */
export type MessageKind = 'message' | 'callback';

export type MessageCheck =
  | { ok: true; text: string; replyTo?: string }
  | { ok: false; field: 'text' | 'reply_to'; why: 'required' | 'too-long' | 'not-phone' };

/**
 * Whether a customer can be called on this: 7 to 15 digits (E.164 allows 15), with the spaces,
 * dashes, dots and brackets people write, and a leading +. The server checks the same rule.
 */
export function isPhoneNumber(s: string): boolean {
  if (!/^\+?[0-9 ().-]+$/.test(s)) return false;
  const digits = s.replace(/[^0-9]/g, '').length;
  return digits >= 7 && digits <= 15;
}

type FieldCheck = { ok: true; value: string } | { ok: false; why: 'required' | 'too-long' | 'not-phone' };

const bytes = (s: string): number => new TextEncoder().encode(s).length;

/** The message: required, at most 4000 bytes. */
export function checkText(raw: string): FieldCheck {
  const text = raw.trim();
  if (text === '') return { ok: false, why: 'required' };
  if (bytes(text) > MESSAGE_MAX_BYTES) return { ok: false, why: 'too-long' };
  return { ok: true, value: text };
}

/** How to answer: optional for a message; for a call back, required and a phone number. */
export function checkReplyTo(raw: string, kind: MessageKind = 'message'): FieldCheck {
  const replyTo = raw.trim();
  if (kind === 'callback') {
    if (replyTo === '') return { ok: false, why: 'required' };
    if (!isPhoneNumber(replyTo)) return { ok: false, why: 'not-phone' };
  }
  if (bytes(replyTo) > REPLY_TO_MAX_BYTES) return { ok: false, why: 'too-long' };
  return { ok: true, value: replyTo };
}

/**
 * Checks the message fields (the name and claim reference are checked with the chat's rules);
 * the first problem in the order the form shows them (for a call back, the number first).
 */
export function checkMessage(
  rawText: string,
  rawReplyTo: string,
  kind: MessageKind = 'message',
): MessageCheck {
  const text = checkText(rawText);
  const reply = checkReplyTo(rawReplyTo, kind);
  const textBad = text.ok ? null : ({ ok: false, field: 'text', why: text.why } as const);
  const replyBad = reply.ok ? null : ({ ok: false, field: 'reply_to', why: reply.why } as const);
  const bad = kind === 'callback' ? (replyBad ?? textBad) : (textBad ?? replyBad);
  if (bad) return bad;
  const t = text.ok ? text.value : '';
  const r = reply.ok ? reply.value : '';
  return r === '' ? { ok: true, text: t } : { ok: true, text: t, replyTo: r };
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
  private readonly textField: HTMLDivElement;
  private readonly replyField: HTMLDivElement;
  private reference = '';
  /** The number a call back was asked for (shown in the confirmation). */
  private phone = '';
  private kind: MessageKind = 'message';

  constructor() {
    this.fields = el('div', { id: 'sb-lm', className: 'leave-message' });
    this.fields.hidden = true;
    this.heading = el('p', { id: 'sb-lm-heading', className: 'note note-important' });
    this.textLabel = el('label', { className: 'label' });
    this.textInput = el('textarea', {
      id: 'sb-lm-text',
      className: 'input textarea',
      attrs: {
        name: 'message',
        rows: '4',
        'aria-required': 'true',
        'aria-describedby': 'sb-lm-text-hint sb-lm-text-error',
      },
    });
    this.textHint = el('p', { id: 'sb-lm-text-hint', className: 'note' });
    this.textError = el('p', { id: 'sb-lm-text-error', className: 'error' });
    this.textField = field(this.textLabel, this.textInput, {
      before: [this.textHint],
      after: [this.textError],
    });
    this.replyLabel = el('label', { className: 'label' });
    this.replyInput = el('input', {
      id: 'sb-lm-reply',
      className: 'input',
      attrs: {
        name: 'reply_to',
        type: 'text',
        autocomplete: 'email',
        'aria-describedby': 'sb-lm-reply-hint sb-lm-reply-error',
      },
    });
    this.replyHint = el('p', { id: 'sb-lm-reply-hint', className: 'note' });
    this.replyError = el('p', { id: 'sb-lm-reply-error', className: 'error' });
    this.replyField = field(this.replyLabel, this.replyInput, {
      before: [this.replyHint],
      after: [this.replyError],
    });
    this.fields.append(this.heading, this.textField, this.replyField);

    this.done = el('div', { id: 'sb-lm-done', className: 'leave-message-done', attrs: { tabindex: '-1' } });
    this.done.hidden = true;
    this.doneText = el('p', { id: 'sb-lm-done-text', className: 'end-reason', attrs: { role: 'status' } });
    this.anotherButton = button({ id: 'sb-lm-another', className: 'action' });
    this.done.append(this.doneText, this.anotherButton);
    this.textInput.addEventListener('input', () => {
      this.setError('text', '');
    });
    this.replyInput.addEventListener('input', () => {
      this.setError('reply_to', '');
    });
  }

  /**
   * Writes the words for a message or a call back; shows the fields when `active` (and the form is
   * not done). For a call back the phone number comes first and is required.
   */
  render(t: WidgetStrings, active: boolean, kind: MessageKind = 'message'): void {
    const cb = kind === 'callback';
    this.heading.textContent = cb ? t.cbIntro : t.lmIntro;
    this.textLabel.textContent = cb ? t.cbTextLabel : t.lmTextLabel;
    this.textHint.textContent = cb ? t.cbTextHint : t.lmTextHint;
    this.replyLabel.textContent = cb ? t.cbPhoneLabel : t.lmReplyLabel;
    this.replyHint.textContent = cb ? t.cbPhoneHint : t.lmReplyHint;
    this.anotherButton.textContent = t.lmAnother;
    if (kind !== this.kind) {
      this.kind = kind;
      const r = this.replyInput;
      r.type = cb ? 'tel' : 'text';
      r.autocomplete = cb ? 'tel' : 'email';
      if (cb) {
        r.inputMode = 'tel';
        r.setAttribute('aria-required', 'true');
        this.fields.append(this.heading, this.replyField, this.textField);
      } else {
        r.removeAttribute('inputmode');
        r.removeAttribute('aria-required');
        this.fields.append(this.heading, this.textField, this.replyField);
      }
    }
    this.fields.dataset.kind = kind;
    this.fields.hidden = !active || this.reference !== '';
    if (this.reference) this.renderDone(t);
  }

  /** The field to focus first for this kind: the number for a call back, else the message. */
  firstInput(): HTMLElement {
    return this.kind === 'callback' ? this.replyInput : this.textInput;
  }

  private renderDone(t: WidgetStrings): void {
    // the number is the customer's own writing: isolated in our sentence
    setParts(
      this.doneText,
      this.phone !== '' ? sentence(t.cbSent, this.reference, this.phone) : [t.lmSent(this.reference)],
    );
  }

  /** Whether the confirmation is showing. */
  isDone(): boolean {
    return this.reference !== '';
  }

  setError(field: 'text' | 'reply_to', text: string): void {
    const [input, error] =
      field === 'text' ? [this.textInput, this.textError] : [this.replyInput, this.replyError];
    setFieldError(input, error, text);
  }

  /**
   * The message (or, with `phone`, the request to be called back at that number) was taken: the
   * confirmation replaces the fields and takes the focus.
   */
  sent(t: WidgetStrings, reference: string, phone = ''): void {
    this.reference = reference;
    this.phone = phone;
    this.textInput.value = '';
    this.replyInput.value = '';
    this.renderDone(t);
    this.fields.hidden = true;
    this.done.hidden = false;
    this.done.focus();
  }

  /** Back to an empty form (another message, or a chat). */
  reset(): void {
    this.reference = '';
    this.phone = '';
    this.done.hidden = true;
    setParts(this.doneText, []);
    this.setError('text', '');
    this.setError('reply_to', '');
  }
}
