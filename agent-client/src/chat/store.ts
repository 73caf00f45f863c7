/**
 * The local copy of one conversation's log (docs/protocol.md, "Conversations"), as plain data.
 *
 * - Entries are kept by `seq`, the server's number for the whole log: an entry that arrives twice
 *   (a live chat.event and the same entry in a chat.sync page) is held once, and the log is shown in
 *   seq order whatever order entries arrived in.
 * - `contiguous` is the seq up to which the copy is known to be complete. A live entry whose
 *   `prev_seq` (the entry this participant received before it) is not `contiguous` reveals a gap:
 *   the entry is kept and shown, and the caller syncs from `contiguous` to fill the gap. Entries not
 *   meant for this participant (private notes, for a customer) never look like a gap, because
 *   prev_seq skips them.
 * - Own messages start as pending outgoing messages with a client_msg_id and become entries when
 *   the server acknowledges them (or when a sync returns them with that client_msg_id). Unacked
 *   ones are sent again, with the same id, after a reconnect: the server stores each id once.
 * - Every reply and event carries the data epoch. A different epoch means Redis lost its last
 *   moments: the copy is discarded and synced again from 0. Own messages that were acknowledged
 *   before and do not come back in that full sync are queued to be sent again.
 */
import type { ChatEntry, ChatRole, SyncReply } from './types';

export type OutgoingState = 'sending' | 'failed';

export interface Outgoing {
  clientMsgId: string;
  text: string;
  private: boolean;
  /** Local wall clock when written (ms). */
  createdMs: number;
  state: OutgoingState;
  /** Why it failed (state 'failed'): a code the UI turns into words. */
  error?: string;
}

export type LogItem = { type: 'entry'; entry: ChatEntry; own: boolean } | { type: 'pending'; out: Outgoing };

export type ReceiveResult = 'added' | 'duplicate' | 'gap' | 'reset';

export interface SyncResult {
  /** The epoch changed: the copy was discarded; sync again from 0. */
  reset: boolean;
  added: ChatEntry[];
  more: boolean;
  /** after_seq for the next page (or the next sync). */
  next: number;
  /** Own messages lost with the old epoch, queued again (after the last page of a full sync). */
  requeued: Outgoing[];
}

/** What is kept in storage between page loads. */
export interface StoreSnapshot {
  v: 1;
  epoch: number | null;
  contiguous: number;
  entries: ChatEntry[];
  pending: Outgoing[];
  own: string[];
}

export class MessageStore {
  private epochValue: number | null = null;
  private contiguousSeq = 0;
  private readonly entries = new Map<number, ChatEntry>();
  /** seq -> prev_seq, for entries whose prev_seq the server told (not own acks). */
  private readonly prevOf = new Map<number, number>();
  /** prev_seq -> seq. */
  private readonly nextOf = new Map<number, number>();
  private readonly pending = new Map<string, Outgoing>();
  /** client_msg_ids of this participant's own acknowledged messages. */
  private readonly ownIds = new Set<string>();
  /** seqs of own messages (so they can be told apart even without a client_msg_id). */
  private readonly ownSeqs = new Set<number>();
  /** After an epoch change: own acknowledged messages to check against the full sync. */
  private suspects: Outgoing[] = [];
  private sortedCache: number[] | null = null;
  private readonly ownRole: ChatRole | null;

  /**
   * @param ownRole entries from this role count as own (the customer's widget: 'customer'); staff
   *                consoles pass null and recognise their own messages by client_msg_id.
   */
  constructor(ownRole: ChatRole | null = null) {
    this.ownRole = ownRole;
  }

  get epoch(): number | null {
    return this.epochValue;
  }

  /** The seq up to which the local copy is complete: chat.sync's after_seq. */
  get contiguous(): number {
    return this.contiguousSeq;
  }

  /** The highest seq held (0 when empty). */
  get lastSeq(): number {
    const s = this.sorted();
    return s.length > 0 ? (s[s.length - 1] ?? 0) : 0;
  }

  get size(): number {
    return this.entries.size;
  }

  get(seq: number): ChatEntry | undefined {
    return this.entries.get(seq);
  }

  isOwn(e: ChatEntry): boolean {
    if (this.ownSeqs.has(e.seq)) return true;
    if (e.client_msg_id !== undefined && this.ownIds.has(e.client_msg_id)) return true;
    return this.ownRole !== null && e.from_role === this.ownRole;
  }

  /** Entries in seq order. */
  list(): ChatEntry[] {
    return this.sorted().map((s) => this.entries.get(s) as ChatEntry);
  }

  /** Entries in seq order, then the pending outgoing messages in the order they were written. */
  items(): LogItem[] {
    const out: LogItem[] = this.list().map((entry) => ({ type: 'entry', entry, own: this.isOwn(entry) }));
    for (const o of this.pending.values()) out.push({ type: 'pending', out: o });
    return out;
  }

  /** Outgoing messages not yet acknowledged. */
  outgoing(): Outgoing[] {
    return [...this.pending.values()];
  }

  /** Outgoing messages to (re)send, oldest first (failed ones wait for the person to retry). */
  unacked(): Outgoing[] {
    return [...this.pending.values()].filter((o) => o.state === 'sending');
  }

  /**
   * Checks an epoch from a reply or event. The first one is adopted; a different one discards the
   * copy (returns false: sync from 0).
   */
  checkEpoch(epoch: number): boolean {
    if (this.epochValue === null) {
      this.epochValue = epoch;
      return true;
    }
    if (this.epochValue === epoch) return true;
    this.reset(epoch);
    return false;
  }

  /** Discards the copy (the epoch changed). Pending messages stay; acknowledged own ones are rechecked. */
  reset(epoch: number | null): void {
    const suspects: Outgoing[] = [...this.suspects];
    for (const e of this.list()) {
      if (!this.isOwn(e) || e.client_msg_id === undefined || e.kind === 'system') continue;
      if (suspects.some((s) => s.clientMsgId === e.client_msg_id)) continue;
      suspects.push({
        clientMsgId: e.client_msg_id,
        text: e.text,
        private: e.kind === 'note',
        createdMs: e.ts_ms,
        state: 'sending',
      });
    }
    this.suspects = suspects;
    this.epochValue = epoch;
    this.contiguousSeq = 0;
    this.entries.clear();
    this.prevOf.clear();
    this.nextOf.clear();
    this.ownSeqs.clear();
    this.sortedCache = null;
  }

  /** A live chat.event. */
  receive(epoch: number, entry: ChatEntry): ReceiveResult {
    if (!this.checkEpoch(epoch)) return 'reset';
    const dup = this.entries.has(entry.seq);
    this.put(entry);
    if (dup) {
      this.advance();
      return 'duplicate';
    }
    if (entry.prev_seq === this.contiguousSeq || entry.seq <= this.contiguousSeq) {
      this.advance();
      return 'added';
    }
    this.advance();
    return this.contiguousSeq >= entry.seq ? 'added' : 'gap';
  }

  /** One page of a chat.sync reply, asked with `afterSeq`. */
  applySync(reply: SyncReply, afterSeq: number): SyncResult {
    if (!this.checkEpoch(reply.epoch) && afterSeq !== 0) {
      return { reset: true, added: [], more: true, next: 0, requeued: [] };
    }
    const added: ChatEntry[] = [];
    for (const e of reply.events) {
      if (!this.entries.has(e.seq)) added.push(e);
      this.put(e);
    }
    // a page holds every entry after afterSeq, in order: complete up to its last entry
    const last = reply.events[reply.events.length - 1];
    if (last !== undefined && afterSeq <= this.contiguousSeq && last.seq > this.contiguousSeq)
      this.contiguousSeq = last.seq;
    this.advance();
    let requeued: Outgoing[] = [];
    if (!reply.more && this.suspects.length > 0 && afterSeq <= this.contiguousSeq) {
      requeued = this.suspects.filter((s) => !this.hasClientMsgId(s.clientMsgId));
      for (const s of requeued) this.pending.set(s.clientMsgId, s);
      this.suspects = [];
    }
    return { reset: false, added, more: reply.more, next: this.contiguousSeq, requeued };
  }

  /** A message this participant writes: pending until acknowledged. */
  addOutgoing(clientMsgId: string, text: string, isPrivate: boolean, nowMs: number): Outgoing {
    const o: Outgoing = { clientMsgId, text, private: isPrivate, createdMs: nowMs, state: 'sending' };
    this.pending.set(clientMsgId, o);
    return o;
  }

  /** The server stored an outgoing message: it becomes an entry (once, whatever came first). */
  ack(
    clientMsgId: string,
    reply: { seq: number; prev_seq?: number; ts_ms: number; text: string },
    from: { role: ChatRole; name?: string },
  ): ChatEntry | null {
    const o = this.pending.get(clientMsgId);
    this.pending.delete(clientMsgId);
    this.ownIds.add(clientMsgId);
    this.ownSeqs.add(reply.seq);
    const held = this.entries.get(reply.seq);
    if (held) {
      this.advance();
      return held;
    }
    const entry: ChatEntry = {
      seq: reply.seq,
      // the server says which entry this participant saw before it (the sender gets no event
      // for its own entry); an older server does not, and then the next entry may look like a gap
      prev_seq: reply.prev_seq ?? -1,
      kind: o?.private ? 'note' : 'message',
      from_role: from.role,
      text: reply.text,
      ts_ms: reply.ts_ms,
      client_msg_id: clientMsgId,
    };
    if (from.name !== undefined) entry.from_name = from.name;
    this.put(entry);
    this.advance();
    return entry;
  }

  fail(clientMsgId: string, error: string): void {
    const o = this.pending.get(clientMsgId);
    if (!o) return;
    o.state = 'failed';
    o.error = error;
  }

  /** The person asked to try a failed message again. */
  retry(clientMsgId: string): boolean {
    const o = this.pending.get(clientMsgId);
    if (!o || o.state !== 'failed') return false;
    o.state = 'sending';
    delete o.error;
    // to the end of the queue, so it goes after what was written since
    this.pending.delete(clientMsgId);
    this.pending.set(clientMsgId, o);
    return true;
  }

  /** The person gave up on a failed message. */
  discard(clientMsgId: string): void {
    this.pending.delete(clientMsgId);
  }

  snapshot(): StoreSnapshot {
    return {
      v: 1,
      epoch: this.epochValue,
      contiguous: this.contiguousSeq,
      entries: this.list(),
      pending: this.outgoing().map((o) => ({ ...o })),
      own: [...this.ownIds],
    };
  }

  /** Loads a snapshot saved by snapshot() (from storage: checked field by field). */
  restore(s: unknown): boolean {
    if (!isSnapshot(s)) return false;
    this.reset(s.epoch);
    this.suspects = [];
    for (const id of s.own) this.ownIds.add(id);
    for (const e of s.entries) {
      this.put(e);
      if (e.prev_seq < 0 && e.client_msg_id !== undefined) this.ownSeqs.add(e.seq);
    }
    this.contiguousSeq = Math.min(s.contiguous, this.lastSeq);
    this.advance();
    for (const o of s.pending) this.pending.set(o.clientMsgId, { ...o });
    return true;
  }

  // ----------------------------------------------------------------------------------------------

  private hasClientMsgId(id: string): boolean {
    for (const e of this.entries.values()) if (e.client_msg_id === id) return true;
    return false;
  }

  private put(e: ChatEntry): void {
    const held = this.entries.get(e.seq);
    if (!held || (held.prev_seq < 0 && e.prev_seq >= 0)) {
      // a sync or event copy replaces an own ack (it knows prev_seq); nothing else changes an entry
      const keep = held ? { ...e, client_msg_id: e.client_msg_id ?? held.client_msg_id } : e;
      if (keep.client_msg_id === undefined) delete keep.client_msg_id;
      this.entries.set(e.seq, keep);
      if (!held) this.sortedCache = null;
    }
    if (e.prev_seq >= 0) {
      this.prevOf.set(e.seq, e.prev_seq);
      this.nextOf.set(e.prev_seq, e.seq);
    }
    if (e.client_msg_id !== undefined) {
      const p = this.pending.get(e.client_msg_id);
      if (p) {
        // a sync returned an own message before (or instead of) its ack
        this.pending.delete(e.client_msg_id);
        this.ownIds.add(e.client_msg_id);
        this.ownSeqs.add(e.seq);
      }
      if (this.ownIds.has(e.client_msg_id)) this.ownSeqs.add(e.seq);
    }
  }

  /** Moves `contiguous` forward over entries that follow it for sure. */
  private advance(): void {
    for (;;) {
      const next = this.nextOf.get(this.contiguousSeq);
      if (next !== undefined && next > this.contiguousSeq && this.entries.has(next)) {
        this.contiguousSeq = next;
        continue;
      }
      // nothing can lie between n and n+1
      const plusOne = this.contiguousSeq + 1;
      if (this.entries.has(plusOne) && !this.prevOf.has(plusOne)) {
        this.contiguousSeq = plusOne;
        continue;
      }
      break;
    }
  }

  private sorted(): number[] {
    this.sortedCache ??= [...this.entries.keys()].sort((a, b) => a - b);
    return this.sortedCache;
  }
}

const ROLES = new Set(['customer', 'agent', 'supervisor', 'system']);
const KINDS = new Set(['message', 'note', 'system']);

function isUint(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function isEntry(v: unknown): v is ChatEntry {
  if (typeof v !== 'object' || v === null) return false;
  const e = v as Record<string, unknown>;
  return (
    isUint(e.seq) &&
    typeof e.prev_seq === 'number' &&
    Number.isSafeInteger(e.prev_seq) &&
    KINDS.has(e.kind as string) &&
    ROLES.has(e.from_role as string) &&
    typeof e.text === 'string' &&
    isUint(e.ts_ms) &&
    (e.from_name === undefined || typeof e.from_name === 'string') &&
    (e.client_msg_id === undefined || typeof e.client_msg_id === 'string') &&
    (e.system === undefined || typeof e.system === 'string')
  );
}

function isOutgoing(v: unknown): v is Outgoing {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return (
    typeof o.clientMsgId === 'string' &&
    typeof o.text === 'string' &&
    typeof o.private === 'boolean' &&
    isUint(o.createdMs) &&
    (o.state === 'sending' || o.state === 'failed')
  );
}

function isSnapshot(v: unknown): v is StoreSnapshot {
  if (typeof v !== 'object' || v === null) return false;
  const s = v as Record<string, unknown>;
  return (
    s.v === 1 &&
    (s.epoch === null || isUint(s.epoch)) &&
    isUint(s.contiguous) &&
    Array.isArray(s.entries) &&
    s.entries.every(isEntry) &&
    Array.isArray(s.pending) &&
    s.pending.every(isOutgoing) &&
    Array.isArray(s.own) &&
    s.own.every((x) => typeof x === 'string')
  );
}
