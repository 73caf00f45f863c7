import { describe, expect, it } from 'vitest';

import { MessageStore } from './store';
import type { ChatEntry } from './types';

function msg(seq: number, prev: number, extra: Partial<ChatEntry> = {}): ChatEntry {
  return {
    seq,
    prev_seq: prev,
    kind: 'message',
    from_role: 'agent',
    from_name: 'Maria Lopez',
    text: `m${seq}`,
    ts_ms: 1_000 + seq,
    ...extra,
  };
}

const seqs = (s: MessageStore): number[] => s.list().map((e) => e.seq);

describe('MessageStore: order and duplicates', () => {
  it('keeps entries in seq order whatever order they arrive in', () => {
    const s = new MessageStore('customer');
    expect(s.receive(1, msg(1, 0))).toBe('added');
    expect(s.receive(1, msg(3, 2))).toBe('gap');
    expect(s.receive(1, msg(2, 1))).toBe('added');
    expect(seqs(s)).toEqual([1, 2, 3]);
    expect(s.contiguous).toBe(3);
    expect(s.lastSeq).toBe(3);
  });

  it('holds an entry once, whether it came live or in a sync page', () => {
    const s = new MessageStore('customer');
    s.receive(1, msg(1, 0));
    expect(s.receive(1, msg(1, 0))).toBe('duplicate');
    const r = s.applySync({ epoch: 1, last_seq: 2, more: false, events: [msg(1, 0), msg(2, 1)] }, 0);
    expect(r.added.map((e) => e.seq)).toEqual([2]);
    expect(seqs(s)).toEqual([1, 2]);
    expect(s.size).toBe(2);
  });
});

describe('MessageStore: gaps are told by prev_seq', () => {
  it('a skipped private note is not a gap: prev_seq points at the last entry held', () => {
    const s = new MessageStore('customer');
    s.receive(1, msg(1, 0));
    // seq 2 was a private note the customer never gets
    expect(s.receive(1, msg(3, 1))).toBe('added');
    expect(s.contiguous).toBe(3);
  });

  it('a real loss is a gap: kept and shown, and contiguous stays where the copy is complete', () => {
    const s = new MessageStore('customer');
    s.receive(1, msg(1, 0));
    expect(s.receive(1, msg(5, 4))).toBe('gap');
    expect(seqs(s)).toEqual([1, 5]);
    expect(s.contiguous).toBe(1); // chat.sync from here
    // the sync fills the gap and completes the copy
    const r = s.applySync({ epoch: 1, last_seq: 5, more: false, events: [msg(4, 1), msg(5, 4)] }, 1);
    expect(r.added.map((e) => e.seq)).toEqual([4]);
    expect(seqs(s)).toEqual([1, 4, 5]);
    expect(s.contiguous).toBe(5);
  });

  it('an own message acked with seq n+1 continues the copy; one further on waits for the next event', () => {
    const s = new MessageStore('customer');
    s.receive(1, msg(1, 0));
    s.addOutgoing('c1', 'hi', false, 50);
    s.ack('c1', { seq: 2, ts_ms: 60, text: 'hi' }, { role: 'customer' });
    expect(s.contiguous).toBe(2); // nothing can be between 1 and 2
    s.addOutgoing('c2', 'again', false, 70);
    s.ack('c2', { seq: 4, ts_ms: 80, text: 'again' }, { role: 'customer' });
    expect(s.contiguous).toBe(2); // seq 3 may be something not yet received
    // the agent's message 3 arrives after the ack: now the copy is complete to 4
    expect(s.receive(1, msg(3, 2))).toBe('added');
    expect(s.contiguous).toBe(4);
  });

  it('an ack that names its predecessor continues the copy across a skipped private note', () => {
    const s = new MessageStore('customer');
    s.receive(1, msg(1, 0));
    s.addOutgoing('c1', 'hi', false, 50);
    // 2 was a private note the customer never sees; the ack says the entry before it was 1
    s.ack('c1', { seq: 3, prev_seq: 1, ts_ms: 60, text: 'hi' }, { role: 'customer' });
    expect(s.contiguous).toBe(3);
    expect(s.receive(1, msg(4, 3))).toBe('added'); // no gap, no sync
    expect(s.contiguous).toBe(4);
  });

  it('an event after an own message with an unknown predecessor asks for a sync; the sync settles it', () => {
    const s = new MessageStore('customer');
    s.receive(1, msg(1, 0));
    s.addOutgoing('c1', 'hi', false, 50);
    s.ack('c1', { seq: 3, ts_ms: 60, text: 'hi' }, { role: 'customer' }); // 2 was a private note
    expect(s.receive(1, msg(4, 3))).toBe('gap');
    const r = s.applySync(
      {
        epoch: 1,
        last_seq: 4,
        more: false,
        events: [msg(3, 1, { from_role: 'customer', client_msg_id: 'c1', text: 'hi' }), msg(4, 3)],
      },
      1,
    );
    expect(r.added).toEqual([]);
    expect(s.contiguous).toBe(4);
    expect(s.items().map((i) => (i.type === 'entry' ? [i.entry.seq, i.own] : null))).toEqual([
      [1, false],
      [3, true],
      [4, false],
    ]);
  });
});

describe('MessageStore: outgoing messages', () => {
  it('shows pending messages after the log until acked, then as the stored text, once', () => {
    const s = new MessageStore('customer');
    s.receive(1, msg(1, 0));
    s.addOutgoing('c1', 'my ssn is 123-45-6789', false, 10);
    expect(s.items().map((i) => i.type)).toEqual(['entry', 'pending']);
    expect(s.unacked().map((o) => o.clientMsgId)).toEqual(['c1']);
    const e = s.ack('c1', { seq: 2, ts_ms: 20, text: 'my ssn is XXX-XX-6789' }, { role: 'customer' });
    expect(e?.text).toBe('my ssn is XXX-XX-6789');
    expect(s.unacked()).toEqual([]);
    expect(s.items()).toHaveLength(2);
    // the same entry again in a sync: still once
    s.applySync(
      {
        epoch: 1,
        last_seq: 2,
        more: false,
        events: [msg(2, 1, { from_role: 'customer', client_msg_id: 'c1', text: 'my ssn is XXX-XX-6789' })],
      },
      1,
    );
    expect(s.items()).toHaveLength(2);
  });

  it('keeps unacked messages (in order, same client_msg_id) to send again after a reconnect', () => {
    const s = new MessageStore('customer');
    s.addOutgoing('a', 'one', false, 1);
    s.addOutgoing('b', 'two', false, 2);
    expect(s.unacked().map((o) => [o.clientMsgId, o.text])).toEqual([
      ['a', 'one'],
      ['b', 'two'],
    ]);
    // the first was stored before the connection dropped: the sync returns it with its id
    s.applySync(
      {
        epoch: 1,
        last_seq: 1,
        more: false,
        events: [msg(1, 0, { from_role: 'customer', client_msg_id: 'a', text: 'one' })],
      },
      0,
    );
    expect(s.unacked().map((o) => o.clientMsgId)).toEqual(['b']);
  });

  it('a failed message waits for the person; retry puts it at the end of the queue', () => {
    const s = new MessageStore();
    s.addOutgoing('a', 'one', false, 1);
    s.addOutgoing('b', 'two', true, 2);
    s.fail('a', 'BAD_FIELD');
    expect(s.unacked().map((o) => o.clientMsgId)).toEqual(['b']);
    expect(s.outgoing().find((o) => o.clientMsgId === 'a')?.error).toBe('BAD_FIELD');
    expect(s.retry('a')).toBe(true);
    expect(s.unacked().map((o) => o.clientMsgId)).toEqual(['b', 'a']);
    s.discard('b');
    expect(s.unacked().map((o) => o.clientMsgId)).toEqual(['a']);
  });

  it('a staff console recognises its own messages by client_msg_id, not by role', () => {
    const s = new MessageStore(null);
    s.receive(1, msg(1, 0, { client_msg_id: 'other-agent' }));
    s.addOutgoing('mine', 'hello', false, 5);
    s.ack('mine', { seq: 2, ts_ms: 6, text: 'hello' }, { role: 'agent', name: 'Dmitri' });
    const own = s.items().map((i) => (i.type === 'entry' ? i.own : null));
    expect(own).toEqual([false, true]);
  });
});

describe('MessageStore: epochs', () => {
  it('a different epoch discards the copy (sync from 0)', () => {
    const s = new MessageStore('customer');
    s.receive(7, msg(1, 0));
    s.receive(7, msg(2, 1));
    expect(s.receive(8, msg(2, 1))).toBe('reset');
    expect(s.size).toBe(0);
    expect(s.contiguous).toBe(0);
    expect(s.epoch).toBe(8);
  });

  it('a sync page of another epoch asks to start again from 0', () => {
    const s = new MessageStore('customer');
    s.applySync({ epoch: 1, last_seq: 2, more: false, events: [msg(1, 0), msg(2, 1)] }, 0);
    const r = s.applySync({ epoch: 2, last_seq: 1, more: false, events: [] }, 2);
    expect(r.reset).toBe(true);
    expect(r.next).toBe(0);
    expect(s.size).toBe(0);
    // the same seq numbers in the new epoch are new entries, not duplicates
    const again = s.applySync({ epoch: 2, last_seq: 1, more: false, events: [msg(1, 0, { text: 'x' })] }, 0);
    expect(again.added.map((e) => e.text)).toEqual(['x']);
  });

  it('own messages acked in the lost epoch and missing from the full resync are sent again', () => {
    const s = new MessageStore('customer');
    s.applySync({ epoch: 1, last_seq: 1, more: false, events: [msg(1, 0)] }, 0);
    s.addOutgoing('kept', 'survived', false, 10);
    s.ack('kept', { seq: 2, ts_ms: 11, text: 'survived' }, { role: 'customer' });
    s.addOutgoing('lost', 'lost with the last second', false, 12);
    s.ack('lost', { seq: 3, ts_ms: 13, text: 'lost with the last second' }, { role: 'customer' });
    expect(s.checkEpoch(2)).toBe(false);
    const p1 = s.applySync({ epoch: 2, last_seq: 2, more: true, events: [msg(1, 0)] }, 0);
    expect(p1.requeued).toEqual([]); // not before the last page
    const p2 = s.applySync(
      {
        epoch: 2,
        last_seq: 2,
        more: false,
        events: [msg(2, 1, { from_role: 'customer', client_msg_id: 'kept', text: 'survived' })],
      },
      1,
    );
    expect(p2.requeued.map((o) => o.clientMsgId)).toEqual(['lost']);
    expect(s.unacked().map((o) => [o.clientMsgId, o.text])).toEqual([['lost', 'lost with the last second']]);
  });
});

describe('MessageStore: snapshots', () => {
  it('survives a round trip through JSON, pending messages included', () => {
    const s = new MessageStore('customer');
    s.receive(3, msg(1, 0));
    s.addOutgoing('c1', 'hi', false, 10);
    s.ack('c1', { seq: 2, ts_ms: 11, text: 'hi' }, { role: 'customer' });
    s.addOutgoing('c2', 'not yet', false, 12);
    const back = new MessageStore('customer');
    expect(back.restore(JSON.parse(JSON.stringify(s.snapshot())))).toBe(true);
    expect(back.epoch).toBe(3);
    expect(back.contiguous).toBe(2);
    expect(seqs(back)).toEqual([1, 2]);
    expect(back.unacked().map((o) => o.clientMsgId)).toEqual(['c2']);
  });

  it('refuses what is not a snapshot', () => {
    const s = new MessageStore();
    expect(s.restore(null)).toBe(false);
    expect(s.restore({ v: 1, epoch: 1, contiguous: 0, entries: [{ seq: 'x' }], pending: [], own: [] })).toBe(
      false,
    );
    expect(s.restore({ v: 2 })).toBe(false);
  });
});
