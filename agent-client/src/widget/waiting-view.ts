/**
 * The waiting view, which becomes the head of the chat once a specialist answers: the line's name,
 * the place in line and expected wait (a polite live region written only when its words change, so
 * it speaks only when there is news), a notice when the specialist dropped or the contact moves to
 * another line, and "Leave the line" (or "End chat") with a confirmation before anything is sent.
 */
import { CHAT_STRINGS } from './chat-strings';
import type { ContactModel } from './contact-view';
import { STRINGS, queuedText, type WidgetLang, type WidgetStrings } from './strings';
import { button, el, sentence, setBusy, setParts, setText, type Part } from '../common/dom';

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
    this.root = el('section', {
      id: 'sb-waiting',
      className: 'view',
      attrs: { 'aria-labelledby': 'sb-waiting-title' },
    });
    this.root.hidden = true;
    this.title = el('h3', { id: 'sb-waiting-title', className: 'view-title', attrs: { tabindex: '-1' } });
    this.queueLine = el('p', { id: 'sb-queue-name', className: 'note' });
    this.waitStatus = el('p', {
      id: 'sb-wait-status',
      className: 'wait-status',
      attrs: { role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true' },
    });
    this.waitNotice = el('p', {
      id: 'sb-wait-notice',
      className: 'wait-notice',
      attrs: { role: 'status', 'aria-atomic': 'true' },
    });
    this.keepOpen = el('p', { id: 'sb-keep-open', className: 'note' });
    this.leaveButton = button({ id: 'sb-leave', className: 'secondary' });
    this.leaveConfirm = el('div', {
      id: 'sb-leave-confirm',
      className: 'confirm',
      attrs: { role: 'group', 'aria-labelledby': 'sb-leave-question' },
    });
    this.leaveConfirm.hidden = true;
    this.leaveQuestion = el('p', { id: 'sb-leave-question', className: 'confirm-question' });
    this.leaveYes = button({ id: 'sb-leave-yes', className: 'action' });
    this.leaveNo = button({ id: 'sb-leave-no', className: 'secondary' });
    const confirmButtons = el('div', { className: 'buttons' });
    confirmButtons.append(this.leaveYes, this.leaveNo);
    this.leaveConfirm.append(this.leaveQuestion, confirmButtons);
    this.leaveError = el('p', { id: 'sb-leave-error', className: 'error', attrs: { role: 'alert' } });
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
    setText(this.waitNotice, noticeText);
    this.waitNotice.hidden = noticeText === '';
    this.keepOpen.hidden = assigned;
    const tc = CHAT_STRINGS[lang];
    this.leaveButton.textContent = this.busy ? t.leaving : assigned ? tc.endChat : t.leaveLine;
    setBusy(this.leaveYes, this.busy, this.busy ? t.leaving : assigned ? tc.endYes : t.leaveYes);
    this.leaveNo.textContent = assigned ? tc.endNo : t.leaveNo;
    this.leaveQuestion.textContent = assigned ? tc.endChatConfirm : t.leaveLineConfirm;
    setText(this.leaveError, this.errorText);
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
