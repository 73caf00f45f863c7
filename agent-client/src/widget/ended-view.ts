/**
 * The ended view: why the chat or the wait ended, in the widget's language, beside the server's
 * own message when it says more; what follows the end (transcript and rating: after-chat.ts);
 * "Leave a message" or "Ask for a call back" when the line asked for one; and "Start a new chat".
 */
import { AfterChat, type AfterChatCallbacks } from './after-chat';
import type { ChatStrings } from './chat-strings';
import type { ContactModel } from './contact-view';
import { make } from './make';
import { endText, type WidgetStrings } from './strings';

export class EndedView {
  readonly root: HTMLElement;
  readonly title: HTMLHeadingElement;
  readonly newChat: HTMLButtonElement;
  readonly leaveMessageButton: HTMLButtonElement;
  readonly afterChat: AfterChat;
  private readonly endReason: HTMLParagraphElement;
  private readonly endMessage: HTMLParagraphElement;

  constructor(cb: AfterChatCallbacks) {
    this.root = make('section', { id: 'sb-ended', 'aria-labelledby': 'sb-ended-title' }, 'view');
    this.root.hidden = true;
    this.title = make('h3', { id: 'sb-ended-title', tabindex: '-1' }, 'view-title');
    this.endReason = make('p', { id: 'sb-end-reason', role: 'status', 'aria-atomic': 'true' }, 'end-reason');
    this.endMessage = make('p', { id: 'sb-end-message' }, 'note');
    this.newChat = make('button', { id: 'sb-new-chat', type: 'button' }, 'action');
    this.leaveMessageButton = make('button', { id: 'sb-leave-message', type: 'button' }, 'action');
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
    if (this.endReason.textContent !== reason) this.endReason.textContent = reason;
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
