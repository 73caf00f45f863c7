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
 */
import { LONG_WAIT_MS, unreadAfter, unreadText, unreadTitle, waitingSince, waitingText } from './activity';
import { cannedForLanguage, fillPlaceholders, insertText, missingPlaceholders, searchCanned } from './canned';
import { ChatLog, NOTE_LABEL } from './chat-log';
import { ModalDialog } from './dialog';
import { languageName } from './format';
import type { TitleAlert } from './title';
import { ServerClock } from '../common/clock';
import { el } from '../common/dom';
import { Conversation } from '../chat/conversation';
import { utf8Length } from '../chat/ids';
import { RemoteTyping } from '../chat/typing';
import { asChatEvent, type ChatEntry } from '../chat/types';
import { RequestError, type Connection, type ConnectionState } from '../net/connection';
import type {
  ChatOpen,
  DirectoryEntry,
  HelloReply,
  QueueRef,
  StaffSetup,
  WorkItem,
} from '../proto/schema.gen';

export const MAX_MESSAGE_BYTES = 4000;
export const MAX_TRANSFER_NOTE_BYTES = 1000;
export const MAX_BLOCK_REASON_BYTES = 500;
/** How long a colleague may take to answer a transfer offer (the reply waits for them). */
export const TRANSFER_ANSWER_MS = 180_000;

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

interface ChatTab {
  id: string;
  info: ChatOpen;
  conv: Conversation;
  seenInWork: boolean;
  state: 'open' | 'wrapping';
  queueName: string;
  unread: number;
  verified: string | null;
  customerTyping: RemoteTyping;
  ending: boolean;
  /** A colleague the chat was offered to, until they answer. */
  transferTo: string | null;
  /** What the panel says about the chat (a transfer, ...), while it is open. */
  statusNote: string;

  tab: HTMLButtonElement;
  tabName: HTMLElement;
  tabMeta: HTMLElement;
  tabUnread: HTMLElement;
  tabWaiting: HTMLElement;
  tabState: HTMLElement;

  panel: HTMLElement;
  heading: HTMLHeadingElement;
  dName: HTMLElement;
  dTopic: HTMLElement;
  dLang: HTMLElement;
  dClaim: HTMLElement;
  dVerified: HTMLElement;
  transferNote: HTMLElement;
  log: ChatLog;
  typing: HTMLElement;
  status: HTMLElement;
  wrapupButton: HTMLButtonElement;
  actions: HTMLElement;
  actionError: HTMLElement;
  form: HTMLFormElement;
  composerLabel: HTMLLabelElement;
  textarea: HTMLTextAreaElement;
  privateToggle: HTMLInputElement;
  composerHint: HTMLElement;
  composerError: HTMLElement;
  send: HTMLButtonElement;
  cannedButton: HTMLButtonElement;
  verifyButton: HTMLButtonElement;
  transferButton: HTMLButtonElement;
  endButton: HTMLButtonElement;
  blockButton: HTMLButtonElement;
}

function setText(node: HTMLElement, text: string): void {
  if (node.textContent !== text) node.textContent = text;
}

function errorOf(e: unknown): RequestError {
  return e instanceof RequestError ? e : new RequestError('INTERNAL', String(e));
}

/** Words for a refused chat action. */
export function actionFailure(what: string, err: RequestError): string {
  switch (err.code) {
    case 'NOT_CONNECTED':
    case 'DISCONNECTED':
      return `${what}: not connected. Try again once the console has reconnected.`;
    case 'TIMEOUT':
      return `${what}: the server did not answer. Try again.`;
    case 'NOT_FOUND':
    case 'CONFLICT':
      return `${what}: this chat is no longer open for that (${err.message}).`;
    case 'FORBIDDEN':
      return `${what}: not allowed (${err.message}).`;
    case 'RATE_LIMITED':
      return `${what}: too many requests. Wait a moment and try again.`;
    default:
      return err.retryable
        ? `${what}: the server is busy. Try again in a moment.`
        : `${what}: ${err.message}.`;
  }
}

/** "Available", "Away", "Offline", "Not connected" for a colleague in the transfer list. */
export function colleagueState(a: DirectoryEntry): string {
  if (!a.connected) return 'Not connected';
  return a.status === 'available' ? 'Available' : a.status === 'away' ? 'Away' : 'Offline';
}

/** Whether a chat can be transferred to this colleague now. */
export function canTakeTransfer(a: DirectoryEntry): boolean {
  return a.connected && a.status === 'available';
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
    this.startTicker =
      deps.startTicker ??
      ((fn) => {
        const t = setInterval(fn, 1000);
        return () => {
          clearInterval(t);
        };
      });

    this.root = el('section', { className: 'panel chats' }, doc);
    this.root.id = 'chats';
    this.root.setAttribute('aria-labelledby', 'chats-heading');
    this.heading = el('h2', { text: 'Chats' }, doc);
    this.heading.id = 'chats-heading';
    this.heading.tabIndex = -1;
    this.empty = el('p', { className: 'muted', text: 'No chats open. Chats you accept appear here.' }, doc);
    this.empty.id = 'chats-empty';
    this.tablist = el('div', { className: 'chat-tabs' }, doc);
    this.tablist.id = 'chat-tabs';
    this.tablist.setAttribute('role', 'tablist');
    this.tablist.setAttribute('aria-label', 'Your chats');
    this.tablist.hidden = true;
    this.panels = el('div', { className: 'chat-panels' }, doc);
    this.announcer = el('div', { className: 'visually-hidden' }, doc);
    this.announcer.id = 'chat-announcer';
    this.announcer.setAttribute('role', 'status');
    this.announcer.setAttribute('aria-atomic', 'true');
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
      this.renderComposer(t);
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
      this.renderComposer(t);
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
      this.announce(`New chat with ${b.customer_name || 'a customer'}: ${b.topic_label || b.topic}.`);
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
    this.renderDetails(t);
    this.renderTab(t);
    this.renderComposer(t);
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
            if (this.active !== t.id)
              this.announce(`Chat with ${this.customerName(t)} ended: wrap-up to do.`);
          }
        }
        t.queueName = item.queue_name || item.queue;
        this.renderTab(t);
        this.renderComposer(t);
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
      this.announce(`New message from ${this.customerName(t)}.`);
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

  private customerName(t: ChatTab): string {
    return t.info.customer_name || 'Customer';
  }

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
    setText(t.tabName, this.customerName(t));
    setText(t.tabMeta, `${t.info.topic_label || t.info.topic} · ${languageName(t.info.language)}`);
    setText(t.tabUnread, unreadText(t.unread));
    t.tabUnread.hidden = t.unread === 0;
    t.tab.dataset.unread = String(t.unread);
    setText(t.tabState, t.state === 'wrapping' ? 'Ended: wrap-up' : '');
    t.tabState.hidden = t.state !== 'wrapping';
    t.tab.dataset.state = t.state;
    this.renderWaiting(t);
  }

  private renderWaiting(t: ChatTab): void {
    const replyPending = t.conv.store.unacked().some((o) => !o.private);
    const since = t.state === 'open' ? waitingSince(t.conv.store.list(), replyPending) : null;
    const now = this.clock.isSynced ? this.clock.now() : this.wall();
    setText(t.tabWaiting, waitingText(since, now));
    t.tabWaiting.hidden = since === null;
    const long = since !== null && now - since >= LONG_WAIT_MS;
    t.tab.classList.toggle('chat-tab-long-wait', long);
  }

  // ----------------------------------------------------------------------------------------------
  // one chat

  private createTab(info: ChatOpen): ChatTab {
    const d = this.doc;
    const cid = info.conversation_id;
    const base = `chat-${cid}`;

    const tab = el('button', { className: 'chat-tab' }, d);
    tab.type = 'button';
    tab.id = `chat-tab-${cid}`;
    tab.setAttribute('role', 'tab');
    tab.setAttribute('aria-selected', 'false');
    tab.setAttribute('aria-controls', `chat-panel-${cid}`);
    tab.tabIndex = -1;
    tab.dataset.conversationId = cid;
    const tabName = el('span', { className: 'chat-tab-name' }, d);
    const tabMeta = el('span', { className: 'chat-tab-meta' }, d);
    const tabUnread = el('span', { className: 'chat-tab-unread' }, d);
    const tabWaiting = el('span', { className: 'chat-tab-waiting' }, d);
    const tabState = el('span', { className: 'chat-tab-state' }, d);
    tab.append(tabName, tabMeta, tabUnread, tabWaiting, tabState);

    const panel = el('section', { className: 'chat-panel' }, d);
    panel.id = `chat-panel-${cid}`;
    panel.setAttribute('role', 'tabpanel');
    panel.setAttribute('aria-labelledby', tab.id);
    panel.dataset.conversationId = cid;
    panel.hidden = true;

    const heading = el('h3', { className: 'chat-heading' }, d);
    heading.id = `${base}-heading`;
    const facts = el('dl', { className: 'chat-facts' }, d);
    const fact = (label: string, id: string): HTMLElement => {
      const dd = el('dd', {}, d);
      dd.id = `${base}-${id}`;
      facts.append(el('dt', { text: label }, d), dd);
      return dd;
    };
    const dName = fact('Customer', 'customer');
    const dTopic = fact('Topic', 'topic');
    const dLang = fact('Language', 'language');
    const dClaim = fact('Claim reference', 'claim');
    const dVerified = fact('Identity', 'verified');
    const transferNote = el('p', { className: 'chat-transfer-note' }, d);
    transferNote.id = `${base}-transfer-note`;
    transferNote.hidden = true;

    const status = el('p', { className: 'chat-status' }, d);
    status.id = `${base}-status`;
    status.setAttribute('role', 'status');
    const wrapupButton = el('button', { className: 'button button-secondary', text: 'Go to the wrap-up' }, d);
    wrapupButton.type = 'button';
    wrapupButton.id = `${base}-wrapup`;
    wrapupButton.hidden = true;

    // actions
    const actions = el('div', { className: 'chat-actions' }, d);
    actions.setAttribute('role', 'group');
    actions.setAttribute('aria-label', 'Chat actions');
    const mk = (id: string, text: string, cls = 'button button-secondary'): HTMLButtonElement => {
      const b = el('button', { className: cls, text }, d);
      b.type = 'button';
      b.id = `${base}-${id}`;
      return b;
    };
    const verifyButton = mk('verify', 'Verify identity');
    const transferButton = mk('transfer', 'Transfer');
    const endButton = mk('end', 'End chat');
    const blockButton = mk('block', 'End and block', 'button button-danger');
    actions.append(verifyButton, transferButton, endButton, blockButton);
    const actionError = el('p', { className: 'form-error' }, d);
    actionError.id = `${base}-action-error`;
    actionError.setAttribute('role', 'alert');

    // log and typing
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
    const log = new ChatLog(
      `${base}-log`,
      `Conversation with ${info.customer_name || 'the customer'}`,
      {
        retry: (id) => {
          conv.retry(id);
        },
        remove: (id) => {
          conv.discard(id);
        },
      },
      d,
    );
    const typing = el('p', { className: 'chat-typing' }, d);
    typing.id = `${base}-typing`;

    // composer
    const form = el('form', { className: 'chat-composer' }, d);
    form.id = `${base}-composer`;
    form.noValidate = true;
    const composerLabel = el('label', { className: 'chat-composer-label' }, d);
    const textarea = el('textarea', {}, d);
    textarea.id = `${base}-message`;
    textarea.rows = 3;
    composerLabel.htmlFor = textarea.id;
    const composerHint = el('p', { className: 'muted chat-composer-hint' }, d);
    composerHint.id = `${base}-message-hint`;
    const composerError = el('p', { className: 'field-error' }, d);
    composerError.id = `${base}-message-error`;
    composerError.setAttribute('role', 'alert');
    textarea.setAttribute('aria-describedby', `${composerHint.id} ${composerError.id}`);
    const tools = el('div', { className: 'chat-composer-tools' }, d);
    const privWrap = el('div', { className: 'choice chat-private' }, d);
    const privateToggle = el('input', {}, d);
    privateToggle.type = 'checkbox';
    privateToggle.id = `${base}-private`;
    const privLabel = el('label', { text: 'Private note (not sent to the customer)' }, d);
    privLabel.htmlFor = privateToggle.id;
    privWrap.append(privateToggle, privLabel);
    const cannedButton = mk('canned', 'Canned responses');
    cannedButton.setAttribute('aria-haspopup', 'dialog');
    const send = el('button', { className: 'button', text: 'Send' }, d);
    send.type = 'submit';
    send.id = `${base}-send`;
    tools.append(privWrap, cannedButton, send);
    form.append(composerLabel, textarea, composerHint, composerError, tools);

    const main = el('div', { className: 'chat-main' }, d);
    main.append(log.box, typing, status, wrapupButton, form);
    const side = el('div', { className: 'chat-side' }, d);
    side.append(facts, transferNote, actions, actionError);
    const cols = el('div', { className: 'chat-columns' }, d);
    cols.append(main, side);
    panel.append(heading, cols);

    const t: ChatTab = {
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
          setText(typing, typingNow ? `${this.customerName(t)} is typing…` : '');
        },
      }),
      ending: false,
      transferTo: null,
      statusNote: '',
      tab,
      tabName,
      tabMeta,
      tabUnread,
      tabWaiting,
      tabState,
      panel,
      heading,
      dName,
      dTopic,
      dLang,
      dClaim,
      dVerified,
      transferNote,
      log,
      typing,
      status,
      wrapupButton,
      actions,
      actionError,
      form,
      composerLabel,
      textarea,
      privateToggle,
      composerHint,
      composerError,
      send,
      cannedButton,
      verifyButton,
      transferButton,
      endButton,
      blockButton,
    };

    tab.addEventListener('click', () => {
      this.select(t, false);
    });
    textarea.addEventListener('keydown', (ev) => {
      if (ev.key !== 'Enter' || ev.shiftKey || ev.altKey || ev.ctrlKey || ev.metaKey || ev.isComposing)
        return;
      ev.preventDefault();
      this.submit(t);
    });
    textarea.addEventListener('input', () => {
      setText(composerError, '');
      textarea.removeAttribute('aria-invalid');
      // a private note is not "typing" for the customer
      if (!privateToggle.checked) conv.typing.input(textarea.value.trim() !== '');
      this.renderComposerHint(t);
    });
    privateToggle.addEventListener('change', () => {
      if (privateToggle.checked) conv.typing.stop();
      else conv.typing.input(textarea.value.trim() !== '');
      this.renderComposer(t);
    });
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.submit(t);
    });
    cannedButton.addEventListener('click', () => {
      this.openCanned(t);
    });
    verifyButton.addEventListener('click', () => {
      this.openVerify(t);
    });
    transferButton.addEventListener('click', () => {
      this.openTransfer(t);
    });
    endButton.addEventListener('click', () => {
      this.endChat(t);
    });
    blockButton.addEventListener('click', () => {
      this.openBlock(t);
    });
    wrapupButton.addEventListener('click', () => {
      const target = this.doc.getElementById(`wrapup-${t.info.contact_id}-disposition`);
      if (target instanceof HTMLElement) {
        target.scrollIntoView({ block: 'center' });
        target.focus();
      }
    });
    return t;
  }

  private renderDetails(t: ChatTab): void {
    const i = t.info;
    setText(t.heading, `Chat with ${this.customerName(t)}`);
    setText(t.dName, i.customer_name || 'Not given');
    setText(t.dTopic, i.topic_label || i.topic);
    setText(t.dLang, languageName(i.language));
    setText(t.dClaim, i.claim_ref ?? 'None given');
    setText(t.dVerified, t.verified !== null ? `Verified (${t.verified})` : 'Not verified');
    t.dVerified.dataset.verified = t.verified !== null ? 'true' : 'false';
    t.verifyButton.hidden = t.verified !== null || t.state !== 'open';
    const note = i.transfer_note ?? '';
    setText(t.transferNote, note ? `Transfer note from the previous specialist: ${note}` : '');
    t.transferNote.hidden = note === '';
  }

  private renderComposer(t: ChatTab): void {
    const open = t.state === 'open';
    const priv = t.privateToggle.checked;
    t.form.hidden = !open;
    t.actions.hidden = !open;
    t.verifyButton.hidden = t.verified !== null || !open;
    t.transferButton.hidden = t.transferTo !== null;
    t.form.classList.toggle('chat-composer-note', priv);
    setText(t.composerLabel, priv ? NOTE_LABEL : `Message to ${this.customerName(t)}`);
    setText(t.send, priv ? 'Add private note' : 'Send');
    t.wrapupButton.hidden = open;
    const note = t.statusNote ? ` ${t.statusNote}` : '';
    setText(
      t.status,
      open
        ? this.live
          ? t.statusNote
          : `Not connected: messages you send now go out when the console reconnects.${note}`
        : `This chat has ended. Complete the wrap-up in My work.${note}`,
    );
    this.renderComposerHint(t);
  }

  private renderComposerHint(t: ChatTab): void {
    const missing = missingPlaceholders(t.textarea.value);
    const base = t.privateToggle.checked
      ? 'Only staff see private notes. Enter adds the note; Shift+Enter starts a new line.'
      : 'Enter sends; Shift+Enter starts a new line.';
    setText(
      t.composerHint,
      missing.length > 0
        ? `${base} Fill in ${missing.map((m) => `{${m}}`).join(', ')} before sending.`
        : base,
    );
  }

  private renderLog(t: ChatTab): void {
    t.log.render(t.conv, { customer: this.customerName(t), me: this.me.name }, (ms) =>
      this.clock.toLocalDate(ms).toLocaleTimeString([], { hour: 'numeric', minute: '2-digit' }),
    );
  }

  private submit(t: ChatTab): void {
    if (t.state !== 'open') return;
    const text = t.textarea.value.replace(/\s+$/u, '');
    const fail = (msg: string): void => {
      setText(t.composerError, msg);
      t.textarea.setAttribute('aria-invalid', 'true');
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
    setText(t.composerError, '');
    t.textarea.removeAttribute('aria-invalid');
    t.textarea.value = '';
    t.conv.send(text, t.privateToggle.checked);
    this.renderComposerHint(t);
    this.renderWaiting(t);
  }

  private endChat(t: ChatTab): void {
    const conn = this.conn;
    if (!conn || t.ending) {
      if (!conn) setText(t.actionError, 'Could not end the chat: not connected.');
      return;
    }
    t.ending = true;
    t.endButton.setAttribute('aria-disabled', 'true');
    setText(t.endButton, 'Ending…');
    setText(t.actionError, '');
    conn
      .request('contact.end', { contact_id: t.info.contact_id })
      .then(
        () => {
          t.state = 'wrapping';
          t.conv.ended = true;
          t.conv.typing.stop();
          this.renderComposer(t);
          this.renderTab(t);
          this.announce(`Chat with ${this.customerName(t)} ended. Fill in the wrap-up.`);
          t.wrapupButton.focus();
        },
        (e: unknown) => {
          setText(t.actionError, actionFailure('Could not end the chat', errorOf(e)));
        },
      )
      .finally(() => {
        t.ending = false;
        t.endButton.removeAttribute('aria-disabled');
        setText(t.endButton, 'End chat');
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
        this.renderComposerHint(t);
      },
      fallback: () => t.textarea,
    });
  }

  private openVerify(t: ChatTab): void {
    this.verifyDialog ??= new VerifyDialog(this.doc);
    this.verifyDialog.show({
      methods: this.setup?.identity_methods ?? [],
      customer: this.customerName(t),
      returnTo: t.verifyButton,
      fallback: () => t.textarea,
      submit: (method) => {
        const conn = this.conn;
        if (!conn) return Promise.reject(new RequestError('NOT_CONNECTED', 'Not connected'));
        return conn.request('chat.verify', { conversation_id: t.id, method }).then(() => {
          t.verified = method;
          this.renderDetails(t);
          this.announce(`Identity of ${this.customerName(t)} recorded as verified (${method}).`);
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
        const body: { conversation_id: string; note: string; to_queue?: string; to_agent?: string } = {
          conversation_id: t.id,
          note,
        };
        const say = (text: string): void => {
          t.statusNote = text;
          this.renderComposer(t);
          this.announce(text);
        };
        if (target.kind === 'queue') {
          body.to_queue = target.id;
          return conn.request('chat.transfer', body).then(() => {
            say(
              `Transferred to the ${target.name} queue. The customer keeps their place; fill in the wrap-up.`,
            );
          });
        }
        // to a colleague: the reply comes once they accept or decline the offer
        body.to_agent = target.id;
        let outcome: 'ok' | RequestError | null = null;
        const answer = conn.request('chat.transfer', body, { timeoutMs: TRANSFER_ANSWER_MS }).then(
          () => {
            outcome = 'ok';
          },
          (e: unknown) => {
            outcome = errorOf(e);
          },
        );
        const finish = (): void => {
          t.transferTo = null;
          const o = outcome;
          if (o === 'ok') say(`${target.name} took the chat. Fill in the wrap-up.`);
          else if (o?.code === 'CONFLICT')
            say(`${target.name} did not take the chat (${o.message}). It stays with you.`);
          else if (o?.code === 'TIMEOUT')
            say(
              `No answer yet about the transfer to ${target.name}. The chat stays with you until they accept.`,
            );
          else if (o)
            say(
              `${actionFailure(`The transfer to ${target.name} did not go through`, o)} The chat stays with you.`,
            );
        };
        const grace = new Promise<void>((resolve) => setTimeout(resolve, this.transferGraceMs));
        return Promise.race([answer, grace]).then(() => {
          const quick = outcome;
          // refused at once: the dialog says why and stays open
          if (quick instanceof RequestError) throw quick;
          if (quick === 'ok') {
            finish();
            return;
          }
          t.transferTo = target.name;
          say(
            `Transfer offered to ${target.name}: waiting for them to accept. Until then the chat stays with you.`,
          );
          void answer.then(finish);
        });
      },
    });
  }

  private openBlock(t: ChatTab): void {
    this.blockDialog ??= new BlockDialog(this.doc);
    this.blockDialog.show({
      customer: this.customerName(t),
      returnTo: t.blockButton,
      fallback: () => (t.wrapupButton.hidden ? t.tab : t.wrapupButton),
      submit: (reason) => {
        const conn = this.conn;
        if (!conn) return Promise.reject(new RequestError('NOT_CONNECTED', 'Not connected'));
        return conn.request('chat.block', { conversation_id: t.id, reason }).then(() => {
          t.state = 'wrapping';
          t.conv.ended = true;
          t.conv.typing.stop();
          this.renderComposer(t);
          this.renderTab(t);
          this.announce(`Chat with ${this.customerName(t)} ended and the customer was blocked.`);
        });
      },
    });
  }
}

// ------------------------------------------------------------------------------------------------
// the dialogs

/** Canned responses in the chat's language, searchable; choosing one fills the composer. */
class CannedDialog {
  private readonly modal: ModalDialog;
  private readonly search: HTMLInputElement;
  private readonly allLanguages: HTMLInputElement;
  private readonly count: HTMLElement;
  private readonly list: HTMLUListElement;
  private readonly cancel: HTMLButtonElement;
  private opts: {
    list: StaffSetup['canned'];
    language: string;
    languageName: string;
    pick: (text: string) => void;
  } | null = null;

  constructor(doc: Document) {
    this.modal = new ModalDialog('canned-dialog', 'Canned responses', doc);
    const field = el('div', { className: 'field' }, doc);
    const label = el('label', { text: 'Search' }, doc);
    this.search = el('input', {}, doc);
    this.search.type = 'search';
    this.search.id = 'canned-search';
    this.search.autocomplete = 'off';
    label.htmlFor = this.search.id;
    field.append(label, this.search);
    const all = el('div', { className: 'choice' }, doc);
    this.allLanguages = el('input', {}, doc);
    this.allLanguages.type = 'checkbox';
    this.allLanguages.id = 'canned-all-languages';
    const allLabel = el('label', { text: 'Show responses in all languages' }, doc);
    allLabel.htmlFor = this.allLanguages.id;
    all.append(this.allLanguages, allLabel);
    this.count = el('p', { className: 'muted' }, doc);
    this.count.id = 'canned-count';
    this.count.setAttribute('role', 'status');
    this.list = el('ul', { className: 'canned-list' }, doc);
    this.list.id = 'canned-list';
    this.list.setAttribute('aria-label', 'Canned responses');
    this.cancel = el('button', { className: 'button button-secondary', text: 'Cancel' }, doc);
    this.cancel.type = 'button';
    this.cancel.id = 'canned-cancel';
    this.modal.body.append(
      el(
        'p',
        {
          className: 'muted',
          text: 'Choose a response to put it in the message box; names are filled in, and you can edit it before sending.',
        },
        doc,
      ),
      field,
      all,
      this.count,
      this.list,
      this.cancel,
    );
    this.search.addEventListener('input', () => {
      this.render();
    });
    this.allLanguages.addEventListener('change', () => {
      this.render();
    });
    this.cancel.addEventListener('click', () => {
      this.modal.close();
    });
  }

  show(o: {
    list: StaffSetup['canned'];
    language: string;
    languageName: string;
    pick: (text: string) => void;
    returnTo: HTMLElement;
    fallback: () => HTMLElement | null;
  }): void {
    this.opts = o;
    this.search.value = '';
    this.allLanguages.checked = false;
    this.render();
    this.modal.open({ returnTo: o.returnTo, focus: this.search, fallback: o.fallback });
  }

  private render(): void {
    const o = this.opts;
    if (!o) return;
    const d = this.list.ownerDocument;
    const pool = this.allLanguages.checked ? o.list : cannedForLanguage(o.list, o.language);
    const found = searchCanned(pool, this.search.value);
    this.list.replaceChildren(
      ...found.map((c) => {
        const li = el('li', {}, d);
        const b = el('button', { className: 'canned-item' }, d);
        b.type = 'button';
        b.dataset.cannedId = c.id;
        b.id = `canned-${c.id}`;
        b.append(
          el('span', { className: 'canned-title', text: c.title }, d),
          el('span', { className: 'canned-lang', text: ` (${languageName(c.language)})` }, d),
          el('span', { className: 'canned-text', text: c.text }, d),
        );
        b.addEventListener('click', () => {
          const pick = o.pick;
          this.modal.close();
          pick(c.text);
        });
        li.append(b);
        return li;
      }),
    );
    const scope = this.allLanguages.checked ? 'in all languages' : `in ${o.languageName}`;
    setText(
      this.count,
      found.length === 0
        ? pool.length === 0
          ? `No canned responses ${scope}.`
          : 'No canned response matches your search.'
        : `${found.length} ${found.length === 1 ? 'response' : 'responses'} ${scope}.`,
    );
  }
}

/** Records how the customer's identity was verified (audited). */
class VerifyDialog {
  private readonly modal: ModalDialog;
  private readonly intro: HTMLElement;
  private readonly form: HTMLFormElement;
  private readonly method: HTMLSelectElement;
  private readonly error: HTMLElement;
  private readonly submit: HTMLButtonElement;
  private busy = false;
  private submitFn: ((method: string) => Promise<void>) | null = null;

  constructor(doc: Document) {
    this.modal = new ModalDialog('verify-dialog', 'Verify identity', doc);
    this.intro = el('p', {}, doc);
    this.intro.id = 'verify-intro';
    const why = el(
      'p',
      {
        className: 'muted',
        text: 'Confirm who the customer is before you discuss claim details: unemployment information is confidential. Ask for the items of one method and tell the customer why you ask. Never ask for the full Social Security number. Recording the verification is audited: your name, the time and the method are logged.',
      },
      doc,
    );
    why.id = 'verify-why';
    this.form = el('form', {}, doc);
    this.form.noValidate = true;
    const field = el('div', { className: 'field' }, doc);
    const label = el('label', { text: 'How the identity was verified (required)' }, doc);
    this.method = el('select', {}, doc);
    this.method.id = 'verify-method';
    this.method.required = true;
    label.htmlFor = this.method.id;
    this.error = el('p', { className: 'form-error' }, doc);
    this.error.id = 'verify-error';
    this.error.setAttribute('role', 'alert');
    this.method.setAttribute('aria-describedby', `verify-why ${this.error.id}`);
    field.append(label, this.method);
    const buttons = el('div', { className: 'modal-buttons' }, doc);
    this.submit = el('button', { className: 'button', text: 'Record as verified' }, doc);
    this.submit.type = 'submit';
    this.submit.id = 'verify-submit';
    const cancel = el('button', { className: 'button button-secondary', text: 'Cancel' }, doc);
    cancel.type = 'button';
    cancel.id = 'verify-cancel';
    buttons.append(this.submit, cancel);
    this.form.append(field, this.error, buttons);
    this.modal.body.append(this.intro, why, this.form);
    cancel.addEventListener('click', () => {
      this.modal.close();
    });
    this.form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.send();
    });
  }

  show(o: {
    methods: readonly string[];
    customer: string;
    returnTo: HTMLElement;
    fallback: () => HTMLElement | null;
    submit: (method: string) => Promise<void>;
  }): void {
    const d = this.method.ownerDocument;
    this.submitFn = o.submit;
    setText(this.intro, `Customer: ${o.customer}`);
    const placeholder = el('option', { text: 'Choose a method' }, d);
    placeholder.value = '';
    this.method.replaceChildren(
      placeholder,
      ...o.methods.map((m) => {
        const opt = el('option', { text: m }, d);
        opt.value = m;
        return opt;
      }),
    );
    setText(this.error, o.methods.length === 0 ? 'No identity methods are configured.' : '');
    this.method.removeAttribute('aria-invalid');
    this.modal.open({ returnTo: o.returnTo, focus: this.method, fallback: o.fallback });
  }

  private send(): void {
    const fn = this.submitFn;
    if (this.busy || !fn) return;
    const method = this.method.value;
    if (method === '') {
      setText(this.error, 'Choose how the identity was verified.');
      this.method.setAttribute('aria-invalid', 'true');
      this.method.focus();
      return;
    }
    this.busy = true;
    this.submit.setAttribute('aria-disabled', 'true');
    setText(this.submit, 'Recording…');
    fn(method)
      .then(
        () => {
          this.modal.close();
        },
        (e: unknown) => {
          setText(this.error, actionFailure('Could not record the verification', errorOf(e)));
        },
      )
      .finally(() => {
        this.busy = false;
        this.submit.removeAttribute('aria-disabled');
        setText(this.submit, 'Record as verified');
      });
  }
}

type TransferTarget = { kind: 'queue' | 'agent'; id: string; name: string };

/** Transfers the chat to a queue or to a named colleague, with a note for the next specialist. */
class TransferDialog {
  private readonly modal: ModalDialog;
  private readonly form: HTMLFormElement;
  private readonly toQueue: HTMLInputElement;
  private readonly toAgent: HTMLInputElement;
  private readonly queueField: HTMLElement;
  private readonly queue: HTMLSelectElement;
  private readonly agentField: HTMLFieldSetElement;
  private readonly agentList: HTMLElement;
  private readonly agentStatus: HTMLElement;
  private readonly refresh: HTMLButtonElement;
  private readonly note: HTMLTextAreaElement;
  private readonly error: HTMLElement;
  private readonly submit: HTMLButtonElement;
  private busy = false;
  private loadSeq = 0;
  private agents: DirectoryEntry[] = [];
  private o: {
    queues: readonly QueueRef[];
    me: string;
    language: string;
    directory: () => Promise<DirectoryEntry[]>;
    submit: (target: TransferTarget, note: string) => Promise<void>;
  } | null = null;

  constructor(doc: Document) {
    this.modal = new ModalDialog('transfer-dialog', 'Transfer chat', doc);
    this.form = el('form', {}, doc);
    this.form.noValidate = true;
    const kind = el('fieldset', { className: 'state-fieldset' }, doc);
    kind.append(el('legend', { text: 'Transfer to' }, doc));
    const row = el('div', { className: 'radio-row' }, doc);
    const radio = (id: string, value: string, text: string): HTMLInputElement => {
      const wrap = el('div', { className: 'choice' }, doc);
      const r = el('input', {}, doc);
      r.type = 'radio';
      r.name = 'transfer-kind';
      r.id = id;
      r.value = value;
      const l = el('label', { text }, doc);
      l.htmlFor = id;
      wrap.append(r, l);
      row.append(wrap);
      return r;
    };
    this.toQueue = radio('transfer-kind-queue', 'queue', 'A queue');
    this.toAgent = radio('transfer-kind-agent', 'agent', 'A colleague');
    kind.append(row);

    this.queueField = el('div', { className: 'field' }, doc);
    const ql = el('label', { text: 'Queue' }, doc);
    this.queue = el('select', {}, doc);
    this.queue.id = 'transfer-queue';
    ql.htmlFor = this.queue.id;
    this.queueField.append(
      ql,
      this.queue,
      el(
        'p',
        { className: 'muted', text: 'The customer keeps their place in line, ahead of new arrivals.' },
        doc,
      ),
    );

    this.agentField = el('fieldset', { className: 'state-fieldset transfer-agents' }, doc);
    this.agentField.append(el('legend', { text: 'Colleague' }, doc));
    this.agentStatus = el('p', { className: 'muted' }, doc);
    this.agentStatus.id = 'transfer-agent-status';
    this.agentStatus.setAttribute('role', 'status');
    this.agentList = el('div', { className: 'transfer-agent-list' }, doc);
    this.agentList.id = 'transfer-agent-list';
    this.refresh = el('button', { className: 'button button-secondary', text: 'Refresh the list' }, doc);
    this.refresh.type = 'button';
    this.refresh.id = 'transfer-refresh';
    this.agentField.append(
      this.agentStatus,
      this.agentList,
      el(
        'p',
        {
          className: 'muted',
          text: 'Only an available colleague can take it. If they decline or do not answer in time, the chat stays with you.',
        },
        doc,
      ),
      this.refresh,
    );

    const noteField = el('div', { className: 'field' }, doc);
    const nl = el('label', { text: 'Note for the next specialist (required)' }, doc);
    this.note = el('textarea', {}, doc);
    this.note.id = 'transfer-note';
    this.note.rows = 3;
    nl.htmlFor = this.note.id;
    const nh = el(
      'p',
      {
        className: 'muted',
        text: 'What the customer needs and what you already did. The customer does not see this note.',
      },
      doc,
    );
    nh.id = 'transfer-note-hint';
    this.error = el('p', { className: 'form-error' }, doc);
    this.error.id = 'transfer-error';
    this.error.setAttribute('role', 'alert');
    this.note.setAttribute('aria-describedby', `${nh.id} ${this.error.id}`);
    noteField.append(nl, this.note, nh);

    const buttons = el('div', { className: 'modal-buttons' }, doc);
    this.submit = el('button', { className: 'button', text: 'Transfer' }, doc);
    this.submit.type = 'submit';
    this.submit.id = 'transfer-submit';
    const cancel = el('button', { className: 'button button-secondary', text: 'Cancel' }, doc);
    cancel.type = 'button';
    cancel.id = 'transfer-cancel';
    buttons.append(this.submit, cancel);
    this.form.append(kind, this.queueField, this.agentField, noteField, this.error, buttons);
    this.modal.body.append(this.form);

    for (const r of [this.toQueue, this.toAgent]) {
      r.addEventListener('change', () => {
        this.renderKind();
        if (this.toAgent.checked && this.agents.length === 0) this.load();
      });
    }
    this.refresh.addEventListener('click', () => {
      this.load();
    });
    cancel.addEventListener('click', () => {
      this.modal.close();
    });
    this.form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.send();
    });
  }

  show(o: {
    queues: readonly QueueRef[];
    me: string;
    language: string;
    returnTo: HTMLElement;
    fallback: () => HTMLElement | null;
    directory: () => Promise<DirectoryEntry[]>;
    submit: (target: TransferTarget, note: string) => Promise<void>;
  }): void {
    const d = this.queue.ownerDocument;
    this.o = o;
    this.agents = [];
    this.agentList.replaceChildren();
    setText(this.agentStatus, '');
    const placeholder = el('option', { text: 'Choose a queue' }, d);
    placeholder.value = '';
    this.queue.replaceChildren(
      placeholder,
      ...o.queues.map((q) => {
        const opt = el('option', { text: q.name || q.id }, d);
        opt.value = q.id;
        return opt;
      }),
    );
    this.toQueue.checked = o.queues.length > 0;
    this.toAgent.checked = o.queues.length === 0;
    this.toQueue.disabled = o.queues.length === 0;
    this.note.value = '';
    setText(this.error, '');
    for (const x of [this.queue, this.note]) x.removeAttribute('aria-invalid');
    this.renderKind();
    if (this.toAgent.checked) this.load();
    this.modal.open({
      returnTo: o.returnTo,
      focus: this.toQueue.checked ? this.toQueue : this.toAgent,
      fallback: o.fallback,
    });
  }

  private renderKind(): void {
    this.queueField.hidden = !this.toQueue.checked;
    this.agentField.hidden = !this.toAgent.checked;
  }

  private load(): void {
    const o = this.o;
    if (!o) return;
    const n = ++this.loadSeq;
    setText(this.agentStatus, 'Loading colleagues…');
    o.directory().then(
      (agents) => {
        if (n !== this.loadSeq) return;
        this.agents = agents.filter((a) => a.username !== o.me);
        this.renderAgents();
      },
      (e: unknown) => {
        if (n !== this.loadSeq) return;
        setText(this.agentStatus, actionFailure('Could not load colleagues', errorOf(e)));
      },
    );
  }

  private renderAgents(): void {
    const o = this.o;
    if (!o) return;
    const d = this.agentList.ownerDocument;
    const chosen = this.agentList.querySelector<HTMLInputElement>('input:checked')?.value;
    const want = o.language.split('-')[0]?.toLowerCase() ?? '';
    // available colleagues who speak the chat's language first
    const rank = (a: DirectoryEntry): number =>
      (canTakeTransfer(a) ? 0 : 2) +
      (a.languages.some((l) => l.split('-')[0]?.toLowerCase() === want) ? 0 : 1);
    const sorted = [...this.agents].sort(
      (a, b) => rank(a) - rank(b) || a.display_name.localeCompare(b.display_name),
    );
    this.agentList.replaceChildren(
      ...sorted.map((a) => {
        const wrap = el('div', { className: 'choice transfer-agent' }, d);
        const r = el('input', {}, d);
        r.type = 'radio';
        r.name = 'transfer-agent';
        r.value = a.username;
        r.id = `transfer-agent-${a.username}`;
        r.disabled = !canTakeTransfer(a);
        r.checked = a.username === chosen && !r.disabled;
        const l = el('label', {}, d);
        l.htmlFor = r.id;
        l.append(
          el('span', { className: 'transfer-agent-name', text: a.display_name || a.username }, d),
          el('span', { className: 'transfer-agent-state', text: ` — ${colleagueState(a)}` }, d),
          el(
            'span',
            {
              className: 'muted',
              text: a.languages.length > 0 ? ` · ${a.languages.map((x) => languageName(x)).join(', ')}` : '',
            },
            d,
          ),
        );
        wrap.dataset.status = a.connected ? a.status : 'not-connected';
        wrap.append(r, l);
        return wrap;
      }),
    );
    const free = sorted.filter(canTakeTransfer).length;
    setText(
      this.agentStatus,
      sorted.length === 0
        ? 'No colleagues found.'
        : `${free} of ${sorted.length} ${sorted.length === 1 ? 'colleague is' : 'colleagues are'} available.`,
    );
  }

  private send(): void {
    const o = this.o;
    if (this.busy || !o) return;
    let target: TransferTarget | null = null;
    const fail = (msg: string, focus: HTMLElement): void => {
      setText(this.error, msg);
      focus.setAttribute('aria-invalid', 'true');
      focus.focus();
    };
    for (const x of [this.queue, this.note]) x.removeAttribute('aria-invalid');
    if (this.toQueue.checked) {
      const q = o.queues.find((x) => x.id === this.queue.value);
      if (!q) {
        fail('Choose the queue to transfer to.', this.queue);
        return;
      }
      target = { kind: 'queue', id: q.id, name: q.name || q.id };
    } else {
      const r = this.agentList.querySelector<HTMLInputElement>('input:checked');
      const a = this.agents.find((x) => x.username === r?.value);
      if (!a) {
        setText(this.error, 'Choose an available colleague.');
        (this.agentList.querySelector<HTMLInputElement>('input:not([disabled])') ?? this.refresh).focus();
        return;
      }
      target = { kind: 'agent', id: a.username, name: a.display_name || a.username };
    }
    const note = this.note.value.trim();
    if (note === '') {
      fail('Write a note for the next specialist.', this.note);
      return;
    }
    if (utf8Length(note) > MAX_TRANSFER_NOTE_BYTES) {
      fail('The note is too long (at most 1000 bytes).', this.note);
      return;
    }
    setText(this.error, '');
    this.busy = true;
    this.submit.setAttribute('aria-disabled', 'true');
    setText(this.submit, 'Transferring…');
    o.submit(target, note)
      .then(
        () => {
          this.modal.close();
        },
        (e: unknown) => {
          const err = errorOf(e);
          setText(
            this.error,
            err.code === 'CONFLICT' && target.kind === 'agent'
              ? `${target.name} cannot take it now (${err.message}). Choose someone else or a queue.`
              : actionFailure('Could not transfer', err),
          );
          if (target.kind === 'agent') this.load();
        },
      )
      .finally(() => {
        this.busy = false;
        this.submit.removeAttribute('aria-disabled');
        setText(this.submit, 'Transfer');
      });
  }
}

/** Ends the chat and blocks the customer, with a required reason (audited). */
class BlockDialog {
  private readonly modal: ModalDialog;
  private readonly intro: HTMLElement;
  private readonly form: HTMLFormElement;
  private readonly reason: HTMLTextAreaElement;
  private readonly error: HTMLElement;
  private readonly submit: HTMLButtonElement;
  private busy = false;
  private submitFn: ((reason: string) => Promise<void>) | null = null;

  constructor(doc: Document) {
    this.modal = new ModalDialog('block-dialog', 'End the chat and block this customer?', doc);
    this.intro = el('p', {}, doc);
    this.intro.id = 'block-intro';
    const why = el(
      'p',
      {
        className: 'muted',
        text: 'This ends the chat now and stops this customer from starting new chats. Use it only for abusive behaviour, following your agency’s policy. It is audited: your name, the time and the reason are logged.',
      },
      doc,
    );
    why.id = 'block-why';
    this.form = el('form', {}, doc);
    this.form.noValidate = true;
    const field = el('div', { className: 'field' }, doc);
    const label = el('label', { text: 'Reason (required)' }, doc);
    this.reason = el('textarea', {}, doc);
    this.reason.id = 'block-reason';
    this.reason.rows = 3;
    label.htmlFor = this.reason.id;
    this.error = el('p', { className: 'form-error' }, doc);
    this.error.id = 'block-error';
    this.error.setAttribute('role', 'alert');
    this.reason.setAttribute('aria-describedby', `block-why ${this.error.id}`);
    field.append(label, this.reason);
    const buttons = el('div', { className: 'modal-buttons' }, doc);
    this.submit = el('button', { className: 'button button-danger', text: 'End chat and block' }, doc);
    this.submit.type = 'submit';
    this.submit.id = 'block-submit';
    const cancel = el('button', { className: 'button button-secondary', text: 'Cancel' }, doc);
    cancel.type = 'button';
    cancel.id = 'block-cancel';
    buttons.append(this.submit, cancel);
    this.form.append(field, this.error, buttons);
    this.modal.body.append(this.intro, why, this.form);
    cancel.addEventListener('click', () => {
      this.modal.close();
    });
    this.form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.send();
    });
  }

  show(o: {
    customer: string;
    returnTo: HTMLElement;
    fallback: () => HTMLElement | null;
    submit: (reason: string) => Promise<void>;
  }): void {
    this.submitFn = o.submit;
    setText(this.intro, `Customer: ${o.customer}`);
    this.reason.value = '';
    this.reason.removeAttribute('aria-invalid');
    setText(this.error, '');
    // the safe choice has the focus
    this.modal.open({
      returnTo: o.returnTo,
      focus: this.form.querySelector<HTMLElement>('#block-cancel'),
      fallback: o.fallback,
    });
  }

  private send(): void {
    const fn = this.submitFn;
    if (this.busy || !fn) return;
    const reason = this.reason.value.trim();
    const fail = (msg: string): void => {
      setText(this.error, msg);
      this.reason.setAttribute('aria-invalid', 'true');
      this.reason.focus();
    };
    if (reason === '') {
      fail('Give the reason for blocking this customer.');
      return;
    }
    if (utf8Length(reason) > MAX_BLOCK_REASON_BYTES) {
      fail('The reason is too long (at most 500 bytes).');
      return;
    }
    setText(this.error, '');
    this.busy = true;
    this.submit.setAttribute('aria-disabled', 'true');
    setText(this.submit, 'Ending…');
    fn(reason)
      .then(
        () => {
          this.modal.close();
        },
        (e: unknown) => {
          setText(this.error, actionFailure('Could not block', errorOf(e)));
        },
      )
      .finally(() => {
        this.busy = false;
        this.submit.removeAttribute('aria-disabled');
        setText(this.submit, 'End chat and block');
      });
  }
}
