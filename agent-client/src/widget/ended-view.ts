/**
 * The ended view: why the chat or the wait ended, in the widget's language, beside the server's
 * own message when it says more; what follows the end (transcript and rating: after-chat.ts);
 * "Leave a message" or "Ask for a call back" when the line asked for one; and "Start a new chat".
 */
import { AfterChat, type AfterChatCallbacks } from './after-chat';
import type { ChatStrings } from './chat-strings';
import type { ContactModel } from './contact-view';
import { endText, type WidgetStrings } from './strings';
import { button, el, setText } from '../common/dom';

export class EndedView {
  readonly root: HTMLElement;
  readonly title: HTMLHeadingElement;
  readonly newChat: HTMLButtonElement;
  readonly leaveMessageButton: HTMLButtonElement;
  readonly afterChat: AfterChat;
  private readonly endReason: HTMLParagraphElement;
  private readonly endMessage: HTMLParagraphElement;

  constructor(cb: AfterChatCallbacks) {
    this.root = el('section', {
      id: 'sb-ended',
      className: 'view',
      attrs: { 'aria-labelledby': 'sb-ended-title' },
    });
    this.root.hidden = true;
    this.title = el('h3', { id: 'sb-ended-title', className: 'view-title', attrs: { tabindex: '-1' } });
    this.endReason = el('p', {
      id: 'sb-end-reason',
      className: 'end-reason',
      attrs: { role: 'status', 'aria-atomic': 'true' },
    });
    this.endMessage = el('p', { id: 'sb-end-message', className: 'note' });
    this.newChat = button({ id: 'sb-new-chat', className: 'action' });
    this.leaveMessageButton = button({ id: 'sb-leave-message', className: 'action' });
    this.leaveMessageButton.hidden = true;
    this.afterChat = new AfterChat(cb);
    this.root.append(
      this.title,
      this.endReason,
      this.endMessage,
      this.afterChat.root,
      this.leaveMessageButton,
      this.newChat,
    );
  }

  renderStrings(t: WidgetStrings, tc: ChatStrings): void {
    this.title.textContent = t.endedHeading;
    this.newChat.textContent = t.startNew;
    this.afterChat.renderStrings(tc);
  }

  /** The end as the model says, then what the after-chat part offers (`after`). */
  render(m: ContactModel, t: WidgetStrings, after: Parameters<AfterChat['render']>[0]): void {
    const reason = m.ended ? endText(m.ended, t) : t.ended;
    setText(this.endReason, reason);
    this.root.dataset.reason =
      m.ended?.kind === 'canceled' ? (m.ended.reason ?? 'canceled') : (m.ended?.kind ?? 'ended');
    // the server's own words, unless they only repeat ours
    const message = m.endMessage && !reason.includes(m.endMessage) ? m.endMessage : '';
    this.endMessage.textContent = message;
    this.endMessage.hidden = message === '';
    // the line asked for a message, or for a number to call back: the form that takes it
    const why = m.ended?.kind === 'canceled' ? m.ended.reason : undefined;
    this.leaveMessageButton.textContent = why === 'callback' ? t.cbLeaveButton : t.lmLeaveButton;
    this.leaveMessageButton.hidden = why !== 'leave_message' && why !== 'callback';
    this.afterChat.render(after);
  }
}
