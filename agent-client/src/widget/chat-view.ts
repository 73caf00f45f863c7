/**
 * The conversation part of the widget: the message log (role=log, polite: new messages are read
 * out), the specialist's typing, the inactivity warning with "I'm still here", and the composer
 * (Enter sends, Shift+Enter adds a line, a visible Send button).
 *
 * The log is rendered from the conversation's local copy by key (an own message keeps its element
 * from "Sending…" to "Read", so it is announced once), in seq order, with pending messages last.
 * Everything anyone wrote goes in as text; only https:// addresses the specialist wrote become
 * links (chat/links.ts). Delivery marks change the text of an existing text node, which the log's
 * aria-relevant="additions" keeps quiet.
 */
import type { ChatStrings } from './chat-strings';
import type { Conversation } from '../chat/conversation';
import { itemKey, markOf, type Mark } from '../chat/marks';
import { utf8Length } from '../chat/ids';
import { showMessageText } from '../chat/links';
import type { LogItem, Outgoing } from '../chat/store';
import { formatTime } from '../chat/transcript';
import type { ChatEntry } from '../chat/types';
import { KeyedLog } from '../common/keyed-log';
import {
  button,
  el,
  foreign,
  isSendKey,
  sentence,
  setBusy,
  setFieldError,
  setParts,
  setTime,
  type Part,
} from '../common/dom';

export const MAX_MESSAGE_BYTES = 4000;

export interface ChatViewContext {
  t: ChatStrings;
  locale: string;
  /** The specialist's name, for messages without one. */
  agentName: string;
  /** The composer is shown (the chat is answered and not over). */
  composing: boolean;
  connected: boolean;
}

export interface ChatViewCallbacks {
  send: (text: string) => void;
  input: (hasText: boolean) => void;
  stay: () => void;
  retry: (clientMsgId: string) => void;
  remove: (clientMsgId: string) => void;
}

interface MsgNode {
  li: HTMLLIElement;
  who: HTMLSpanElement;
  time: HTMLTimeElement;
  body: HTMLParagraphElement;
  text: string;
  mark: { el: HTMLElement; text: Text; value: Mark | null } | null;
  failure: { el: HTMLElement; why: HTMLSpanElement; code: string } | null;
}

export class ChatView {
  readonly root: HTMLDivElement;
  readonly log: HTMLDivElement;
  readonly list: HTMLOListElement;
  readonly typingLine: HTMLParagraphElement;
  readonly inactive: HTMLDivElement;
  readonly inactiveTitle: HTMLParagraphElement;
  readonly inactiveText: HTMLParagraphElement;
  readonly stayButton: HTMLButtonElement;
  readonly stayStatus: HTMLParagraphElement;
  readonly form: HTMLFormElement;
  readonly label: HTMLLabelElement;
  readonly textarea: HTMLTextAreaElement;
  readonly hint: HTMLParagraphElement;
  readonly error: HTMLParagraphElement;
  readonly send: HTMLButtonElement;
  readonly offline: HTMLParagraphElement;
  /** Assertive announcements (the inactivity warning). */
  readonly alert: HTMLDivElement;

  private readonly doc: Document;
  private readonly cb: ChatViewCallbacks;
  private readonly messages: KeyedLog<LogItem, MsgNode>;
  private ctx: ChatViewContext | null = null;

  constructor(cb: ChatViewCallbacks, doc: Document = document) {
    this.doc = doc;
    this.cb = cb;

    this.root = el('div', { id: 'sb-chat', className: 'chat' }, doc);
    this.root.hidden = true;
    const logTitle = el('h4', { id: 'sb-log-title', className: 'visually-hidden' }, doc);
    this.log = el(
      'div',
      {
        id: 'sb-log',
        className: 'log-box',
        attrs: {
          role: 'log',
          'aria-live': 'polite',
          'aria-relevant': 'additions',
          'aria-labelledby': 'sb-log-title',
          tabindex: '0',
        },
      },
      doc,
    );
    this.list = el('ol', { id: 'sb-messages', className: 'messages' }, doc);
    this.log.append(this.list);
    this.messages = new KeyedLog(this.log, this.list, {
      key: itemKey,
      own: (item) => item.type === 'pending' || item.own,
      create: (item) => this.create(item),
    });
    this.typingLine = el('p', { id: 'sb-typing', className: 'typing' }, doc);
    this.typingLine.hidden = true;

    this.inactive = el(
      'div',
      {
        id: 'sb-inactive',
        className: 'inactive',
        attrs: { role: 'group', 'aria-labelledby': 'sb-inactive-title' },
      },
      doc,
    );
    this.inactive.hidden = true;
    this.inactiveTitle = el('p', { id: 'sb-inactive-title', className: 'inactive-title' }, doc);
    this.inactiveText = el('p', { id: 'sb-inactive-text', className: 'inactive-text' }, doc);
    this.stayButton = button({ id: 'sb-stay', className: 'action' }, doc);
    this.stayStatus = el('p', { id: 'sb-stay-status', className: 'note', attrs: { role: 'status' } }, doc);
    this.inactive.append(this.inactiveTitle, this.inactiveText, this.stayButton, this.stayStatus);
    this.alert = el(
      'div',
      {
        id: 'sb-alert',
        className: 'visually-hidden',
        attrs: { 'aria-live': 'assertive', 'aria-atomic': 'true' },
      },
      doc,
    );

    this.form = el('form', { id: 'sb-composer', className: 'composer', attrs: { novalidate: '' } }, doc);
    this.label = el('label', { className: 'label', attrs: { for: 'sb-message' } }, doc);
    this.textarea = el(
      'textarea',
      {
        id: 'sb-message',
        className: 'textarea',
        attrs: { name: 'message', rows: '3', 'aria-describedby': 'sb-composer-hint sb-composer-error' },
      },
      doc,
    );
    this.hint = el('p', { id: 'sb-composer-hint', className: 'note hint' }, doc);
    this.error = el('p', { id: 'sb-composer-error', className: 'error', attrs: { role: 'alert' } }, doc);
    this.send = button({ id: 'sb-send', className: 'action', type: 'submit' }, doc);
    const row = el('div', { className: 'composer-row' }, doc);
    row.append(this.send);
    this.form.append(this.label, this.textarea, this.hint, this.error, row);
    this.offline = el(
      'p',
      { id: 'sb-offline-note', className: 'note note-closed', attrs: { role: 'status' } },
      doc,
    );
    this.offline.hidden = true;

    this.root.append(logTitle, this.log, this.typingLine, this.inactive, this.alert, this.offline, this.form);

    this.textarea.addEventListener('keydown', (ev) => {
      if (!isSendKey(ev)) return;
      ev.preventDefault();
      this.submit();
    });
    this.textarea.addEventListener('input', () => {
      if (this.error.textContent !== '') this.setError('');
      this.cb.input(this.textarea.value.trim() !== '');
    });
    this.form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.submit();
    });
    this.stayButton.addEventListener('click', () => {
      this.cb.stay();
    });
  }

  /** Texts that depend only on the language. */
  renderStrings(t: ChatStrings): void {
    const logTitle = this.root.querySelector('#sb-log-title');
    if (logTitle) logTitle.textContent = t.logLabel;
    this.label.textContent = t.messageLabel;
    this.hint.textContent = t.composerHint;
    this.send.textContent = t.send;
    this.inactiveTitle.textContent = t.inactiveTitle;
    this.stayButton.textContent = t.stay;
    this.offline.textContent = t.offlineQueued;
  }

  /** Renders the log and the composer's state from the conversation. */
  render(conv: Conversation | null, ctx: ChatViewContext): void {
    this.ctx = ctx;
    const items = conv
      ? conv.store.items().filter((i) => i.type === 'pending' || i.entry.kind !== 'note')
      : [];
    this.root.hidden = items.length === 0 && !ctx.composing;
    this.form.hidden = !ctx.composing;
    const unsent = conv?.store.unacked().length ?? 0;
    this.offline.hidden = !(ctx.composing && !ctx.connected) && !(unsent > 0 && !ctx.connected);

    this.messages.render(items, (node, item) => {
      this.update(node, item, conv, ctx);
    });
  }

  /** "Maria is typing…" (null: nobody). */
  setTyping(parts: readonly Part[] | null): void {
    setParts(this.typingLine, parts ?? []);
    this.typingLine.hidden = parts === null;
  }

  /** Shows the inactivity warning (and says it at once), or hides it. */
  setWarning(text: string | null, t: ChatStrings): void {
    if (text === null) {
      this.inactive.hidden = true;
      setBusy(this.stayButton, false, t.stay);
      return;
    }
    const first = this.inactive.hidden;
    this.inactiveText.textContent = text;
    this.inactive.hidden = false;
    this.stayStatus.textContent = '';
    if (first) this.announce(`${t.inactiveTitle} ${text}`);
  }

  setStayBusy(busy: boolean, t: ChatStrings): void {
    setBusy(this.stayButton, busy, busy ? t.staying : t.stay);
  }

  announce(text: string): void {
    this.alert.textContent = '';
    this.alert.textContent = text;
  }

  setError(text: string): void {
    setFieldError(this.textarea, this.error, text);
  }

  /** Forgets the rendered messages (a new chat). */
  clear(): void {
    this.messages.clear();
    this.textarea.value = '';
    this.setError('');
    this.setTyping(null);
    this.inactive.hidden = true;
  }

  // ----------------------------------------------------------------------------------------------

  private submit(): void {
    const t = this.ctx?.t;
    if (!t) return;
    const text = this.textarea.value.replace(/\s+$/u, '').replace(/^\s*\n/u, '');
    if (text.trim() === '') {
      this.setError(t.emptyMessage);
      this.textarea.focus();
      return;
    }
    if (utf8Length(text) > MAX_MESSAGE_BYTES) {
      this.setError(t.messageTooLong);
      this.textarea.focus();
      return;
    }
    this.setError('');
    this.textarea.value = '';
    this.cb.send(text);
  }

  private create(item: LogItem): MsgNode {
    const li = el('li', { className: 'msg' }, this.doc);
    const meta = el('p', { className: 'msg-meta' }, this.doc);
    const who = el('span', { className: 'msg-who' }, this.doc);
    const time = el('time', { className: 'msg-time' }, this.doc);
    const sep1 = el('span', { className: 'visually-hidden', text: ', ' }, this.doc);
    const sep2 = el('span', { className: 'visually-hidden', text: ': ' }, this.doc);
    meta.append(who, sep1, time, sep2);
    const body = el('p', { className: 'msg-text' }, this.doc);
    li.append(meta, body);
    const own = item.type === 'pending' || item.own;
    let mark: MsgNode['mark'] = null;
    if (own) {
      const box = el('p', { className: 'msg-mark' }, this.doc);
      const glyph = el('span', { className: 'msg-glyph', attrs: { 'aria-hidden': 'true' } }, this.doc);
      const text = this.doc.createTextNode('');
      box.append(glyph, text);
      li.append(box);
      mark = { el: box, text, value: null };
    }
    return { li, who, time, body, text: '\u0000', mark, failure: null };
  }

  private update(node: MsgNode, item: LogItem, conv: Conversation | null, ctx: ChatViewContext): void {
    const t = ctx.t;
    const entry: ChatEntry | null = item.type === 'entry' ? item.entry : null;
    const out: Outgoing | null = item.type === 'pending' ? item.out : null;
    const own = item.type === 'pending' || item.own;
    const role = entry ? entry.from_role : 'customer';
    const isSystem = entry?.kind === 'system';
    const cls = `msg ${isSystem ? 'msg-system' : own ? 'msg-own' : `msg-${role}`}`;
    if (node.li.className !== cls) node.li.className = cls;
    if (entry) {
      node.li.dataset.seq = String(entry.seq);
      if (entry.system) node.li.dataset.system = entry.system;
    }
    const id = out?.clientMsgId ?? entry?.client_msg_id;
    if (id !== undefined && own) node.li.dataset.clientMsgId = id;

    // who and when; names are isolated, so a "\u202E" in one cannot reverse the time beside it
    const staffName = entry?.from_name || ctx.agentName;
    const who: Part[] = isSystem ? [] : own ? [t.you] : [staffName ? foreign(staffName) : t.specialist];
    setParts(node.who, who);
    node.who.hidden = isSystem;
    const ts = entry ? entry.ts_ms : (out?.createdMs ?? 0);
    const when = formatTime(ts, ctx.locale);
    setTime(node.time, when, ts);

    // the text (an acknowledged message shows the text as stored: SSNs masked)
    if (isSystem && entry.system !== undefined) {
      const kind = entry.system;
      setParts(
        node.body,
        staffName ? sentence((n) => t.system(kind, n), staffName) : [t.system(kind, t.specialist)],
      );
    } else {
      // what someone wrote takes its own direction and stays apart from the rest of the page
      const text = entry?.text ?? out?.text ?? '';
      if (node.text !== text) {
        node.text = text;
        showMessageText(node.body, text, isSystem ? 'system' : role, t.newTab, this.doc);
      }
    }

    // delivery mark of own messages
    if (node.mark && conv) {
      const mk = markOf(item, conv.other);
      if (node.mark.value !== mk) {
        node.mark.value = mk;
        node.mark.el.dataset.mark = mk;
        node.mark.text.data = t.marks[mk];
        const glyph = node.mark.el.firstElementChild;
        if (glyph)
          glyph.textContent = mk === 'read' ? '✓✓ ' : mk === 'delivered' || mk === 'sent' ? '✓ ' : '';
      }
    }

    // a message that could not be sent: why, and what to do
    const code = out?.state === 'failed' ? (out.error ?? '') : null;
    if (code === null && node.failure) {
      node.failure.el.remove();
      node.failure = null;
    } else if (code !== null && out && (!node.failure || node.failure.code !== code)) {
      node.failure?.el.remove();
      const box = el('div', { className: 'msg-failure' }, this.doc);
      const why = el('span', { text: `${t.sendFailed(code)} ` }, this.doc);
      const retry = button({ className: 'link-button', text: t.retry }, this.doc);
      const removeB = button({ className: 'link-button', text: t.remove }, this.doc);
      const cid = out.clientMsgId;
      retry.addEventListener('click', () => {
        this.cb.retry(cid);
      });
      removeB.addEventListener('click', () => {
        this.cb.remove(cid);
        this.textarea.focus();
      });
      box.append(why, retry, removeB);
      node.li.append(box);
      node.failure = { el: box, why, code };
    }
  }
}
