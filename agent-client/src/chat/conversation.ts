/**
 * One conversation as a participant holds it, over a connection that comes and goes: sending (with
 * client_msg_id, in order, again after a reconnect), chat.sync (paged, from the last complete seq,
 * from 0 after an epoch change), live chat.event (gaps filled by a sync), receipts (delivered as
 * entries arrive, read only when the person can see them), typing, and the other side's marks.
 * The widget and the console both use it; it holds no DOM.
 */
import { newClientMsgId } from './ids';
import { MessageStore, type Outgoing } from './store';
import { TypingThrottle, type TimerDeps } from './typing';
import { asSyncReply, type ChatEntry, type ChatEventMessage, type ChatRole } from './types';
import { errorOf, RequestError } from '../net/connection';
import type { RequestType, Requests } from '../proto/schema.gen';

/** What a conversation needs from a connection (Connection has it). */
export interface ChatRequester {
  request<K extends RequestType>(
    type: K,
    body: Requests[K]['body'],
    opts?: { timeoutMs?: number },
  ): Promise<Requests[K]['reply']>;
}

export interface ConversationOptions extends TimerDeps {
  conversationId: string;
  store?: MessageStore;
  /** Who this participant is, for the entries its own acknowledged messages become. */
  self: { role: ChatRole; name?: string };
  /** Whether the person can see the conversation now (read receipts are sent only then). */
  canRead?: () => boolean;
  /** Something changed: render (and save). */
  onChange?: () => void;
  /** A new entry from someone else arrived live (not from a sync). */
  onLive?: (entry: ChatEntry) => void;
  /** A message could not be sent and will not be retried by itself. */
  onSendFailed?: (o: Outgoing, err: RequestError) => void;
  /** chat.sync was refused for good (NOT_FOUND, FORBIDDEN). */
  onSyncRefused?: (err: RequestError) => void;
  receiptDelayMs?: number;
  newId?: () => string;
}

export interface OtherMarks {
  delivered: number;
  read: number;
}

const OFFLINE = new Set(['NOT_CONNECTED', 'DISCONNECTED']);
const MAX_PAGES = 10_000;

export class Conversation {
  readonly id: string;
  readonly store: MessageStore;
  readonly typing: TypingThrottle;
  private readonly o: ConversationOptions;
  private readonly t: Required<TimerDeps>;
  private conn: ChatRequester | null = null;

  private syncing: Promise<void> | null = null;
  private syncAgain = false;
  private flushing = false;
  private flushAgain = false;
  private retryTimer: unknown = null;

  private receiptTimer: unknown = null;
  private sentDelivered = 0;
  private sentRead = 0;
  private receiptBusy = false;
  /** The other side's delivered and read marks (from chat.receipt.event). */
  readonly other: OtherMarks = { delivered: 0, read: 0 };
  /** The conversation ended: typing is no longer sent. */
  ended = false;

  constructor(o: ConversationOptions) {
    this.id = o.conversationId;
    this.o = o;
    this.store = o.store ?? new MessageStore(o.self.role === 'customer' ? 'customer' : null);
    this.t = {
      now: o.now ?? (() => Date.now()),
      setTimer: o.setTimer ?? ((fn, ms) => setTimeout(fn, ms)),
      clearTimer:
        o.clearTimer ??
        ((t) => {
          clearTimeout(t as ReturnType<typeof setTimeout>);
        }),
    };
    this.typing = new TypingThrottle({
      now: this.t.now,
      setTimer: this.t.setTimer,
      clearTimer: this.t.clearTimer,
      send: (typing) => {
        if (this.ended && typing) return;
        this.conn?.request('chat.typing', { conversation_id: this.id, typing }).catch(() => undefined);
      },
    });
  }

  get isConnected(): boolean {
    return this.conn !== null;
  }

  /** The connection is ready (after every hello reply): catch up, then send what waits. */
  connected(conn: ChatRequester, epoch?: number): Promise<void> {
    this.conn = conn;
    if (epoch !== undefined && !this.store.checkEpoch(epoch)) this.changed();
    return this.sync().then(() => {
      void this.flush();
      this.scheduleReceipt();
    });
  }

  /** The connection dropped: requests wait for the next connected(). */
  disconnected(): void {
    this.conn = null;
    this.typing.reset();
    this.clearRetry();
  }

  /** Stops timers (the conversation is closed in the UI). */
  dispose(): void {
    this.disconnected();
    if (this.receiptTimer !== null) this.t.clearTimer(this.receiptTimer);
    this.receiptTimer = null;
  }

  /** Writes a message (or, for staff, a private note); it is sent now or after the reconnect. */
  send(text: string, isPrivate = false): Outgoing {
    const id = (this.o.newId ?? newClientMsgId)();
    const out = this.store.addOutgoing(id, text, isPrivate, this.t.now());
    this.typing.stop();
    this.changed();
    void this.flush();
    return out;
  }

  /** Tries a failed message again. */
  retry(clientMsgId: string): void {
    if (this.store.retry(clientMsgId)) {
      this.changed();
      void this.flush();
    }
  }

  discard(clientMsgId: string): void {
    this.store.discard(clientMsgId);
    this.changed();
  }

  /** A chat.event for this conversation. */
  onEvent(m: ChatEventMessage): void {
    const r = this.store.receive(m.epoch, m.event);
    if (r === 'added' || r === 'gap') {
      if (!this.store.isOwn(m.event)) this.o.onLive?.(m.event);
    }
    this.changed();
    if (r === 'gap' || r === 'reset') void this.sync();
    this.scheduleReceipt();
  }

  /** chat.epoch, or an epoch seen elsewhere (a hello reply). */
  onEpoch(epoch: number): void {
    if (this.store.checkEpoch(epoch)) return;
    this.changed();
    void this.sync();
  }

  /** chat.receipt.event from the other side. */
  onReceipt(delivered: number, read: number): void {
    const d = Math.max(this.other.delivered, delivered, read);
    const r = Math.max(this.other.read, read);
    if (d === this.other.delivered && r === this.other.read) return;
    this.other.delivered = d;
    this.other.read = r;
    this.changed();
  }

  /** The person may now see the conversation (panel opened, tab shown): send the read mark. */
  seen(): void {
    this.scheduleReceipt();
  }

  /** Catches up from the last complete seq (pages while `more`); one at a time. */
  sync(): Promise<void> {
    if (this.syncing) {
      this.syncAgain = true;
      return this.syncing;
    }
    const run = this.runSync().finally(() => {
      this.syncing = null;
      if (this.syncAgain) {
        this.syncAgain = false;
        void this.sync();
      }
    });
    this.syncing = run;
    return run;
  }

  /** Sends the unacknowledged messages in order, one at a time. */
  async flush(): Promise<void> {
    if (this.flushing) {
      this.flushAgain = true;
      return;
    }
    this.flushing = true;
    try {
      for (;;) {
        const conn = this.conn;
        const o = this.store.unacked()[0];
        if (!conn || !o) break;
        const body: Requests['chat.send']['body'] = {
          conversation_id: this.id,
          client_msg_id: o.clientMsgId,
          text: o.text,
        };
        if (o.private) body.private = true;
        try {
          const rep = await conn.request('chat.send', body);
          this.store.ack(o.clientMsgId, rep, this.o.self);
          this.changed();
          this.scheduleReceipt();
        } catch (e) {
          const err = errorOf(e);
          if (OFFLINE.has(err.code)) break; // connected() sends it again
          if (err.retryable) {
            this.retryLater(err.retryAfterMs ?? 2000);
            break;
          }
          this.store.fail(o.clientMsgId, err.code);
          this.o.onSendFailed?.(o, err);
          this.changed();
        }
      }
    } finally {
      this.flushing = false;
      if (this.flushAgain) {
        this.flushAgain = false;
        void this.flush();
      }
    }
  }

  // ----------------------------------------------------------------------------------------------

  private changed(): void {
    this.o.onChange?.();
  }

  private clearRetry(): void {
    if (this.retryTimer !== null) this.t.clearTimer(this.retryTimer);
    this.retryTimer = null;
  }

  private retryLater(ms: number): void {
    this.clearRetry();
    this.retryTimer = this.t.setTimer(
      () => {
        this.retryTimer = null;
        void this.flush();
      },
      Math.min(Math.max(ms, 250), 60_000),
    );
  }

  private async runSync(): Promise<void> {
    let after = this.store.contiguous;
    for (let page = 0; page < MAX_PAGES; page++) {
      const conn = this.conn;
      if (!conn) return;
      let reply;
      try {
        reply = asSyncReply(await conn.request('chat.sync', { conversation_id: this.id, after_seq: after }));
      } catch (e) {
        const err = errorOf(e);
        if (err.code === 'NOT_FOUND' || err.code === 'FORBIDDEN') this.o.onSyncRefused?.(err);
        return; // offline or busy: the next connected() (or gap) syncs again
      }
      const r = this.store.applySync(reply, after);
      this.changed();
      if (r.reset) {
        after = 0;
        continue;
      }
      if (r.requeued.length > 0) void this.flush();
      if (!r.more) return;
      const lastOfPage = reply.events[reply.events.length - 1]?.seq ?? after;
      const next = Math.max(r.next, lastOfPage);
      if (next <= after) return; // no progress: do not loop
      after = next;
    }
  }

  private scheduleReceipt(): void {
    if (this.receiptTimer !== null) return;
    this.receiptTimer = this.t.setTimer(() => {
      this.receiptTimer = null;
      this.sendReceipt();
    }, this.o.receiptDelayMs ?? 300);
  }

  private sendReceipt(): void {
    const conn = this.conn;
    if (!conn || this.receiptBusy) return;
    const upTo = this.store.contiguous;
    const body: Requests['chat.receipt']['body'] = { conversation_id: this.id };
    if (upTo > this.sentDelivered) body.delivered_seq = upTo;
    const canRead = this.o.canRead?.() ?? false;
    if (canRead && upTo > this.sentRead) body.read_seq = upTo;
    if (body.delivered_seq === undefined && body.read_seq === undefined) return;
    const before = { d: this.sentDelivered, r: this.sentRead };
    this.sentDelivered = Math.max(this.sentDelivered, upTo);
    if (body.read_seq !== undefined) this.sentRead = upTo;
    this.receiptBusy = true;
    conn.request('chat.receipt', body).then(
      () => {
        this.receiptBusy = false;
        // more arrived (or became visible) while this one was on its way
        const now = this.store.contiguous;
        if (now > this.sentDelivered || ((this.o.canRead?.() ?? false) && now > this.sentRead))
          this.scheduleReceipt();
      },
      () => {
        // not recorded: sent again with the next change
        this.receiptBusy = false;
        this.sentDelivered = before.d;
        this.sentRead = before.r;
      },
    );
  }
}
