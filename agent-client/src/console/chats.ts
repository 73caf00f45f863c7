/**
 * The agent console's chats: several at once, one tab each (role=tablist; arrow keys, Home and End
 * move between them), with unread counts and how long the customer has waited for a reply; the
 * chosen chat's panel shows who the customer is (chat.open), the log, the customer's typing, and
 * the composer with a "Private note" switch, canned responses, "Verify identity", "Transfer",
 * "End chat" and "End and block" (modal dialogs). Each chat is a Conversation (chat/), synced with
 * chat.sync when it opens and after every reconnect (the server sends chat.open again for every
 * chat held). A chat in wrap-up keeps its tab (read-only) until agent.work no longer lists it.
 *
 * News in a chat the agent is not looking at raises its unread count; while the page is hidden it
 * also changes the page title and plays the chime (when sound is on).
 *
 * This module holds the desk's behaviour: events, selection, sending, ending and what the dialogs
 * do. One chat's elements and how they show its state are in chat-tab.ts; the dialogs themselves
 * in canned-dialog.ts, verify-dialog.ts, transfer-dialog.ts (with the transfer request) and
 * block-dialog.ts.
 */
import { unreadAfter, unreadTitle } from './activity';
import { BlockDialog } from './block-dialog';
import { fillPlaceholders, insertText, missingPlaceholders } from './canned';
import { CannedDialog } from './canned-dialog';
import { actionFailure } from './chat-errors';
import {
  buildChatTabView,
  customerPart,
  customerText,
  renderComposer,
  renderComposerHint,
  renderDetails,
  renderTabLabel,
  renderTabWaiting,
  type ChatTab,
} from './chat-tab';
import { languageName } from './format';
import type { TitleAlert } from './title';
import { sendTransfer, TransferDialog } from './transfer-dialog';
import { VerifyDialog } from './verify-dialog';
import { everySecond, ServerClock, timeOfDay } from '../common/clock';
import { el, isolate, isSendKey, setBusy, setFieldError, setParts, setText } from '../common/dom';
import { Conversation } from '../chat/conversation';
import { utf8Length } from '../chat/ids';
import { RemoteTyping } from '../chat/typing';
import { asChatEvent, type ChatEntry } from '../chat/types';
import { errorOf, RequestError, type Connection, type ConnectionState } from '../net/connection';
import type { ChatOpen, HelloReply, StaffSetup, WorkItem } from '../proto/schema.gen';

export { actionFailure } from './chat-errors';
export { MAX_BLOCK_REASON_BYTES } from './block-dialog';
export {
  MAX_TRANSFER_NOTE_BYTES,
  TRANSFER_ANSWER_MS,
  canTakeTransfer,
  colleagueState,
} from './transfer-dialog';

export const MAX_MESSAGE_BYTES = 4000;

export interface ChatDeskDeps {
  doc?: Document;
  /** The offer chime (plays only when the agent turned sound on). */
  sound?: { chime(): boolean };
  title?: TitleAlert;
  wall?: () => number;
  /** Whether the page is visible (document.visibilityState). */
  visible?: () => boolean;
  startTicker?: (fn: () => void) => () => void;
  receiptDelayMs?: number;
  /**
   * A transfer to a colleague is answered only once they accept or decline: the dialog waits this
   * long for a quick refusal, then closes and the chat panel follows the answer.
   */
  transferGraceMs?: number;
}

export class ChatDesk {
  readonly root: HTMLElement;
  private readonly heading: HTMLHeadingElement;
  private readonly empty: HTMLElement;
  private readonly tablist: HTMLElement;
  private readonly panels: HTMLElement;
  private readonly announcer: HTMLElement;

  private readonly doc: Document;
  private readonly sound: { chime(): boolean };
  private readonly title: TitleAlert | null;
  private readonly clock: ServerClock;
  private readonly wall: () => number;
  private readonly visible: () => boolean;
  private readonly startTicker: (fn: () => void) => () => void;
  private stopTicker: (() => void) | null = null;
  private readonly receiptDelayMs: number | undefined;
  private readonly transferGraceMs: number;

  private conn: Connection | null = null;
  private live = false;
  private epoch: number | undefined;
  private unsubscribe: Array<() => void> = [];
  private setup: StaffSetup | null = null;
  private me = { username: '', name: '' };
  private readonly tabs = new Map<string, ChatTab>();
  private active: string | null = null;
  private pendingFocusContact: string | null = null;
  private lastChimeAt = -Infinity;

  private cannedDialog: CannedDialog | null = null;
  private verifyDialog: VerifyDialog | null = null;
  private transferDialog: TransferDialog | null = null;
  private blockDialog: BlockDialog | null = null;

  constructor(deps: ChatDeskDeps = {}) {
    const doc = deps.doc ?? document;
    this.doc = doc;
    this.sound = deps.sound ?? { chime: () => false };
    this.title = deps.title ?? null;
    this.wall = deps.wall ?? (() => Date.now());
    this.clock = new ServerClock(this.wall);
    this.visible = deps.visible ?? (() => doc.visibilityState === 'visible');
    this.receiptDelayMs = deps.receiptDelayMs;
    this.transferGraceMs = deps.transferGraceMs ?? 1500;
    this.startTicker = deps.startTicker ?? everySecond;

    this.root = el(
      'section',
      { id: 'chats', className: 'panel chats', attrs: { 'aria-labelledby': 'chats-heading' } },
      doc,
    );
    this.heading = el('h2', { id: 'chats-heading', text: 'Chats', attrs: { tabindex: '-1' } }, doc);
    this.empty = el(
      'p',
      { id: 'chats-empty', className: 'muted', text: 'No chats open. Chats you accept appear here.' },
      doc,
    );
    this.tablist = el(
      'div',
      { id: 'chat-tabs', className: 'chat-tabs', attrs: { role: 'tablist', 'aria-label': 'Your chats' } },
      doc,
    );
    this.tablist.hidden = true;
    this.panels = el('div', { className: 'chat-panels' }, doc);
    this.announcer = el(
      'div',
      {
        id: 'chat-announcer',
        className: 'visually-hidden',
        attrs: { role: 'status', 'aria-atomic': 'true' },
      },
      doc,
    );
    this.root.append(this.heading, this.empty, this.announcer, this.tablist, this.panels);

    this.tablist.addEventListener('keydown', (ev) => {
      this.onTabKey(ev);
    });
    doc.addEventListener('visibilitychange', () => {
      if (this.visible()) this.onVisible();
    });
  }

  // ----------------------------------------------------------------------------------------------
  // lifecycle

  attach(conn: Connection): void {
    this.detach();
    this.conn = conn;
    this.unsubscribe = [
      conn.onState((s) => {
        this.onConnState(s);
      }),
      conn.on('staff.setup', (b) => {
        this.setup = b;
        for (const t of this.tabs.values()) this.renderTab(t);
      }),
      conn.on('chat.open', (b) => {
        this.onOpen(b);
      }),
      conn.on('agent.work', (b) => {
        this.onWork(b.items);
      }),
      conn.on('chat.event', (b) => {
        const m = asChatEvent(b);
        this.tabs.get(m.conversation_id)?.conv.onEvent(m);
      }),
      conn.on('chat.typing.event', (b) => {
        if (b.from_role === 'customer') this.tabs.get(b.conversation_id)?.customerTyping.set(b.typing);
      }),
      conn.on('chat.receipt.event', (b) => {
        if (b.from_role === 'customer')
          this.tabs.get(b.conversation_id)?.conv.onReceipt(b.delivered_seq, b.read_seq);
      }),
      conn.on('chat.epoch', (b) => {
        this.epoch = b.epoch;
        for (const t of this.tabs.values()) t.conv.onEpoch(b.epoch);
      }),
    ];
    this.stopTicker ??= this.startTicker(() => {
      this.tick();
    });
  }

  /** After every hello reply. */
  connected(hello: HelloReply): void {
    this.me = { username: hello.user_id, name: hello.display_name || hello.user_id };
    this.clock.sync(hello.server_time_ms);
    if (hello.epoch !== undefined) this.epoch = hello.epoch;
    this.live = true;
    const conn = this.conn;
    if (!conn) return;
    for (const t of this.tabs.values()) {
      renderComposer(t, this.live);
      void t.conv.connected(conn, this.epoch);
    }
  }

  signedOut(): void {
    this.detach();
    this.stopTicker?.();
    this.stopTicker = null;
    for (const t of [...this.tabs.values()]) this.removeTab(t, false);
    this.active = null;
    this.setup = null;
    this.title?.restore('chat');
    this.renderEmpty();
  }

  private detach(): void {
    for (const u of this.unsubscribe) u();
    this.unsubscribe = [];
    this.conn = null;
    this.live = false;
    for (const t of this.tabs.values()) t.conv.disconnected();
  }

  private onConnState(s: ConnectionState): void {
    if (s.status === 'connected') return; // connected() follows from the app
    this.live = false;
    for (const t of this.tabs.values()) {
      t.conv.disconnected();
      t.customerTyping.set(false);
      renderComposer(t, this.live);
    }
  }

  /** Once a second: waiting times. */
  tick(): void {
    for (const t of this.tabs.values()) this.renderWaiting(t);
  }

  /**
   * The agent accepted this contact: show its chat and put the keyboard in its message box (now,
   * or when its chat.open arrives). Returns whether the chat was there already.
   */
  focusChat(contactId: string): boolean {
    const t = [...this.tabs.values()].find((x) => x.info.contact_id === contactId);
    if (!t) {
      this.pendingFocusContact = contactId;
      return false;
    }
    this.select(t, false);
    t.textarea.focus();
    return true;
  }

  /** The chat tab shown, if any (for tests and the page). */
  get activeConversation(): string | null {
    return this.active;
  }

  // ----------------------------------------------------------------------------------------------
  // events

  private onOpen(b: ChatOpen): void {
    let t = this.tabs.get(b.conversation_id);
    if (!t) {
      t = this.createTab(b);
      this.tabs.set(b.conversation_id, t);
      this.tablist.append(t.tab);
      this.panels.append(t.panel);
      this.announce(
        `New chat with ${b.customer_name ? isolate(b.customer_name) : 'a customer'}: ${isolate(b.topic_label || b.topic)}.`,
      );
      if (this.active === null) this.select(t, false);
      else this.renderTab(t);
    } else {
      if (t.info.contact_id !== b.contact_id) {
        // this conversation came back to this agent as a new contact (a transfer)
        t.seenInWork = false;
        t.state = 'open';
        t.conv.ended = false;
        t.transferTo = null;
        t.statusNote = '';
      }
      t.info = b;
    }
    if (b.verified_method !== undefined) t.verified = b.verified_method;
    renderDetails(t);
    this.renderTab(t);
    renderComposer(t, this.live);
    this.renderEmpty();
    if (this.live && this.conn) void t.conv.connected(this.conn, this.epoch);
    if (this.pendingFocusContact === b.contact_id) {
      this.pendingFocusContact = null;
      this.select(t, false);
      t.textarea.focus();
    }
  }

  private onWork(items: readonly WorkItem[]): void {
    for (const t of [...this.tabs.values()]) {
      const item =
        items.find((i) => i.contact_id === t.info.contact_id) ??
        items.find((i) => i.conversation_id === t.id && i.state !== 'offered');
      if (item) {
        t.seenInWork = true;
        const state = item.state === 'wrapping' ? 'wrapping' : 'open';
        if (state !== t.state) {
          t.state = state;
          if (state === 'wrapping') {
            t.conv.ended = true;
            t.conv.typing.stop();
            t.customerTyping.set(false);
            if (this.active !== t.id) this.announce(`Chat with ${customerText(t)} ended: wrap-up to do.`);
          }
        }
        t.queueName = item.queue_name || item.queue;
        t.awayNote =
          item.state === 'assigned' &&
          item.customer_left_ms !== undefined &&
          item.customer_back_by_ms !== undefined
            ? [
                customerPart(t),
                ` left at ${this.timeOfDay(item.customer_left_ms)}; they can come back until ` +
                  `${this.timeOfDay(item.customer_back_by_ms)}. You can end the chat now.`,
              ]
            : [];
        this.renderTab(t);
        renderComposer(t, this.live);
      } else if (t.seenInWork) {
        this.removeTab(t, true);
      }
    }
    this.renderEmpty();
  }

  private onLive(t: ChatTab, e: ChatEntry): void {
    const viewing = this.active === t.id && this.visible();
    t.unread = unreadAfter(t.unread, viewing);
    if (e.from_role === 'customer') t.customerTyping.set(false);
    this.renderTab(t);
    if (viewing) return;
    if (!this.visible()) {
      this.title?.show(unreadTitle(this.totalUnread()) ?? 'New chat message — Switchboard', 'chat');
      const now = this.wall();
      if (now - this.lastChimeAt >= 5000) {
        this.sound.chime();
        this.lastChimeAt = now;
      }
    } else if (e.kind === 'message' && e.from_role === 'customer') {
      this.announce(`New message from ${customerText(t)}.`);
    }
  }

  private onVisible(): void {
    this.title?.restore('chat');
    const t = this.active === null ? undefined : this.tabs.get(this.active);
    if (t) {
      t.unread = 0;
      this.renderTab(t);
      t.conv.seen();
    }
  }

  private totalUnread(): number {
    let n = 0;
    for (const t of this.tabs.values()) n += t.unread;
    return n;
  }

  private announce(text: string): void {
    this.announcer.textContent = '';
    this.announcer.textContent = text;
  }

  // ----------------------------------------------------------------------------------------------
  // tabs

  private select(t: ChatTab, focusTab: boolean): void {
    this.active = t.id;
    for (const x of this.tabs.values()) {
      const on = x === t;
      x.tab.setAttribute('aria-selected', on ? 'true' : 'false');
      x.tab.tabIndex = on ? 0 : -1;
      x.panel.hidden = !on;
    }
    if (this.visible()) {
      t.unread = 0;
      t.conv.seen();
    }
    this.renderTab(t);
    this.renderLog(t);
    if (focusTab) t.tab.focus();
  }

  private onTabKey(ev: KeyboardEvent): void {
    const order = [...this.tablist.querySelectorAll<HTMLButtonElement>('[role="tab"]')];
    const i = order.findIndex((b) => b === this.doc.activeElement);
    if (i < 0 || order.length === 0) return;
    let next: number;
    switch (ev.key) {
      case 'ArrowRight':
      case 'ArrowDown':
        next = (i + 1) % order.length;
        break;
      case 'ArrowLeft':
      case 'ArrowUp':
        next = (i - 1 + order.length) % order.length;
        break;
      case 'Home':
        next = 0;
        break;
      case 'End':
        next = order.length - 1;
        break;
      default:
        return;
    }
    ev.preventDefault();
    const id = order[next]?.dataset.conversationId;
    const t = id === undefined ? undefined : this.tabs.get(id);
    if (t) this.select(t, true);
  }

  private removeTab(t: ChatTab, moveFocus: boolean): void {
    const hadFocus = t.tab.contains(this.doc.activeElement) || t.panel.contains(this.doc.activeElement);
    const order = [...this.tabs.keys()];
    const idx = order.indexOf(t.id);
    t.conv.dispose();
    t.customerTyping.set(false);
    t.tab.remove();
    t.panel.remove();
    this.tabs.delete(t.id);
    if (this.active === t.id) {
      this.active = null;
      const rest = [...this.tabs.values()];
      const next = rest[Math.min(idx, rest.length - 1)];
      if (next) this.select(next, moveFocus && hadFocus);
      else if (moveFocus && hadFocus) this.heading.focus();
    }
    if (this.totalUnread() === 0) this.title?.restore('chat');
    this.renderEmpty();
  }

  private renderEmpty(): void {
    this.empty.hidden = this.tabs.size > 0;
    this.tablist.hidden = this.tabs.size === 0;
  }

  private renderTab(t: ChatTab): void {
    renderTabLabel(t);
    this.renderWaiting(t);
  }

  private renderWaiting(t: ChatTab): void {
    renderTabWaiting(t, this.clock.isSynced ? this.clock.now() : this.wall());
  }

  // ----------------------------------------------------------------------------------------------
  // one chat

  private createTab(info: ChatOpen): ChatTab {
    const cid = info.conversation_id;
    const conv = new Conversation({
      conversationId: cid,
      self: { role: 'agent', name: this.me.name },
      canRead: () => this.active === cid && this.visible(),
      onChange: () => {
        const t = this.tabs.get(cid);
        if (t) {
          this.renderLog(t);
          this.renderWaiting(t);
        }
      },
      onLive: (e) => {
        const t = this.tabs.get(cid);
        if (t) this.onLive(t, e);
      },
      ...(this.receiptDelayMs !== undefined ? { receiptDelayMs: this.receiptDelayMs } : {}),
    });
    const view = buildChatTabView(
      info,
      {
        retry: (id) => {
          conv.retry(id);
        },
        remove: (id) => {
          conv.discard(id);
        },
      },
      this.doc,
    );
    const t: ChatTab = {
      ...view,
      id: cid,
      info,
      conv,
      seenInWork: false,
      state: 'open',
      queueName: '',
      unread: 0,
      verified: info.verified_method ?? null,
      customerTyping: new RemoteTyping({
        onChange: (typingNow) => {
          setParts(view.typing, typingNow ? [customerPart(t), ' is typing…'] : []);
        },
      }),
      ending: false,
      transferTo: null,
      statusNote: '',
      awayNote: [],
    };
    const { textarea, privateToggle } = view;

    view.tab.addEventListener('click', () => {
      this.select(t, false);
    });
    textarea.addEventListener('keydown', (ev) => {
      if (!isSendKey(ev)) return;
      ev.preventDefault();
      this.submit(t);
    });
    textarea.addEventListener('input', () => {
      setFieldError(textarea, view.composerError, '');
      // a private note is not "typing" for the customer
      if (!privateToggle.checked) conv.typing.input(textarea.value.trim() !== '');
      renderComposerHint(t);
    });
    privateToggle.addEventListener('change', () => {
      if (privateToggle.checked) conv.typing.stop();
      else conv.typing.input(textarea.value.trim() !== '');
      renderComposer(t, this.live);
    });
    view.form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.submit(t);
    });
    view.cannedButton.addEventListener('click', () => {
      this.openCanned(t);
    });
    view.verifyButton.addEventListener('click', () => {
      this.openVerify(t);
    });
    view.transferButton.addEventListener('click', () => {
      this.openTransfer(t);
    });
    view.endButton.addEventListener('click', () => {
      this.endChat(t);
    });
    view.blockButton.addEventListener('click', () => {
      this.openBlock(t);
    });
    view.wrapupButton.addEventListener('click', () => {
      const target = this.doc.getElementById(`wrapup-${t.info.contact_id}-disposition`);
      if (target instanceof HTMLElement) {
        target.scrollIntoView({ block: 'center' });
        target.focus();
      }
    });
    return t;
  }

  private timeOfDay(ms: number): string {
    return timeOfDay(this.clock.toLocalDate(ms));
  }

  private renderLog(t: ChatTab): void {
    t.log.render(t.conv, { customer: t.info.customer_name, me: this.me.name }, (ms) => this.timeOfDay(ms));
  }

  private submit(t: ChatTab): void {
    if (t.state !== 'open') return;
    const text = t.textarea.value.replace(/\s+$/u, '');
    const fail = (msg: string): void => {
      setFieldError(t.textarea, t.composerError, msg);
      t.textarea.focus();
    };
    if (text.trim() === '') {
      fail('Write a message first.');
      return;
    }
    if (utf8Length(text) > MAX_MESSAGE_BYTES) {
      fail('This message is too long (at most 4000 bytes). Shorten it or send it in parts.');
      return;
    }
    const missing = missingPlaceholders(text);
    if (missing.length > 0) {
      fail(`Fill in ${missing.map((m) => `{${m}}`).join(', ')} first.`);
      return;
    }
    setFieldError(t.textarea, t.composerError, '');
    t.textarea.value = '';
    t.conv.send(text, t.privateToggle.checked);
    renderComposerHint(t);
    this.renderWaiting(t);
  }

  private endChat(t: ChatTab): void {
    const conn = this.conn;
    if (!conn || t.ending) {
      if (!conn) setText(t.actionError, 'Could not end the chat: not connected.');
      return;
    }
    t.ending = true;
    setBusy(t.endButton, true, 'Ending…');
    setText(t.actionError, '');
    conn
      .request('contact.end', { contact_id: t.info.contact_id })
      .then(
        () => {
          t.state = 'wrapping';
          t.conv.ended = true;
          t.conv.typing.stop();
          renderComposer(t, this.live);
          this.renderTab(t);
          this.announce(`Chat with ${customerText(t)} ended. Fill in the wrap-up.`);
          t.wrapupButton.focus();
        },
        (e: unknown) => {
          setText(t.actionError, actionFailure('Could not end the chat', errorOf(e)));
        },
      )
      .finally(() => {
        t.ending = false;
        setBusy(t.endButton, false, 'End chat');
      });
  }

  // ----------------------------------------------------------------------------------------------
  // dialogs

  private openCanned(t: ChatTab): void {
    this.cannedDialog ??= new CannedDialog(this.doc);
    const list = this.setup?.canned ?? [];
    this.cannedDialog.show({
      list,
      language: t.info.language,
      languageName: languageName(t.info.language),
      returnTo: t.cannedButton,
      pick: (text) => {
        const filled = fillPlaceholders(text, {
          customer_name: t.info.customer_name,
          agent_name: this.me.name,
          queue_name: t.queueName || t.info.topic_label,
        });
        const r = insertText(t.textarea.value, t.textarea.selectionStart, t.textarea.selectionEnd, filled);
        t.textarea.value = r.value;
        t.textarea.focus();
        t.textarea.setSelectionRange(r.caret, r.caret);
        if (!t.privateToggle.checked) t.conv.typing.input(true);
        renderComposerHint(t);
      },
      fallback: () => t.textarea,
    });
  }

  private openVerify(t: ChatTab): void {
    this.verifyDialog ??= new VerifyDialog(this.doc);
    this.verifyDialog.show({
      methods: this.setup?.identity_methods ?? [],
      customer: customerPart(t),
      returnTo: t.verifyButton,
      fallback: () => t.textarea,
      submit: (method) => {
        const conn = this.conn;
        if (!conn) return Promise.reject(new RequestError('NOT_CONNECTED', 'Not connected'));
        return conn.request('chat.verify', { conversation_id: t.id, method }).then(() => {
          t.verified = method;
          renderDetails(t);
          this.announce(`Identity of ${customerText(t)} recorded as verified (${isolate(method)}).`);
        });
      },
    });
  }

  private openTransfer(t: ChatTab): void {
    this.transferDialog ??= new TransferDialog(this.doc);
    const conn = this.conn;
    this.transferDialog.show({
      queues: this.setup?.transfer_queues ?? [],
      me: this.me.username,
      language: t.info.language,
      returnTo: t.transferButton,
      fallback: () => t.textarea,
      directory: () =>
        conn
          ? conn.request('staff.directory', {}).then((r) => r.agents)
          : Promise.reject(new RequestError('NOT_CONNECTED', 'Not connected')),
      submit: (target, note) => {
        if (!conn) return Promise.reject(new RequestError('NOT_CONNECTED', 'Not connected'));
        return sendTransfer(conn, t.id, target, note, {
          graceMs: this.transferGraceMs,
          say: (text) => {
            t.statusNote = text;
            renderComposer(t, this.live);
            this.announce(text);
          },
          pending: (name) => {
            t.transferTo = name;
          },
        });
      },
    });
  }

  private openBlock(t: ChatTab): void {
    this.blockDialog ??= new BlockDialog(this.doc);
    this.blockDialog.show({
      customer: customerPart(t),
      returnTo: t.blockButton,
      fallback: () => (t.wrapupButton.hidden ? t.tab : t.wrapupButton),
      submit: (reason) => {
        const conn = this.conn;
        if (!conn) return Promise.reject(new RequestError('NOT_CONNECTED', 'Not connected'));
        return conn.request('chat.block', { conversation_id: t.id, reason }).then(() => {
          t.state = 'wrapping';
          t.conv.ended = true;
          t.conv.typing.stop();
          renderComposer(t, this.live);
          this.renderTab(t);
          this.announce(`Chat with ${customerText(t)} ended and the customer was blocked.`);
        });
      },
    });
  }
}
