/**
 * <switchboard-chat>: the customer chat widget, one ES module that a host page loads with
 *
 *   <script type="module" src="https://SWITCHBOARD/widget/switchboard-widget.js"></script>
 *   <switchboard-chat lang="es"></switchboard-chat>
 *
 * Attributes:
 *   server  base URL of the Switchboard server ("https://chat.example.gov"); the widget connects to
 *           ws(s)://that host/ws/customer. Default: the origin this script was loaded from.
 *   lang    en or es (default: the page's language if Spanish, else English).
 *
 * Everything lives in an open shadow root, styled by a constructable stylesheet (no <style>
 * element, no style attributes: a strict CSP with style-src 'self' allows it). The resume token
 * from the hello reply and the local copy of the chat are kept in sessionStorage, or in
 * localStorage when the customer says the computer is their own (chat-storage.ts); the token is
 * presented on reconnect and after a reload, when the widget also reopens by itself.
 *
 * Views, after connecting: the pre-chat form (name, topic, language, optional claim reference,
 * whether the computer is their own; then contact.request), the waiting view (place in line and
 * expected wait from contact.status, a polite live region that speaks only when its text changes;
 * "Leave the line" with a confirmation) which becomes the chat once a specialist answers (the
 * conversation below it: chat-view.ts), and the ended view (why, in the widget's language, beside
 * the server's own message; a transcript to save or print, and a rating: after-chat.ts). A resumed
 * customer whose hello reply names an open contact goes straight back to it, with the messages
 * kept locally shown at once and the rest synced from the server.
 *
 * This module holds the flow: the connection, the contact's model, the conversation and its local
 * record, and the requests. The views build and render themselves: the frame (panel-view.ts), the
 * pre-chat form (prechat-form.ts), the waiting view (waiting-view.ts), the ended view
 * (ended-view.ts); the record kept between page loads is chat-record.ts.
 */
import css from './widget.css?inline';
import { MAX_COMMENT_BYTES, buildPrintTranscript, transcriptHeader, transcriptLines } from './after-chat';
import { CHAT_STRINGS, type ChatStrings } from './chat-strings';
import { DEFAULT_KEEP_MS, loadRecord, resumedRecord, startedRecord, type ChatRecord } from './chat-record';
import { ChatStorage } from './chat-storage';
import { ChatView } from './chat-view';
import { EndedView } from './ended-view';
import { PanelView } from './panel-view';
import { PrechatForm } from './prechat-form';
import { printTranscript } from './print';
import { customerSocketUrl } from './server-url';
import { WaitingView } from './waiting-view';
import { widgetStatus } from './widget-status';
import {
  applyStatus,
  initialModel,
  isFinal,
  requestErrorText,
  waitFor,
  type ContactModel,
} from './contact-view';
import {
  STRINGS,
  pickLang,
  pickLocale,
  topicLabel,
  type EndKind,
  type WidgetLang,
  type WidgetStrings,
} from './strings';
import { Conversation } from '../chat/conversation';
import { utf8Length } from '../chat/ids';
import { MessageStore } from '../chat/store';
import { downloadText, transcriptFileName, transcriptText } from '../chat/transcript';
import { RemoteTyping } from '../chat/typing';
import { asChatEvent, isStaffRole, type ChatEntry } from '../chat/types';
import { el, sentence } from '../common/dom';
import { CLIENT_VERSION } from '../common/version';
import { TitleAlert } from '../console/title';
import { Connection, errorOf, RequestError, type ConnectionState } from '../net/connection';
import type { ContactStatus, CustomerSetup, ServerNotice } from '../proto/schema.gen';

export { widgetStatus } from './widget-status';

export const TAG = 'switchboard-chat';

let sharedSheet: CSSStyleSheet | null = null;

function styleSheet(): CSSStyleSheet {
  if (!sharedSheet) {
    sharedSheet = new CSSStyleSheet();
    sharedSheet.replaceSync(css);
  }
  return sharedSheet;
}

export class SwitchboardChat extends HTMLElement {
  static readonly observedAttributes = ['lang', 'server'];

  // the views: the frame (launcher, panel, status), and inside it the pre-chat form, the waiting
  // view, the ended view, and the conversation (below the waiting view while chatting, below the
  // end once over)
  private readonly frame: PanelView;
  private readonly prechat: PrechatForm;
  private readonly waiting: WaitingView;
  private readonly ended: EndedView;
  private readonly chat: ChatView;
  private readonly chatNote: HTMLParagraphElement;

  private readonly storage = new ChatStorage();
  private conv: Conversation | null = null;
  private record: ChatRecord | null = null;
  /** The record came from storage after the chat had ended (no rating then: the token is gone). */
  private restoredEnded = false;
  private keepMs = DEFAULT_KEEP_MS;
  private readonly remoteTyping: RemoteTyping;
  /** seq of the inactivity warning the customer answered with "I'm still here". */
  private stayedSeq = 0;
  private warningShown: number | null = null;
  private stayBusy = false;
  private rateBusy = false;
  private readonly hostTitle = new TitleAlert(document);
  private readonly onVisibility = (): void => {
    if (document.visibilityState === 'visible') {
      this.hostTitle.restore('chat');
      this.conv?.seen();
    }
  };
  private conn: Connection | null = null;
  private connState: ConnectionState = { status: 'idle' };
  private uiLang: WidgetLang = 'en';

  private setup: CustomerSetup | null = null;
  private model: ContactModel = initialModel();
  private readonly finished = new Set<string>();
  /** A contact.status arrived on the current connection (it may come before the hello reply is handled). */
  private statusSeen = false;

  constructor() {
    super();
    const root = this.attachShadow({ mode: 'open' });
    root.adoptedStyleSheets = [styleSheet()];

    this.prechat = new PrechatForm(
      {
        setup: () => this.setup,
        lang: () => this.uiLang,
        locale: () => this.locale(),
        activeElement: () => this.shadowRoot?.activeElement ?? null,
      },
      {
        startChat: () => {
          this.startChat();
        },
        leaveMessage: () => {
          this.leaveMessage();
        },
        render: () => {
          this.render();
        },
      },
    );
    this.waiting = new WaitingView({
      model: () => this.model,
      lang: () => this.uiLang,
      leave: () => {
        this.leave();
      },
    });
    this.ended = new EndedView({
      save: () => {
        this.saveTranscript();
      },
      print: () => {
        this.printTranscript();
      },
      rate: (score, comment) => {
        this.rate(score, comment);
      },
    });
    this.chat = new ChatView({
      send: (text) => {
        this.sendMessage(text);
      },
      input: (hasText) => {
        this.conv?.typing.input(hasText);
      },
      stay: () => {
        this.stay();
      },
      retry: (id) => {
        this.conv?.retry(id);
      },
      remove: (id) => {
        this.conv?.discard(id);
      },
    });
    this.chatNote = el('p', { id: 'sb-chat-note', className: 'note', attrs: { role: 'status' } });
    this.chat.root.prepend(this.chatNote);
    this.remoteTyping = new RemoteTyping({
      onChange: (typing) => {
        const tc = this.chatStrings();
        const name = this.record?.agentName;
        this.chat.setTyping(typing ? (name ? sentence(tc.typing, name) : [tc.typing(tc.specialist)]) : null);
      },
    });
    this.frame = new PanelView([this.prechat.root, this.waiting.root, this.ended.root, this.chat.root]);
    root.append(this.frame.wrapper);

    this.frame.launcher.addEventListener('click', () => {
      if (this.frame.panel.hidden) this.openPanel(true);
      else this.closePanel();
    });
    this.frame.closeButton.addEventListener('click', () => {
      this.closePanel();
    });
    this.frame.wrapper.addEventListener('keydown', (ev) => {
      if (ev.key !== 'Escape' || this.frame.panel.hidden) return;
      ev.stopPropagation();
      if (this.waiting.confirming) {
        this.waiting.hideConfirm(true);
        return;
      }
      this.closePanel();
    });
    this.frame.action.addEventListener('click', () => {
      this.conn?.start();
    });
    this.ended.leaveMessageButton.addEventListener('click', () => {
      // the line asked for a message (or a number to call back): back to the form, in that mode
      // for that topic
      const topic = this.prechat.lastTopic;
      const ended = this.model.ended;
      const kind = ended?.kind === 'canceled' && ended.reason === 'callback' ? 'callback' : 'message';
      this.ended.newChat.click();
      this.prechat.chooseForMessage(topic, kind);
      this.render();
      this.prechat.message.firstInput().focus();
    });
    this.ended.newChat.addEventListener('click', () => {
      this.prechat.reset();
      this.forgetChat();
      this.model = initialModel();
      this.render();
      this.prechat.focusFirst();
    });
  }

  connectedCallback(): void {
    this.renderStrings();
    document.addEventListener('visibilitychange', this.onVisibility);
    // the local copy of a chat from before the reload is shown at once, the rest follows
    if (!this.record) this.restoreRecord();
    // a conversation was going on before the page was reloaded: pick it up again
    if (this.storage.get() !== null && !this.frame.isOpen) this.openPanel(false);
  }

  disconnectedCallback(): void {
    document.removeEventListener('visibilitychange', this.onVisibility);
    this.conn?.close();
    this.conn = null;
    this.conv?.dispose();
  }

  attributeChangedCallback(name: string, oldValue: string | null, newValue: string | null): void {
    if (oldValue === newValue) return;
    if (name === 'lang') this.renderStrings();
    if (name === 'server' && this.conn) {
      this.conn.close();
      this.conn = null;
      if (this.frame.isOpen) this.connect();
    }
  }

  /** Whether the chat panel is showing. */
  get isOpen(): boolean {
    return this.frame.isOpen;
  }

  private strings(): WidgetStrings {
    return STRINGS[this.uiLang];
  }

  private chatStrings(): ChatStrings {
    return CHAT_STRINGS[this.uiLang];
  }

  private locale(): string {
    return pickLocale(this.uiLang, typeof navigator !== 'undefined' ? navigator.languages : []);
  }

  /** Whether the keyboard focus is inside the widget (so moving it within is no surprise). */
  private focusInside(): boolean {
    return (this.shadowRoot?.activeElement ?? null) !== null;
  }

  private renderStrings(): void {
    this.uiLang = pickLang(this.getAttribute('lang'), document.documentElement.lang);
    const t = this.strings();
    const tc = this.chatStrings();
    this.frame.renderStrings(this.uiLang, t);
    this.prechat.renderStrings(t, tc);
    this.waiting.renderStrings(t);
    this.ended.renderStrings(t, tc);
    this.chat.renderStrings(tc);
    this.renderState(this.connState);
  }

  private renderState(s: ConnectionState): void {
    this.connState = s;
    this.frame.renderStatus(widgetStatus(s, this.strings()));
    this.render();
  }

  // ----------------------------------------------------------------------------------------------
  // views

  private render(): void {
    const closed = this.connState.status === 'closed';
    const phase = this.model.phase;
    this.frame.intro.hidden = phase !== 'prechat';
    this.prechat.root.hidden =
      closed || phase !== 'prechat' || (this.setup === null && this.connState.status !== 'connected');
    this.waiting.root.hidden = closed || phase !== 'waiting';
    this.ended.root.hidden = closed || phase !== 'ended';
    this.frame.panel.dataset.view = closed ? 'closed' : phase;
    if (!this.prechat.root.hidden) this.prechat.render();
    if (!this.waiting.root.hidden) this.waiting.render();
    if (!this.ended.root.hidden) this.renderEnded();
    this.renderChat();
  }

  /** Whether the customer is in an answered chat that is still going on. */
  private chatting(): boolean {
    return this.model.phase === 'waiting' && this.model.status?.state === 'assigned' && !this.model.leaving;
  }

  private renderChat(): void {
    const closed = this.connState.status === 'closed';
    const tc = this.chatStrings();
    if (closed || this.model.phase === 'prechat' || !this.conv) {
      this.chat.root.hidden = true;
      return;
    }
    this.chat.render(this.conv, {
      t: tc,
      locale: this.locale(),
      agentName: this.record?.agentName ?? '',
      composing: this.chatting(),
      connected: this.connState.status === 'connected',
    });
    // the inactivity warning: the last one not answered yet, while the chat goes on
    const warn = this.chatting() ? this.openWarning() : null;
    if (warn === null) {
      if (this.warningShown !== null) this.hostTitle.restore('chat');
      this.warningShown = null;
      this.chat.setWarning(null, tc);
    } else if (this.warningShown !== warn.seq) {
      this.warningShown = warn.seq;
      // the server's words say when the chat will end, but only in English
      const server = warn.text.trim();
      this.chat.setWarning(this.uiLang === 'en' && server !== '' ? server : tc.inactiveText, tc);
      if (document.visibilityState !== 'visible') this.hostTitle.show(`● ${tc.titleStillThere}`, 'chat');
    }
  }

  /** The inactivity warning still waiting for an answer, if any. */
  private openWarning(): ChatEntry | null {
    const conv = this.conv;
    if (!conv) return null;
    let warn: ChatEntry | null = null;
    for (const e of conv.store.list()) {
      if (e.kind === 'system' && e.system === 'inactive_warning') warn = e;
      else if (warn && e.kind === 'message' && e.from_role === 'customer') warn = null;
    }
    return warn && warn.seq > this.stayedSeq ? warn : null;
  }

  private renderEnded(): void {
    const r = this.record;
    const hasLog = (this.conv?.store.items() ?? []).some(
      (i) => i.type === 'pending' || i.entry.kind !== 'note',
    );
    this.ended.render(this.model, this.strings(), {
      transcript: hasLog,
      shared: !(r?.ownDevice ?? this.prechat.ownDevice),
      rating:
        !r || !r.answered || this.restoredEnded ? 'none' : r.rated ? 'done' : this.rateBusy ? 'busy' : 'form',
      t: this.chatStrings(),
    });
  }

  /** Changes the model and renders; moves focus to the new view's heading when the view changed. */
  private setModel(next: ContactModel): void {
    const before = this.model.phase;
    const wasChatting = this.chatting();
    const hadFocus = this.focusInside();
    if (next.phase === 'ended' && next.contactId) this.finished.add(next.contactId);
    if (next.phase === 'ended' && before !== 'ended') this.chatEnded(next.ended);
    if (next.status?.state === 'assigned' && this.record) {
      const name = next.status.agent_name ?? this.record.agentName;
      if (!this.record.answered || this.record.agentName !== name) {
        this.record = { ...this.record, answered: true, agentName: name };
        this.saveRecord();
      }
    }
    if (next.phase !== 'waiting') this.waiting.reset();
    this.model = next;
    this.render();
    if (before !== next.phase && hadFocus) {
      if (next.phase === 'waiting') this.waiting.title.focus();
      else if (next.phase === 'ended') this.ended.title.focus();
    }
    // answered while the customer was looking at the waiting view: straight to the message box
    const a = this.shadowRoot?.activeElement ?? null;
    if (!wasChatting && this.chatting() && (a === this.waiting.title || a === this.frame.panel))
      this.chat.textarea.focus();
  }

  // ----------------------------------------------------------------------------------------------
  // requests

  private startChat(): void {
    if (this.prechat.busy) return;
    const t = this.strings();
    const tc = this.chatStrings();
    const f = this.prechat.checkChat();
    if (!f) return;
    const conn = this.conn;
    if (!conn) return;
    const topic = f.topic;
    this.prechat.lastTopic = topic.id;
    const ownDevice = this.prechat.ownDevice;
    this.prechat.errorText = '';
    this.prechat.busy = true;
    this.prechat.renderDetails();
    const body: { topic: string; channel: 'chat'; lang: string; name: string; claim_ref?: string } = {
      topic: topic.id,
      channel: 'chat',
      lang: f.lang,
      name: f.name,
    };
    if (f.claimRef !== undefined) body.claim_ref = f.claimRef;
    conn
      .request('contact.request', body)
      .then(
        (rep) => {
          // only on the customer's own computer may the chat outlive the tab
          this.storage.setMode(ownDevice ? 'local' : 'session', this.keepMs);
          this.beginChat(
            startedRecord({
              contactId: rep.contact_id,
              conversationId: rep.conversation_id,
              customerName: f.name,
              claimRef: f.claimRef,
              topicLabel: topicLabel(topic, this.uiLang),
              queueName: rep.queue_name,
              ownDevice,
            }),
          );
          this.setModel(waitFor(this.model, rep.contact_id, rep.queue_name));
        },
        (e: unknown) => {
          const err = errorOf(e);
          if (err.code === 'BAD_FIELD' && (err.field === 'name' || err.field === 'claim_ref')) {
            this.prechat.refuseField(err.field, tc);
            return;
          }
          if (err.code === 'QUEUE_CLOSED') {
            // the topic list may be older than the hours: remember what the server said
            topic.open = false;
            if (err.nextOpenMs !== undefined) topic.next_open_ms = err.nextOpenMs;
            else delete topic.next_open_ms;
            this.prechat.errorTopic = topic.id;
          }
          this.prechat.errorText = requestErrorText(err, t, this.locale());
        },
      )
      .finally(() => {
        this.prechat.busy = false;
        this.render();
      });
  }

  private leaveMessage(): void {
    if (this.prechat.busy) return;
    const t = this.strings();
    const topic = this.prechat.chosenTopic();
    const conn = this.conn;
    if (!topic || !conn) return;
    const f = this.prechat.checkMessage();
    if (!f) return;
    const body: {
      topic: string;
      lang: string;
      name: string;
      text: string;
      reply_to?: string;
      claim_ref?: string;
      callback?: boolean;
    } = { topic: topic.id, lang: this.prechat.language || this.uiLang, name: f.name, text: f.text };
    if (f.replyTo !== undefined) body.reply_to = f.replyTo;
    if (f.claimRef !== undefined) body.claim_ref = f.claimRef;
    if (f.callback) body.callback = true;
    this.prechat.errorText = '';
    this.prechat.busy = true;
    this.prechat.renderDetails();
    conn
      .request('contact.message', body)
      .then(
        (rep) => {
          this.prechat.messageTopic = null;
          this.prechat.message.sent(t, rep.reference, f.callback ? (f.replyTo ?? '') : '');
        },
        (e: unknown) => {
          const err = errorOf(e);
          // a field the server refused is said next to that field
          if (err.code === 'BAD_FIELD' && (err.field === 'name' || err.field === 'claim_ref')) {
            this.prechat.refuseField(err.field, this.chatStrings());
            return;
          }
          if (err.code === 'BAD_FIELD' && (err.field === 'text' || err.field === 'reply_to')) {
            this.prechat.refuseMessageField(err.field, t);
            return;
          }
          this.prechat.errorTopic = topic.id;
          this.prechat.errorText = requestErrorText(err, t, this.locale());
        },
      )
      .finally(() => {
        this.prechat.busy = false;
        this.render();
      });
  }

  private leave(): void {
    const id = this.model.contactId;
    const conn = this.conn;
    if (this.waiting.busy || !conn || id === null) return;
    const answered = this.model.status?.state === 'assigned';
    this.waiting.busy = true;
    this.waiting.errorText = '';
    this.model = { ...this.model, leaving: true };
    this.waiting.render();
    conn
      .request('contact.cancel', { contact_id: id })
      .then(
        () => {
          if (this.model.phase === 'waiting' && this.model.contactId === id)
            this.setModel({
              ...this.model,
              phase: 'ended',
              ended: { kind: 'left', answered },
              endMessage: '',
            });
        },
        (e: unknown) => {
          const err = errorOf(e);
          this.model = { ...this.model, leaving: false };
          if (err.code === 'NOT_FOUND' || err.code === 'CONFLICT') {
            if (
              this.model.phase === 'waiting' &&
              this.model.contactId === id &&
              this.model.notice !== 'overflow'
            ) {
              this.setModel({ ...this.model, phase: 'ended', ended: { kind: 'lost' }, endMessage: '' });
              return;
            }
            this.waiting.errorText = this.strings().retryLater;
          } else {
            this.waiting.errorText = requestErrorText(err, this.strings(), this.locale());
          }
        },
      )
      .finally(() => {
        this.waiting.busy = false;
        if (this.model.phase === 'waiting') {
          this.waiting.render();
          if (this.waiting.errorText !== '') this.waiting.hideConfirm(this.focusInside());
        }
      });
  }

  // ----------------------------------------------------------------------------------------------
  // connection

  private addNotice(n: ServerNotice): void {
    this.frame.addNotice(n, this.strings().noticeLabel);
  }

  private onConnState(s: ConnectionState): void {
    if (s.status !== 'connected') this.statusSeen = false;
    if (s.status === 'connected') {
      const id = s.hello.contact_id;
      if (s.hello.resume_ttl_s !== undefined) this.keepMs = s.hello.resume_ttl_s * 1000;
      if (id !== undefined) {
        // a resumed customer with an open contact: straight to the waiting view
        if (!(this.statusSeen && this.model.contactId === id) && !this.finished.has(id))
          this.model = waitFor(this.model, id, this.record?.contactId === id ? this.record.queueName : '');
        if (s.hello.conversation_id !== undefined && !this.finished.has(id))
          this.resumeConversation(id, s.hello.conversation_id);
      } else if (this.model.phase === 'waiting' && !this.statusSeen && this.model.notice !== 'overflow') {
        // the contact ended while this customer was away
        this.model = { ...this.model, phase: 'ended', ended: { kind: 'lost' }, endMessage: '' };
        if (this.model.contactId) this.finished.add(this.model.contactId);
        this.chatEnded({ kind: 'lost' });
      }
      // catch up with what was missed, then send what waits
      const conv = this.conv;
      if (conv && this.conn && !this.restoredEnded) void conv.connected(this.conn, s.hello.epoch);
    } else {
      this.conv?.disconnected();
      this.remoteTyping.set(false);
    }
    if (s.status === 'closed' && s.reason === 'signed-out') {
      // the server forgot this customer: whatever comes next starts afresh
      this.model = initialModel();
      this.setup = null;
    }
    this.renderState(s);
  }

  private connect(): void {
    if (this.conn) return;
    const url = customerSocketUrl(this.getAttribute('server'), import.meta.url, location.href);
    if (url === null) {
      this.renderState({ status: 'closed', reason: 'error', message: 'no server URL' });
      return;
    }
    const conn = new Connection({
      url,
      client: `widget/${CLIENT_VERSION}`,
      lang: () => this.uiLang,
      tokenStore: this.storage,
    });
    this.conn = conn;
    conn.onState((s) => {
      if (this.conn === conn) this.onConnState(s);
    });
    conn.on('server.notice', (n) => {
      this.addNotice(n);
    });
    conn.on('customer.setup', (b) => {
      if (this.conn !== conn) return;
      this.setup = b;
      this.render();
    });
    conn.on('contact.status', (b) => {
      if (this.conn !== conn) return;
      this.statusSeen = true;
      if (b.conversation_id !== undefined && !isFinal(b) && !this.finished.has(b.contact_id))
        this.resumeConversation(b.contact_id, b.conversation_id, b);
      const next = applyStatus(this.model, b, this.finished);
      if (isFinal(b)) this.finished.add(b.contact_id);
      if (next !== this.model) this.setModel(next);
    });
    conn.on('chat.event', (b) => {
      const m = asChatEvent(b);
      if (this.conn === conn && this.conv?.id === m.conversation_id) this.conv.onEvent(m);
    });
    conn.on('chat.typing.event', (b) => {
      if (this.conn !== conn || this.conv?.id !== b.conversation_id || !isStaffRole(b.from_role)) return;
      this.remoteTyping.set(b.typing && this.chatting());
    });
    conn.on('chat.receipt.event', (b) => {
      if (this.conn !== conn || this.conv?.id !== b.conversation_id || b.from_role === 'customer') return;
      this.conv.onReceipt(b.delivered_seq, b.read_seq);
    });
    conn.on('chat.epoch', (b) => {
      if (this.conn === conn) this.conv?.onEpoch(b.epoch);
    });
    conn.onProblem((e) => {
      console.warn('switchboard-chat: protocol problem', e);
    });
    window.addEventListener('online', () => {
      conn.reconnectNow();
    });
    conn.start();
  }

  private openPanel(moveFocus: boolean): void {
    this.frame.open();
    this.connect();
    if (moveFocus) this.frame.panel.focus();
    this.conv?.seen();
  }

  // ----------------------------------------------------------------------------------------------
  // the conversation

  private newConversation(conversationId: string, store: MessageStore, name: string): Conversation {
    return new Conversation({
      conversationId,
      store,
      self: { role: 'customer', name },
      canRead: () => this.frame.isOpen && document.visibilityState === 'visible',
      onChange: () => {
        this.onConversationChange();
      },
      onLive: (e) => {
        this.onLive(e);
      },
    });
  }

  /** A chat starts (contact.request answered): a fresh local copy, kept where the customer allowed. */
  private beginChat(r: ChatRecord): void {
    this.forgetChat();
    this.record = r;
    const store = new MessageStore('customer');
    store.restore(r.store);
    this.conv = this.newConversation(r.conversationId, store, r.customerName);
    this.saveRecord();
    if (this.conn && this.connState.status === 'connected') void this.conv.connected(this.conn);
  }

  /** The server names the customer's open conversation (hello reply, contact.status). */
  private resumeConversation(contactId: string, conversationId: string, status?: ContactStatus): void {
    if (this.conv?.id === conversationId) {
      if (this.record && this.record.contactId !== contactId) {
        // a transfer or an overflow moved the conversation to a new contact
        this.record = { ...this.record, contactId, queueName: status?.queue_name ?? this.record.queueName };
        this.saveRecord();
      }
      return;
    }
    if (!this.record || this.record.conversationId !== conversationId) this.restoreRecord(conversationId);
    if (this.conv?.id === conversationId) return;
    // nothing kept locally (storage blocked, another tab): start an empty copy, synced from 0
    this.conv?.dispose();
    this.record = resumedRecord(contactId, conversationId, status, this.storage.mode === 'local');
    this.restoredEnded = false;
    this.conv = this.newConversation(conversationId, new MessageStore('customer'), '');
    this.saveRecord();
  }

  /** Loads the chat kept in storage (after a reload), optionally only the given conversation. */
  private restoreRecord(onlyConversation?: string): void {
    const kept = loadRecord(this.storage);
    if (!kept) return;
    const { record: raw, store } = kept;
    if (onlyConversation !== undefined && raw.conversationId !== onlyConversation) return;
    this.conv?.dispose();
    this.record = raw;
    this.conv = this.newConversation(raw.conversationId, store, raw.customerName);
    this.restoredEnded = raw.ended !== null;
    if (raw.ended !== null) {
      this.conv.ended = true;
      this.finished.add(raw.contactId);
      if (this.model.phase === 'prechat')
        this.model = { ...initialModel(), phase: 'ended', contactId: raw.contactId, ended: raw.ended };
    } else if (this.model.phase === 'prechat') {
      this.model = waitFor(this.model, raw.contactId, raw.queueName);
    }
    if (raw.ownDevice) this.prechat.deviceOwn.checked = true;
  }

  private saveRecord(): void {
    const r = this.record;
    const conv = this.conv;
    if (!r || !conv || conv.id !== r.conversationId) return;
    r.store = conv.store.snapshot();
    this.storage.saveChat(r, this.keepMs);
  }

  /** Forgets the chat everywhere (the customer starts a new one). */
  private forgetChat(): void {
    this.conv?.dispose();
    this.conv = null;
    this.record = null;
    this.restoredEnded = false;
    this.stayedSeq = 0;
    this.warningShown = null;
    this.rateBusy = false;
    this.chat.clear();
    this.ended.afterChat.reset();
    this.chatNote.textContent = '';
    this.remoteTyping.set(false);
    this.hostTitle.restore('chat');
    this.storage.clearChat();
  }

  /** The contact ended: no more typing; the token is revoked, so nothing of it outlives the tab now. */
  private chatEnded(kind: EndKind | null): void {
    const conv = this.conv;
    if (!conv) return;
    conv.typing.stop();
    conv.ended = true;
    this.remoteTyping.set(false);
    if (this.record && this.record.ended === null)
      this.record = { ...this.record, ended: kind ?? { kind: 'completed' } };
    this.storage.setMode('session');
    this.saveRecord();
  }

  private onConversationChange(): void {
    this.saveRecord();
    this.renderChat();
    if (this.model.phase === 'ended' && !this.ended.root.hidden) this.renderEnded();
  }

  private onLive(e: ChatEntry): void {
    if (!isStaffRole(e.from_role) || e.kind !== 'message') return;
    this.remoteTyping.set(false);
    this.chatNote.textContent = '';
    if (document.visibilityState !== 'visible')
      this.hostTitle.show(`● ${this.chatStrings().titleNewMessage}`, 'chat');
  }

  private sendMessage(text: string): void {
    const conv = this.conv;
    if (!conv) return;
    this.chatNote.textContent = '';
    // writing counts as being here; say so explicitly too, in case the warning is showing
    if (this.openWarning() !== null) this.stay(true);
    conv.send(text);
  }

  private stay(quiet = false): void {
    const conv = this.conv;
    const conn = this.conn;
    const warn = this.openWarning();
    const tc = this.chatStrings();
    if (!conv || !warn || this.stayBusy) return;
    if (!conn || this.connState.status !== 'connected') {
      if (!quiet) this.chat.stayStatus.textContent = tc.stayFailed;
      return;
    }
    const hadFocus = this.shadowRoot?.activeElement === this.chat.stayButton;
    this.stayBusy = true;
    if (!quiet) this.chat.setStayBusy(true, tc);
    conn
      .request('chat.stay', { conversation_id: conv.id })
      .then(
        () => {
          this.stayedSeq = Math.max(this.stayedSeq, warn.seq);
          if (!quiet) this.chatNote.textContent = tc.stayed;
          this.renderChat();
          if (hadFocus) this.chat.textarea.focus();
        },
        (e: unknown) => {
          const code = e instanceof RequestError ? e.code : 'INTERNAL';
          if (!quiet && code !== 'NOT_FOUND' && code !== 'CONFLICT' && code !== 'FORBIDDEN')
            this.chat.stayStatus.textContent = tc.stayFailed;
        },
      )
      .finally(() => {
        this.stayBusy = false;
        this.chat.setStayBusy(false, tc);
      });
  }

  // ----------------------------------------------------------------------------------------------
  // after the end: transcript, printing, rating

  private transcriptHeader(nowMs: number): string[] {
    return transcriptHeader(this.record, this.chatStrings(), this.locale(), nowMs);
  }

  private lines(): ReturnType<typeof transcriptLines> {
    const conv = this.conv;
    if (!conv) return [];
    return transcriptLines(
      conv.store.items(),
      { customerName: this.record?.customerName ?? '', agentName: this.record?.agentName ?? '' },
      this.chatStrings(),
    );
  }

  private saveTranscript(): void {
    const root = this.shadowRoot;
    if (!this.conv || !root) return;
    const now = Date.now();
    const tc = this.chatStrings();
    const text = transcriptText(this.lines(), {
      header: this.transcriptHeader(now),
      locale: this.locale(),
      footer: [tc.transcriptFooter],
    });
    const file = transcriptFileName(now);
    downloadText(text, file, root);
    this.ended.afterChat.saveStatus.textContent = tc.transcriptSaved(file);
  }

  private printTranscript(): void {
    if (!this.conv) return;
    const tc = this.chatStrings();
    const section = buildPrintTranscript(
      this.transcriptHeader(Date.now()),
      this.lines(),
      [tc.transcriptFooter],
      this.locale(),
      document,
    );
    section.lang = this.uiLang;
    this.shadowRoot?.querySelector('#sb-print-transcript')?.remove();
    this.frame.wrapper.append(section);
    printTranscript(this);
  }

  private rate(score: number, comment: string): void {
    const tc = this.chatStrings();
    const conv = this.conv;
    const conn = this.conn;
    const r = this.record;
    if (this.rateBusy || !conv || !r) return;
    if (!Number.isInteger(score) || score < 1 || score > 5) {
      this.ended.afterChat.setRateError(tc.rateChoose, 'radios');
      return;
    }
    if (utf8Length(comment) > MAX_COMMENT_BYTES) {
      this.ended.afterChat.setRateError(tc.rateCommentTooLong, 'comment');
      return;
    }
    if (!conn || this.connState.status !== 'connected') {
      this.ended.afterChat.setRateError(this.strings().notConnected, null);
      return;
    }
    this.ended.afterChat.setRateError('', null);
    this.rateBusy = true;
    this.renderEnded();
    const body: { conversation_id: string; score: number; comment?: string } = {
      conversation_id: conv.id,
      score,
    };
    if (comment !== '') body.comment = comment;
    conn.request('chat.rate', body).then(
      () => {
        this.rateBusy = false;
        if (this.record === r) {
          r.rated = true;
          this.saveRecord();
        }
        this.renderEnded();
        this.ended.afterChat.thanks.focus();
      },
      (e: unknown) => {
        this.rateBusy = false;
        const code = e instanceof RequestError ? e.code : 'INTERNAL';
        this.renderEnded();
        this.ended.afterChat.setRateError(
          code === 'NOT_FOUND' || code === 'FORBIDDEN' || code === 'CONFLICT'
            ? tc.rateNotPossible
            : code === 'NOT_CONNECTED' || code === 'DISCONNECTED'
              ? this.strings().notConnected
              : tc.rateFailed,
          null,
        );
      },
    );
  }

  private closePanel(): void {
    this.frame.close();
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'switchboard-chat': SwitchboardChat;
  }
}

if (typeof customElements !== 'undefined' && !customElements.get(TAG)) {
  customElements.define(TAG, SwitchboardChat);
}
