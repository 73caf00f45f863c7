/**
 * The waiting view, which becomes the head of the chat once a specialist answers: the line's name,
 * the place in line and expected wait (a polite live region written only when its words change, so
 * it speaks only when there is news), a notice when the specialist dropped or the contact moves to
 * another line, and "Leave the line" (or "End chat") with a confirmation before anything is sent.
 */
import { CHAT_STRINGS } from './chat-strings';
import type { ContactModel } from './contact-view';
import { make } from './make';
import { STRINGS, queuedText, type WidgetLang, type WidgetStrings } from './strings';
import { sentence, setParts, type Part } from '../common/dom';

export interface WaitingContext {
  model(): ContactModel;
  lang(): WidgetLang;
  /** "Yes, leave" was pressed: the element sends contact.cancel. */
  leave(): void;
}

export class WaitingView {
  readonly root: HTMLElement;
  readonly title: HTMLHeadingElement;
  /** contact.cancel is under way. */
  busy = false;
  /** Why leaving did not work, under the buttons. */
  errorText = '';

  private readonly ctx: WaitingContext;
  private readonly queueLine: HTMLParagraphElement;
  private readonly waitStatus: HTMLParagraphElement;
  private readonly waitNotice: HTMLParagraphElement;
  private readonly keepOpen: HTMLParagraphElement;
  private readonly leaveButton: HTMLButtonElement;
  private readonly leaveConfirm: HTMLDivElement;
  private readonly leaveQuestion: HTMLParagraphElement;
  private readonly leaveYes: HTMLButtonElement;
  private readonly leaveNo: HTMLButtonElement;
  private readonly leaveError: HTMLParagraphElement;

  constructor(ctx: WaitingContext) {
    this.ctx = ctx;
    this.root = make('section', { id: 'sb-waiting', 'aria-labelledby': 'sb-waiting-title' }, 'view');
    this.root.hidden = true;
    this.title = make('h3', { id: 'sb-waiting-title', tabindex: '-1' }, 'view-title');
    this.queueLine = make('p', { id: 'sb-queue-name' }, 'note');
    this.waitStatus = make(
      'p',
      { id: 'sb-wait-status', role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true' },
      'wait-status',
    );
    this.waitNotice = make(
      'p',
      { id: 'sb-wait-notice', role: 'status', 'aria-atomic': 'true' },
      'wait-notice',
    );
    this.keepOpen = make('p', { id: 'sb-keep-open' }, 'note');
    this.leaveButton = make('button', { id: 'sb-leave', type: 'button' }, 'secondary');
    this.leaveConfirm = make(
      'div',
      { id: 'sb-leave-confirm', role: 'group', 'aria-labelledby': 'sb-leave-question' },
      'confirm',
    );
    this.leaveConfirm.hidden = true;
    this.leaveQuestion = make('p', { id: 'sb-leave-question' }, 'confirm-question');
    this.leaveYes = make('button', { id: 'sb-leave-yes', type: 'button' }, 'action');
    this.leaveNo = make('button', { id: 'sb-leave-no', type: 'button' }, 'secondary');
    const confirmButtons = make('div', {}, 'buttons');
    confirmButtons.append(this.leaveYes, this.leaveNo);
    this.leaveConfirm.append(this.leaveQuestion, confirmButtons);
    this.leaveError = make('p', { id: 'sb-leave-error', role: 'alert' }, 'error');
    this.root.append(
      this.title,
      this.queueLine,
      this.waitStatus,
      this.waitNotice,
      this.keepOpen,
      this.leaveButton,
      this.leaveConfirm,
      this.leaveError,
    );

    this.leaveButton.addEventListener('click', () => {
      this.errorText = '';
      this.leaveConfirm.hidden = false;
      this.leaveButton.hidden = true;
      this.render();
      this.leaveNo.focus();
    });
    this.leaveNo.addEventListener('click', () => {
      this.hideConfirm(true);
    });
    this.leaveYes.addEventListener('click', () => {
      ctx.leave();
    });
  }

  /** The "are you sure?" question is showing. */
  get confirming(): boolean {
    return !this.leaveConfirm.hidden;
  }

  renderStrings(t: WidgetStrings): void {
    this.keepOpen.textContent = t.keepOpen;
    this.leaveYes.textContent = t.leaveYes;
    this.leaveNo.textContent = t.leaveNo;
  }

  render(): void {
    const lang = this.ctx.lang();
    const t = STRINGS[lang];
    const m = this.ctx.model();
    const assigned = m.status?.state === 'assigned';
    this.title.textContent = assigned ? t.assignedHeading : t.waitingHeading;
    this.root.dataset.state = assigned ? 'assigned' : 'queued';
    // names (the line's, the specialist's) are isolated from our words
    setParts(this.queueLine, m.queueName ? sentence(t.queueLine, m.queueName) : []);
    this.queueLine.hidden = m.queueName === '';
    const agentName = m.status?.agent_name;
    const status: Part[] = assigned
      ? agentName
        ? sentence(t.connectedWith, agentName)
        : [t.connectedNoName]
      : [queuedText(m.status, t)];
    // only a changed text is written, so the live region speaks only when there is news
    setParts(this.waitStatus, status);
    const notice =
      m.notice === 'agent_unavailable' ? t.agentUnavailable : m.notice === 'overflow' ? t.overflowMoving : '';
    // the server's own words too, unless they only repeat ours
    const extra = m.noticeMessage && !notice.includes(m.noticeMessage) ? ` ${m.noticeMessage}` : '';
    const noticeText = notice ? `${notice}${extra}` : '';
    if (this.waitNotice.textContent !== noticeText) this.waitNotice.textContent = noticeText;
    this.waitNotice.hidden = noticeText === '';
    this.keepOpen.hidden = assigned;
    const tc = CHAT_STRINGS[lang];
    this.leaveButton.textContent = this.busy ? t.leaving : assigned ? tc.endChat : t.leaveLine;
    if (this.busy) this.leaveYes.setAttribute('aria-disabled', 'true');
    else this.leaveYes.removeAttribute('aria-disabled');
    this.leaveYes.textContent = this.busy ? t.leaving : assigned ? tc.endYes : t.leaveYes;
    this.leaveNo.textContent = assigned ? tc.endNo : t.leaveNo;
    this.leaveQuestion.textContent = assigned ? tc.endChatConfirm : t.leaveLineConfirm;
    if (this.leaveError.textContent !== this.errorText) this.leaveError.textContent = this.errorText;
  }

  /** Back from the question to the button (which takes the focus, when asked). */
  hideConfirm(focusLeave: boolean): void {
    this.leaveConfirm.hidden = true;
    this.leaveButton.hidden = false;
    if (focusLeave) this.leaveButton.focus();
  }

  /** The view is left: no question open, no error kept for next time. */
  reset(): void {
    this.leaveConfirm.hidden = true;
    this.leaveButton.hidden = false;
    this.errorText = '';
  }
}
