// Private notes stay private in every field (DESIGN.md principle 4). The same conversation is run
// twice against the real server and Redis, once with private notes written at every point (before
// the customer's first message, between messages, at the end of the log, after the end) and each
// of them marked delivered and read by the agent, once without: everything the customer receives
// (events, replies to its own requests, the hello of a resumed connection, syncs from every point)
// must be the same in both runs. A note may not show as an event, a gap or a jump in the numbers,
// a receipt that moved or repeated, or anything else.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  sanitizerReports,
  startRedis,
  startServer,
  testPasswordHash,
  type Redis,
  type Server,
} from '../support/harness.ts';
import { customer, staff, type Client } from '../support/client.ts';
import type { Envelope } from '../../agent-client/src/proto/codec.ts';

function notesConfig(port: number, redis: string): string {
  const hash = testPasswordHash();
  return `
deployment: notes-it
listen: {host: 127.0.0.1, port: ${port}}
redis: {address: ${redis}}
allowed_origins: [http://127.0.0.1:${port}]
widget_origins: [http://agency.example]
languages: [en]
chat: {conversations_per_address: 1000}
skills: [{id: claims}]
queues:
  - {id: claims, name: Claim questions, channels: [chat], skills: [{skill: claims, min: 1}], languages: [en]}
topics:
  - {id: claim, queue: claims, label: {en: A claim question}}
staff:
  - {username: ana, display_name: Ana Agent, role: agent, password_hash: "${hash}", skills: {claims: 3}, languages: [en], queues: [claims], capacity: {chat: 3}}
dispositions: [{code: resolved, label: Resolved}]
`;
}

let redis: Redis;
let server: Server;

beforeAll(async () => {
  redis = await startRedis();
  // a frozen clock: both runs see the same times, so their views can be compared whole
  server = await startServer({ redis, yaml: notesConfig, frozenClock: true });
});

afterAll(async () => {
  const r = await server.stop();
  expect(sanitizerReports(server)).toEqual([]);
  expect(r.code).toBe(0);
  await redis.stop();
});

type View = unknown[];

/** Identifiers differ between runs by nature; everything else must not. */
const RUN_IDS = new Set(['conversation_id', 'contact_id', 'user_id', 'resume_token', 'offer_id']);
function normalise(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(normalise);
  if (x && typeof x === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) o[k] = RUN_IDS.has(k) ? typeof v : normalise(v);
    return o;
  }
  return x;
}

interface Run {
  view: View;
  /** every event and reply the agent received, for checks of the staff side */
  staffEvents: Envelope[];
  staffNotes: number[];
}

/** One conversation, with private notes when `notes`; returns everything the customer received. */
async function conversation(notes: boolean): Promise<Run> {
  const replies: View = [];
  const { client: ana } = await staff(server, 'ana');
  await ana.take('staff.setup');
  expect((await ana.request('agent.state.set', { status: 'available' })).t).toBe('ok');

  const first = await customer(server);
  let cust: Client = first.client;
  const clients: Client[] = [cust];
  replies.push(['hello', first.hello.b]);
  const token = first.hello.b.resume_token as string;
  const req = await cust.request('contact.request', { topic: 'claim', channel: 'chat', lang: 'en', name: 'Pat' });
  expect(req.t).toBe('ok');
  replies.push(['contact.request', req.b]);
  const conv = req.b.conversation_id as string;

  const offer = await ana.take('offer', (e) => e.b.contact_id === req.b.contact_id);
  expect((await ana.request('offer.accept', { offer_id: offer.b.offer_id })).t).toBe('ok');
  await ana.take('chat.event', (e) => (e.b.event as Record<string, unknown>).system === 'joined');

  let n = 0;
  const staffNotes: number[] = [];
  /** the agent's own request; its reply is not part of the customer's view */
  const agentSays = async (text: string, priv = false) => {
    const r = await ana.request('chat.send', { conversation_id: conv, client_msg_id: `a-${++n}`, text, private: priv });
    expect(r.t).toBe('ok');
    return r.b.seq as number;
  };
  /** a note (only in the run with notes), then the agent marks everything it holds as read */
  const note = async (text: string) => {
    if (notes) staffNotes.push(await agentSays(`NOTE ${text}`, true));
    await agentMarks();
  };
  /** the agent has received and read its whole log, notes included */
  const agentMarks = async () => {
    const s = await ana.request('chat.sync', { conversation_id: conv, after_seq: 0 });
    expect(s.t).toBe('ok');
    const last = s.b.last_seq as number;
    const r = await ana.request('chat.receipt', { conversation_id: conv, delivered_seq: last, read_seq: last });
    expect(r.t).toBe('ok');
  };
  const custDo = async (type: string, body: Record<string, unknown>) => {
    const r = await cust.request(type, { conversation_id: conv, ...body });
    replies.push([type, r.t, r.b]);
    return r;
  };
  const custSync = async (after: number) => custDo('chat.sync', { after_seq: after });
  /** the customer marks what it holds (the last seq of a sync) delivered and read */
  const custMarks = async () => {
    const s = await custSync(0);
    const last = s.b.last_seq as number;
    await custDo('chat.receipt', { delivered_seq: last, read_seq: last });
  };

  await note('before the customer wrote');
  await custDo('chat.send', { client_msg_id: 'c-1', text: 'Hello, my payment is late' });
  await note('after the first message');
  await note('a second one in a row');
  await agentSays('Let me check that for you');
  await custMarks();
  await note('at the end of the log');
  await agentSays('I see the payment went out today');
  await note('after a message, marked at once');
  await custMarks();
  // a retry of the customer's first message: the same number as the first time
  await custDo('chat.send', { client_msg_id: 'c-1', text: 'Hello, my payment is late' });
  for (let after = 0; after <= 6; after++) await custSync(after);

  // the customer reloads the page: a new connection resumes with the token
  cust.close();
  const again = await customer(server, { resumeToken: token });
  cust = again.client;
  clients.push(cust);
  replies.push(['hello', again.hello.b]);
  await custSync(0);
  await custSync(3);
  await note('while the customer was away');
  await custDo('chat.send', { client_msg_id: 'c-2', text: 'Thank you' });
  await custDo('chat.typing', { typing: true });
  await note('the last one before the end');
  await custMarks();

  // the end, and notes during wrap-up
  expect((await ana.request('contact.end', { contact_id: req.b.contact_id })).t).toBe('ok');
  await note('during wrap-up');
  await note('during wrap-up, again');
  expect(
    (await ana.request('contact.wrapup', { contact_id: req.b.contact_id, disposition: 'resolved', service_codes: [] })).t,
  ).toBe('ok');
  await custSync(0);
  await custMarks();
  await custDo('chat.rate', { score: 5, comment: 'quick' });
  await custSync(0);
  // a round trip last: every event sent before it has arrived
  await custDo('chat.sync', { after_seq: 0 });

  expect((await ana.request('agent.state.set', { status: 'offline' })).t).toBe('ok');
  ana.close();
  cust.close();
  const events = clients.flatMap((c, i) => c.events.map((e) => [`events of connection ${i}`, e.t, e.b]));
  return { view: [...replies, ...events], staffEvents: ana.events, staffNotes };
}

describe('private notes', () => {
  it('leave no trace in anything the customer receives', async () => {
    const plain = await conversation(false);
    const noted = await conversation(true);
    expect(noted.staffNotes).toHaveLength(9);

    const text = JSON.stringify(noted.view);
    expect(text).not.toContain('NOTE');
    expect(text).not.toContain('"kind":"note"');
    // the customer's numbers run 1, 2, 3... and each one points at the one before
    const syncs = noted.view.filter(
      (x): x is [string, string, Record<string, unknown>] => Array.isArray(x) && x[0] === 'chat.sync',
    );
    const full = syncs.at(-1)![2].events as Array<Record<string, unknown>>;
    expect(full.map((e) => e.seq)).toEqual(full.map((_, i) => i + 1));
    expect(full.map((e) => e.prev_seq)).toEqual(full.map((_, i) => i));
    expect(syncs.at(-1)![2].last_seq).toBe(full.length);
    // and the whole view, field by field, is what it would be had no note been written
    expect(normalise(noted.view)).toEqual(normalise(plain.view));
  });

  it('are numbered for staff in the whole log, and customer receipts are told to staff in it', async () => {
    const noted = await conversation(true);
    const marks = noted.staffEvents.filter((e) => e.t === 'chat.receipt.event');
    expect(marks.length).toBeGreaterThan(0);
    const seen = noted.staffEvents
      .filter((e) => e.t === 'chat.event')
      .map((e) => e.b.event as Record<string, unknown>);
    const customerSeqs = new Set(seen.filter((e) => e.from_role === 'customer').map((e) => e.seq));
    for (const m of marks) {
      // a customer's mark names an entry the customer could see, in the agent's numbering
      expect(noted.staffNotes).not.toContain(m.b.read_seq);
      expect(noted.staffNotes).not.toContain(m.b.delivered_seq);
    }
    expect(customerSeqs.size).toBe(2);
  });
});
