import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { Conversation, type ChatRequester } from './conversation';
import type { ChatEntry } from './types';
import { RequestError } from '../net/connection';

interface Call {
  type: string;
  body: Record<string, unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

/** A connection stand-in: requests wait until the test answers them. */
class FakeConn implements ChatRequester {
  calls: Call[] = [];
  request(type: string, body: unknown): Promise<never> {
    return new Promise((resolve, reject) => {
      this.calls.push({
        type,
        body: body as Record<string, unknown>,
        resolve: resolve as (v: unknown) => void,
        reject,
      });
    });
  }
  of(type: string): Call[] {
    return this.calls.filter((c) => c.type === type);
  }
  /** Answers the oldest open request of this type. */
  answer(type: string, reply: unknown): Call {
    const c = this.calls.find((x) => x.type === type);
    if (!c) throw new Error(`no ${type} request`);
    this.calls.splice(this.calls.indexOf(c), 1);
    c.resolve(reply);
    return c;
  }
  fail(type: string, code: string): Call {
    const c = this.calls.find((x) => x.type === type);
    if (!c) throw new Error(`no ${type} request`);
    this.calls.splice(this.calls.indexOf(c), 1);
    c.reject(new RequestError(code, code));
    return c;
  }
}

function msg(seq: number, prev: number, extra: Partial<ChatEntry> = {}): ChatEntry {
  return { seq, prev_seq: prev, kind: 'message', from_role: 'agent', text: `m${seq}`, ts_ms: seq, ...extra };
}

async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

let ids = 0;
function make(canRead = () => true) {
  const changes = vi.fn();
  const live: ChatEntry[] = [];
  const conv = new Conversation({
    conversationId: 'cv-1',
    self: { role: 'customer', name: 'Ana' },
    canRead,
    onChange: changes,
    onLive: (e) => live.push(e),
    receiptDelayMs: 10,
    newId: () => `id${String(++ids)}`,
  });
  return { conv, changes, live };
}

beforeEach(() => {
  vi.useFakeTimers();
  ids = 0;
});
afterEach(() => {
  vi.useRealTimers();
});

describe('Conversation: catching up', () => {
  it('syncs from 0 when new, paging while `more`, then sends the delivered and read marks', async () => {
    const { conv } = make();
    const c = new FakeConn();
    void conv.connected(c, 4);
    expect(c.of('chat.sync')[0]?.body).toEqual({ conversation_id: 'cv-1', after_seq: 0 });
    c.answer('chat.sync', { epoch: 4, last_seq: 3, more: true, events: [msg(1, 0), msg(2, 1)] });
    await flush();
    expect(c.of('chat.sync')[0]?.body).toEqual({ conversation_id: 'cv-1', after_seq: 2 });
    c.answer('chat.sync', { epoch: 4, last_seq: 3, more: false, events: [msg(3, 2)] });
    await flush();
    expect(conv.store.list().map((e) => e.seq)).toEqual([1, 2, 3]);
    await vi.advanceTimersByTimeAsync(20);
    expect(c.of('chat.receipt')[0]?.body).toEqual({ conversation_id: 'cv-1', delivered_seq: 3, read_seq: 3 });
  });

  it('reports only "delivered" while the person cannot see the chat, "read" once they can', async () => {
    let visible = false;
    const { conv } = make(() => visible);
    const c = new FakeConn();
    void conv.connected(c);
    c.answer('chat.sync', { epoch: 1, last_seq: 1, more: false, events: [msg(1, 0)] });
    await vi.advanceTimersByTimeAsync(20);
    const first = c.answer('chat.receipt', {});
    expect(first.body).toEqual({ conversation_id: 'cv-1', delivered_seq: 1 });
    await flush();
    conv.seen(); // nothing new and still hidden: nothing sent
    await vi.advanceTimersByTimeAsync(20);
    expect(c.of('chat.receipt')).toHaveLength(0);
    visible = true;
    conv.seen();
    await vi.advanceTimersByTimeAsync(20);
    expect(c.of('chat.receipt')[0]?.body).toEqual({ conversation_id: 'cv-1', read_seq: 1 });
  });

  it('a live event after a gap is shown and triggers a sync from the last complete seq', async () => {
    const { conv, live } = make();
    const c = new FakeConn();
    void conv.connected(c);
    c.answer('chat.sync', { epoch: 1, last_seq: 1, more: false, events: [msg(1, 0)] });
    await flush();
    conv.onEvent({ conversation_id: 'cv-1', epoch: 1, event: msg(2, 1) });
    expect(c.of('chat.sync')).toHaveLength(0); // no gap, no sync
    conv.onEvent({ conversation_id: 'cv-1', epoch: 1, event: msg(5, 4) });
    expect(live.map((e) => e.seq)).toEqual([2, 5]);
    expect(conv.store.list().map((e) => e.seq)).toEqual([1, 2, 5]);
    expect(c.of('chat.sync')[0]?.body.after_seq).toBe(2);
    c.answer('chat.sync', { epoch: 1, last_seq: 5, more: false, events: [msg(4, 2), msg(5, 4)] });
    await flush();
    expect(conv.store.list().map((e) => e.seq)).toEqual([1, 2, 4, 5]);
    expect(live.map((e) => e.seq)).toEqual([2, 5]); // synced entries are not "live" news
  });

  it('an epoch change (chat.epoch or in an event) discards the copy and syncs from 0', async () => {
    const { conv } = make();
    const c = new FakeConn();
    void conv.connected(c);
    c.answer('chat.sync', { epoch: 1, last_seq: 2, more: false, events: [msg(1, 0), msg(2, 1)] });
    await flush();
    conv.onEpoch(2);
    expect(conv.store.size).toBe(0);
    expect(c.of('chat.sync')[0]?.body.after_seq).toBe(0);
    c.answer('chat.sync', { epoch: 2, last_seq: 1, more: false, events: [msg(1, 0, { text: 'again' })] });
    await flush();
    expect(conv.store.list().map((e) => e.text)).toEqual(['again']);
    conv.onEvent({ conversation_id: 'cv-1', epoch: 3, event: msg(2, 1) });
    expect(conv.store.size).toBe(0);
    expect(c.of('chat.sync')[0]?.body.after_seq).toBe(0);
  });

  it('a sync reply of another epoch in the middle starts over from 0', async () => {
    const { conv } = make();
    const c = new FakeConn();
    void conv.connected(c);
    c.answer('chat.sync', { epoch: 1, last_seq: 2, more: false, events: [msg(1, 0), msg(2, 1)] });
    await flush();
    conv.disconnected();
    void conv.connected(c);
    expect(c.of('chat.sync')[0]?.body.after_seq).toBe(2);
    c.answer('chat.sync', { epoch: 9, last_seq: 1, more: false, events: [] });
    await flush();
    expect(c.of('chat.sync')[0]?.body.after_seq).toBe(0);
  });
});

describe('Conversation: sending', () => {
  it('sends in order, one at a time, and shows the stored text once acked', async () => {
    const { conv } = make();
    const c = new FakeConn();
    void conv.connected(c);
    c.answer('chat.sync', { epoch: 1, last_seq: 0, more: false, events: [] });
    await flush();
    conv.send('first');
    conv.send('second');
    expect(c.of('chat.send').map((x) => x.body)).toEqual([
      { conversation_id: 'cv-1', client_msg_id: 'id1', text: 'first' },
    ]);
    c.answer('chat.send', { seq: 1, prev_seq: 0, ts_ms: 5, text: 'first' });
    await flush();
    expect(c.of('chat.send').map((x) => x.body.client_msg_id)).toEqual(['id2']);
    c.answer('chat.send', { seq: 2, prev_seq: 1, ts_ms: 6, text: 'second' });
    await flush();
    expect(conv.store.items().map((i) => (i.type === 'entry' ? i.entry.seq : 'pending'))).toEqual([1, 2]);
  });

  it('after a reconnect it syncs first, then sends again what was not acked, with the same client_msg_id', async () => {
    const { conv } = make();
    const c = new FakeConn();
    void conv.connected(c);
    c.answer('chat.sync', { epoch: 1, last_seq: 0, more: false, events: [] });
    await flush();
    conv.send('one');
    conv.send('two');
    // the connection drops before any ack
    c.fail('chat.send', 'DISCONNECTED');
    conv.disconnected();
    await flush();
    expect(conv.store.unacked().map((o) => o.clientMsgId)).toEqual(['id1', 'id2']);
    const c2 = new FakeConn();
    void conv.connected(c2);
    expect(c2.of('chat.send')).toHaveLength(0); // not before the sync
    // "one" had been stored after all: the sync returns it with its client_msg_id
    c2.answer('chat.sync', {
      epoch: 1,
      last_seq: 1,
      more: false,
      events: [msg(1, 0, { from_role: 'customer', client_msg_id: 'id1', text: 'one' })],
    });
    await flush();
    expect(c2.of('chat.send').map((x) => x.body)).toEqual([
      { conversation_id: 'cv-1', client_msg_id: 'id2', text: 'two' },
    ]);
    c2.answer('chat.send', { seq: 2, prev_seq: 1, ts_ms: 9, text: 'two' });
    await flush();
    expect(conv.store.list().map((e) => [e.seq, e.text])).toEqual([
      [1, 'one'],
      [2, 'two'],
    ]);
  });

  it('a timeout keeps the message and tries again later with the same id', async () => {
    const { conv } = make();
    const c = new FakeConn();
    void conv.connected(c);
    c.answer('chat.sync', { epoch: 1, last_seq: 0, more: false, events: [] });
    await flush();
    conv.send('hello');
    c.fail('chat.send', 'TIMEOUT');
    await flush();
    expect(c.of('chat.send')).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(2500);
    expect(c.of('chat.send').map((x) => x.body.client_msg_id)).toEqual(['id1']);
  });

  it('a refusal marks the message failed; retry sends it again', async () => {
    const failed = vi.fn();
    const conv = new Conversation({
      conversationId: 'cv-1',
      self: { role: 'customer' },
      onSendFailed: failed,
      newId: () => 'x1',
    });
    const c = new FakeConn();
    void conv.connected(c);
    c.answer('chat.sync', { epoch: 1, last_seq: 0, more: false, events: [] });
    await flush();
    conv.send('hello');
    c.fail('chat.send', 'CONFLICT');
    await flush();
    expect(failed).toHaveBeenCalledOnce();
    expect(conv.store.outgoing()[0]).toMatchObject({ state: 'failed', error: 'CONFLICT' });
    conv.retry('x1');
    expect(c.of('chat.send').map((x) => x.body.client_msg_id)).toEqual(['x1']);
  });

  it('staff notes go out with private: true', async () => {
    const conv = new Conversation({ conversationId: 'cv-1', self: { role: 'agent' }, newId: () => 'n1' });
    const c = new FakeConn();
    void conv.connected(c);
    c.answer('chat.sync', { epoch: 1, last_seq: 0, more: false, events: [] });
    await flush();
    conv.send('check the claim first', true);
    expect(c.of('chat.send')[0]?.body).toEqual({
      conversation_id: 'cv-1',
      client_msg_id: 'n1',
      text: 'check the claim first',
      private: true,
    });
  });
});

describe('Conversation: the other side', () => {
  it('keeps the highest delivered and read marks', () => {
    const { conv, changes } = make();
    conv.onReceipt(3, 1);
    conv.onReceipt(2, 2);
    expect(conv.other).toEqual({ delivered: 3, read: 2 });
    changes.mockClear();
    conv.onReceipt(1, 1);
    expect(changes).not.toHaveBeenCalled();
  });

  it('sends typing through the throttle, and not after the end', () => {
    const { conv } = make();
    const c = new FakeConn();
    void conv.connected(c);
    conv.typing.input(true);
    expect(c.of('chat.typing')[0]?.body).toEqual({ conversation_id: 'cv-1', typing: true });
    conv.send('x'); // sending stops typing
    expect(c.of('chat.typing')[1]?.body).toEqual({ conversation_id: 'cv-1', typing: false });
    conv.ended = true;
    conv.typing.input(true);
    expect(c.of('chat.typing')).toHaveLength(2);
  });
});
