/**
 * One chat's log in the console: entries in seq order, pending messages last, each element kept by
 * key so a message is added (and announced by the log's live region) once. Private notes are set
 * apart in words ("Private note — not sent to the customer") and in looks; the customer's text is
 * always plain text (a link a customer writes is not clickable for the agent either); https links
 * a staff member wrote are.
 */
import { button, el, foreign, setParts, setTime, type Part } from '../common/dom';
import { showMessageText } from '../chat/links';
import { KeyedLog } from '../common/keyed-log';
import { itemKey, markOf, type Mark } from '../chat/marks';
import type { Conversation } from '../chat/conversation';
import type { LogItem } from '../chat/store';
import type { ChatEntry, SystemKind } from '../chat/types';

export const NOTE_LABEL = 'Private note — not sent to the customer';

const MARKS: Readonly<Record<Mark, string>> = {
  sending: 'Sending…',
  sent: 'Sent',
  delivered: 'Delivered',
  read: 'Read by the customer',
  failed: 'Not sent',
};

const NOTE_MARKS: Readonly<Record<Mark, string>> = {
  sending: 'Saving…',
  sent: 'Saved',
  delivered: 'Saved',
  read: 'Saved',
  failed: 'Not saved',
};

const SYSTEM: Readonly<Record<SystemKind, string>> = {
  joined: 'joined the chat',
  left: 'left the chat',
  transferred: 'The chat was transferred',
  verified: 'Identity verified',
  ended: 'The chat ended',
  requeued: 'The chat went back to the queue',
  customer_disconnected: 'The customer was disconnected',
  inactive_warning: 'The customer was warned about inactivity',
  inactive_ended: 'The chat ended: the customer was inactive',
  blocked: 'The chat ended and the customer was blocked',
  rated: 'The customer rated the chat',
};

/** What a system entry says: the server's words, or ours for its kind (a name in it isolated). */
export function systemParts(e: ChatEntry): Part[] {
  if (e.text.trim() !== '') return [e.text];
  if (e.system === undefined) return ['Event'];
  const words = SYSTEM[e.system];
  if (e.system !== 'joined' && e.system !== 'left') return [words];
  return e.from_name ? [foreign(e.from_name), ` ${words}`] : [`Someone ${words}`];
}

/** "Not sent: the chat has ended." for a failure code. */
export function sendFailureText(code: string): string {
  switch (code) {
    case 'NOT_FOUND':
    case 'CONFLICT':
      return 'Not sent: this chat is no longer open.';
    case 'FORBIDDEN':
      return 'Not sent: you no longer hold this chat.';
    case 'BAD_FIELD':
      return 'Not sent: the server refused the text (too long?).';
    default:
      return `Not sent (${code}).`;
  }
}

interface Node {
  li: HTMLLIElement;
  who: HTMLElement;
  time: HTMLTimeElement;
  body: HTMLElement;
  text: string;
  mark: { el: HTMLElement; text: Text; value: string } | null;
  failure: { el: HTMLElement; code: string } | null;
}

export interface ChatLogNames {
  customer: string;
  me: string;
}

export class ChatLog {
  readonly box: HTMLDivElement;
  readonly list: HTMLOListElement;
  private readonly log: KeyedLog<LogItem, Node>;
  private readonly doc: Document;
  private readonly onRetry: (id: string) => void;
  private readonly onRemove: (id: string) => void;

  constructor(
    id: string,
    label: string,
    cb: { retry: (id: string) => void; remove: (id: string) => void },
    doc: Document = document,
  ) {
    this.doc = doc;
    this.onRetry = cb.retry;
    this.onRemove = cb.remove;
    this.box = el(
      'div',
      {
        id,
        className: 'chat-log',
        attrs: {
          role: 'log',
          'aria-live': 'polite',
          'aria-relevant': 'additions',
          'aria-label': label,
          tabindex: '0',
        },
      },
      doc,
    );
    this.list = el('ol', { className: 'chat-messages' }, doc);
    this.box.append(this.list);
    this.log = new KeyedLog(this.box, this.list, {
      key: itemKey,
      own: (item) => item.type === 'pending' || item.own,
      create: (item) => this.create(item),
    });
  }

  render(conv: Conversation, names: ChatLogNames, formatTime: (ms: number) => string): void {
    this.log.render(conv.store.items(), (node, item) => {
      this.update(node, item, conv, names, formatTime);
    });
  }

  private create(item: LogItem): Node {
    const d = this.doc;
    const li = el('li', { className: 'chat-msg' }, d);
    const meta = el('p', { className: 'chat-msg-meta' }, d);
    const who = el('span', { className: 'chat-msg-who' }, d);
    const time = el('time', { className: 'chat-msg-time' }, d);
    const isNote = item.type === 'pending' ? item.out.private : item.entry.kind === 'note';
    if (isNote) meta.append(el('strong', { className: 'chat-note-label', text: `${NOTE_LABEL} · ` }, d));
    meta.append(who, el('span', { className: 'visually-hidden', text: ', ' }, d), time);
    meta.append(el('span', { className: 'visually-hidden', text: ': ' }, d));
    const body = el('p', { className: 'chat-msg-text' }, d);
    li.append(meta, body);
    let mark: Node['mark'] = null;
    if (item.type === 'pending' || item.own) {
      const m = el('p', { className: 'chat-msg-mark' }, d);
      const text = d.createTextNode('');
      m.append(text);
      li.append(m);
      mark = { el: m, text, value: '' };
    }
    return { li, who, time, body, text: '\u0000', mark, failure: null };
  }

  private update(
    node: Node,
    item: LogItem,
    conv: Conversation,
    names: ChatLogNames,
    formatTime: (ms: number) => string,
  ): void {
    const entry = item.type === 'entry' ? item.entry : null;
    const out = item.type === 'pending' ? item.out : null;
    const own = item.type === 'pending' || item.own;
    const kind = entry ? entry.kind : out?.private ? 'note' : 'message';
    const role = entry ? entry.from_role : 'agent';
    const cls = `chat-msg chat-msg-${kind === 'message' ? role : kind}${own ? ' chat-msg-own' : ''}`;
    if (node.li.className !== cls) node.li.className = cls;
    node.li.dataset.kind = kind;
    if (entry) node.li.dataset.seq = String(entry.seq);
    const cid = out?.clientMsgId ?? entry?.client_msg_id;
    if (own && cid !== undefined) node.li.dataset.clientMsgId = cid;

    // names are isolated: a customer's "\u202E" must not reverse the time next to it
    const name = (n: string | undefined, fallback: string): Part => (n ? foreign(n) : fallback);
    const who: Part[] =
      kind === 'system'
        ? []
        : own
          ? names.me
            ? [foreign(names.me), ' (you)']
            : ['You']
          : role === 'customer'
            ? [name(entry?.from_name || names.customer, 'Customer')]
            : [name(entry?.from_name, role === 'supervisor' ? 'Supervisor' : 'Agent')];
    setParts(node.who, who);
    node.who.hidden = kind === 'system';
    const ts = entry ? entry.ts_ms : (out?.createdMs ?? 0);
    const when = formatTime(ts);
    setTime(node.time, when, ts);
    if (entry && kind === 'system') {
      setParts(node.body, systemParts(entry));
    } else {
      // what someone wrote takes its own direction and stays apart from the rest of the page
      const text = entry?.text ?? out?.text ?? '';
      if (node.text !== text) {
        node.text = text;
        showMessageText(node.body, text, role, 'opens in a new tab', this.doc);
      }
    }
    if (node.mark) {
      const mk = markOf(item, conv.other);
      const words = (kind === 'note' ? NOTE_MARKS : MARKS)[mk];
      if (node.mark.value !== words) {
        node.mark.value = words;
        node.mark.el.dataset.mark = mk;
        node.mark.text.data = words;
      }
    }
    const code = out?.state === 'failed' ? (out.error ?? '') : null;
    if (code === null && node.failure) {
      node.failure.el.remove();
      node.failure = null;
    } else if (code !== null && out && node.failure?.code !== code) {
      node.failure?.el.remove();
      const d = this.doc;
      const box = el('div', { className: 'chat-msg-failure' }, d);
      box.append(el('span', { text: `${sendFailureText(code)} ` }, d));
      const retry = button({ className: 'link-button', text: 'Try again' }, d);
      const remove = button({ className: 'link-button', text: 'Remove' }, d);
      const id = out.clientMsgId;
      retry.addEventListener('click', () => {
        this.onRetry(id);
      });
      remove.addEventListener('click', () => {
        this.onRemove(id);
      });
      box.append(retry, remove);
      node.li.append(box);
      node.failure = { el: box, code };
    }
  }
}
