// Conversations end to end with the real server (sanitizer build) and Redis, over the protocol:
// messages both ways acknowledged only once stored, retries stored once, private notes, typing and
// receipts, masking of Social Security numbers, inactivity (test clock), customers and agents who
// vanish, transfers, blocks, the export stream, and a server killed with kill -9 in the middle of a
// burst of messages.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  respMap,
  sanitizerReports,
  startRedis,
  startServer,
  testPasswordHash,
  waitFor,
  type Redis,
  type Resp,
  type Server,
} from '../support/harness.ts';
import { customer, staff, type Client } from '../support/client.ts';
import type { Envelope } from '../../agent-client/src/proto/codec.ts';

const GRACE_S = 20;
const WARN_S = 300;
const END_S = 60;
const RESUME_S = 900;
const P = 'sb:{chat-it}:';

function chatConfig(port: number, redis: string): string {
  const hash = testPasswordHash();
  return `
deployment: chat-it
listen: {host: 127.0.0.1, port: ${port}}
redis: {address: ${redis}}
allowed_origins: [http://127.0.0.1:${port}]
widget_origins: [http://agency.example]
languages: [en, es]
auth: {resume_ttl_s: ${RESUME_S}}
routing: {disconnect_grace_s: ${GRACE_S}}
chat: {inactivity_warn_s: ${WARN_S}, inactivity_end_s: ${END_S}, conversations_per_address: 1000,
       transfer_priority_boost: 3, redact_patterns: ["CASE-[0-9]{6}"]}
skills: [{id: claims}, {id: resea}]
queues:
  - {id: claims, name: Claim questions, channels: [chat], skills: [{skill: claims, min: 1}],
     languages: [en, es], priority: 5}
  - {id: resea, name: RESEA reviews, channels: [chat], skills: [{skill: resea, min: 1}],
     languages: [en, es], priority: 4}
topics:
  - {id: claim, queue: claims, label: {en: A claim question, es: Una pregunta sobre mi reclamo}}
staff:
  - {username: ana, display_name: Ana Agent, role: agent, password_hash: "${hash}", skills: {claims: 3}, languages: [en, es], queues: [claims], capacity: {chat: 3}}
  - {username: bo, display_name: Bo Agent, role: agent, password_hash: "${hash}", skills: {claims: 2}, languages: [en], queues: [claims], capacity: {chat: 3}}
  - {username: cy, display_name: Cy Reviewer, role: agent, password_hash: "${hash}", skills: {resea: 3}, languages: [en, es], queues: [resea], capacity: {chat: 2}}
identity_methods: [Claim ID + date of birth, Last employer + date of birth]
canned:
  - {id: hi-en, title: Greeting, language: en, text: "Hello {customer_name}"}
dispositions: [{code: resolved, label: Resolved}]
service_codes: [{code: claim-status, label: Claim status}, {code: resea-scheduled, label: RESEA scheduled}]
away_reasons: [Break]
`;
}

let redis: Redis;
let server: Server;

async function boot(): Promise<Server> {
  return startServer({ redis, yaml: chatConfig });
}

beforeAll(async () => {
  redis = await startRedis();
  server = await boot();
});

afterAll(async () => {
  const r = await server.stop();
  expect(sanitizerReports(server)).toEqual([]);
  expect(r.code).toBe(0);
  await redis.stop();
});

// ------------------------------------------------------------------------------------------------
// Helpers

async function agent(name: string): Promise<Client> {
  const { client } = await staff(server, name);
  await client.take('staff.setup');
  expect((await client.request('agent.state.set', { status: 'available' })).t).toBe('ok');
  return client;
}

async function offline(c: Client) {
  expect((await c.request('agent.state.set', { status: 'offline' })).t).toBe('ok');
  c.close();
}

interface Cust {
  client: Client;
  hello: Envelope;
  contact: string;
  conv: string;
  token: string;
}

async function ask(name = 'Pat', lang = 'en', extra: Record<string, unknown> = {}): Promise<Cust> {
  const { client, hello } = await customer(server);
  await client.take('customer.setup');
  const r = await client.request('contact.request', {
    topic: 'claim',
    channel: 'chat',
    lang,
    name,
    ...extra,
  });
  expect(r.t).toBe('ok');
  return {
    client,
    hello,
    contact: r.b.contact_id as string,
    conv: r.b.conversation_id as string,
    token: hello.b.resume_token as string,
  };
}

/** The agent accepts the offer of this contact; resolves with its chat.open. */
async function answer(a: Client, contact: string): Promise<Envelope> {
  const offer = await a.take('offer', (e) => e.b.contact_id === contact);
  expect((await a.request('offer.accept', { offer_id: offer.b.offer_id })).t).toBe('ok');
  const open = await a.take('chat.open', (e) => e.b.contact_id === contact);
  // the join is in the log (and delivered) before anything the test does next
  await a.take(
    'chat.event',
    (e) =>
      e.b.conversation_id === open.b.conversation_id &&
      (e.b.event as Record<string, unknown>).system === 'joined',
  );
  return open;
}

/** The agent ends the chat and wraps it up: the slot frees. */
async function done(a: Client, contact: string) {
  expect((await a.request('contact.end', { contact_id: contact })).t).toBe('ok');
  const w = await a.request('contact.wrapup', {
    contact_id: contact,
    disposition: 'resolved',
    service_codes: [],
  });
  expect(w.t).toBe('ok');
}

let msgSeq = 0;
async function say(c: Client, conv: string, text: string, extra: Record<string, unknown> = {}) {
  return c.request('chat.send', { conversation_id: conv, client_msg_id: `m-${++msgSeq}`, text, ...extra });
}

function ev(conv: string, pred: (e: Record<string, unknown>) => boolean = () => true) {
  return (e: Envelope) => e.b.conversation_id === conv && pred(e.b.event as Record<string, unknown>);
}

async function sync(c: Client, conv: string, after = 0): Promise<Record<string, unknown>[]> {
  const r = await c.request('chat.sync', { conversation_id: conv, after_seq: after });
  expect(r.t).toBe('ok');
  return r.b.events as Record<string, unknown>[];
}

async function hash(key: string): Promise<Record<string, string>> {
  return respMap(await redis.query('HGETALL', P + key));
}

async function logEntries(conv: string): Promise<Record<string, string>[]> {
  const r = (await redis.query('XRANGE', `${P}v:${conv}:log`, '-', '+')) as Resp[];
  return r.map((e) => ({ id: String((e as Resp[])[0]), ...respMap((e as Resp[])[1]) }));
}

async function exportRecords(type: string): Promise<Record<string, unknown>[]> {
  const r = (await redis.query('XRANGE', `${P}export`, '-', '+')) as Resp[];
  return r
    .map((e) => respMap((e as Resp[])[1]))
    .filter((f) => f.type === type)
    .map((f) => JSON.parse(f.json) as Record<string, unknown>);
}

// ------------------------------------------------------------------------------------------------

describe('a chat both ways', () => {
  it('acknowledges each message once stored, delivers it, and stores a retry once', async () => {
    const ana = await agent('ana');
    const cust = await ask('<img src=x onerror=alert(1)> Pat', 'en', { claim_ref: 'UI-2024-77' });
    expect(cust.conv).toMatch(/^v-/);
    const open = await answer(ana, cust.contact);
    // markup in the name arrives as the same inert text; the agent sees who the customer is
    expect(open.b).toMatchObject({
      conversation_id: cust.conv,
      customer_name: '<img src=x onerror=alert(1)> Pat',
      topic: 'claim',
      topic_label: 'A claim question',
      language: 'en',
      claim_ref: 'UI-2024-77',
    });
    // both sides see the join
    const joined = await cust.client.take(
      'chat.event',
      ev(cust.conv, (e) => e.system === 'joined'),
    );
    expect((joined.b.event as Record<string, unknown>).text).toBe('Ana Agent joined the chat.');

    // customer to agent
    const sent = await cust.client.request('chat.send', {
      conversation_id: cust.conv,
      client_msg_id: 'c-1',
      text: 'Hi <script>alert(1)</script> & thanks',
    });
    expect(sent.t).toBe('ok');
    const got = await ana.take(
      'chat.event',
      ev(cust.conv, (e) => e.kind === 'message'),
    );
    expect(got.b.event).toMatchObject({
      seq: sent.b.seq,
      prev_seq: (sent.b.seq as number) - 1,
      from_role: 'customer',
      from_name: '<img src=x onerror=alert(1)> Pat',
      text: 'Hi <script>alert(1)</script> & thanks',
      client_msg_id: 'c-1',
    });
    // a retry with the same client message id: the same seq, stored once, not delivered again
    const retry = await cust.client.request('chat.send', {
      conversation_id: cust.conv,
      client_msg_id: 'c-1',
      text: 'Hi <script>alert(1)</script> & thanks',
    });
    expect(retry.b).toMatchObject({
      seq: sent.b.seq,
      prev_seq: sent.b.prev_seq,
      ts_ms: sent.b.ts_ms,
    });
    expect((await logEntries(cust.conv)).filter((e) => e.m === 'c-1')).toHaveLength(1);

    // agent to customer
    const reply = await say(ana, cust.conv, 'Hello Pat, see https://esd.wa.gov/claims');
    expect(reply.t).toBe('ok');
    const back = await cust.client.take(
      'chat.event',
      ev(cust.conv, (e) => e.from_role === 'agent'),
    );
    expect(back.b.event).toMatchObject({ seq: reply.b.seq, from_name: 'Ana Agent', kind: 'message' });
    // the second agent message is not delivered twice either
    await new Promise((r) => setTimeout(r, 100));
    expect(
      ana.events.filter(
        (e) => e.t === 'chat.event' && (e.b.event as Record<string, unknown>).client_msg_id === 'c-1',
      ),
    ).toHaveLength(1);

    // a message before... nothing, and customers cannot write notes
    const note = await cust.client.request('chat.send', {
      conversation_id: cust.conv,
      client_msg_id: 'c-2',
      text: 'x',
      private: true,
    });
    expect(note.b.code).toBe('FORBIDDEN');
    await done(ana, cust.contact);
    cust.client.close();
    await offline(ana);
  });

  it('keeps private notes from the customer without a gap that looks like loss', async () => {
    const ana = await agent('ana');
    const cust = await ask();
    await answer(ana, cust.contact);
    const m1 = await say(cust.client, cust.conv, 'first');
    const n = await say(ana, cust.conv, 'Customer sounds upset; check the claim', { private: true });
    expect(n.t).toBe('ok');
    const m2 = await say(ana, cust.conv, 'second');
    // the sender has its entry in the ack and gets no event for it; staff number the whole log
    expect(m2.b.prev_seq).toBe(n.b.seq);
    expect(n.b.seq).toBe((m1.b.seq as number) + 1);
    // the customer numbers only what it may see: the agent's message comes right after its own,
    // with no gap that betrays the note (notes.test.ts checks every field)
    const e2 = await cust.client.take(
      'chat.event',
      ev(cust.conv, (e) => e.text === 'second'),
    );
    expect(e2.b.event).toMatchObject({ seq: (m1.b.seq as number) + 1, prev_seq: m1.b.seq });
    expect(
      cust.client.events.some(
        (e) => e.t === 'chat.event' && (e.b.event as Record<string, unknown>).kind === 'note',
      ),
    ).toBe(false);
    // sync: the customer's view leaves the note out and numbers 1, 2, 3...; staff see everything
    const mine = await sync(cust.client, cust.conv);
    expect(mine.some((e) => e.kind === 'note')).toBe(false);
    expect(mine.map((e) => e.seq)).toEqual(mine.map((_, i) => i + 1));
    for (let i = 1; i < mine.length; i++) expect(mine[i].prev_seq).toBe(mine[i - 1].seq);
    expect(mine.at(-1)).toMatchObject({ seq: (m1.b.seq as number) + 1, prev_seq: m1.b.seq, text: 'second' });
    const staffView = await sync(ana, cust.conv);
    expect(staffView.find((e) => e.kind === 'note')).toMatchObject({
      seq: n.b.seq,
      text: 'Customer sounds upset; check the claim',
    });
    expect(staffView.map((e) => e.seq)).toEqual(staffView.map((_, i) => i + 1));
    // paging: from a seq on
    const tail = await sync(ana, cust.conv, n.b.seq as number);
    expect(tail.map((e) => e.seq)).toEqual([m2.b.seq]);
    await done(ana, cust.contact);
    cust.client.close();
    await offline(ana);
  });

  it('relays typing without storing it, and receipts as high-water marks', async () => {
    const ana = await agent('ana');
    const cust = await ask();
    await answer(ana, cust.contact);
    const before = (await logEntries(cust.conv)).length;
    expect((await cust.client.request('chat.typing', { conversation_id: cust.conv, typing: true })).t).toBe(
      'ok',
    );
    const t = await ana.take('chat.typing.event', (e) => e.b.conversation_id === cust.conv);
    expect(t.b).toMatchObject({ from_role: 'customer', typing: true });
    await ana.request('chat.typing', { conversation_id: cust.conv, typing: true });
    await cust.client.take('chat.typing.event', (e) => e.b.from_role === 'agent' && e.b.typing === true);
    expect((await logEntries(cust.conv)).length).toBe(before);

    const m = await say(ana, cust.conv, 'Are you there?');
    const seq = m.b.seq as number;
    expect(
      (
        await cust.client.request('chat.receipt', {
          conversation_id: cust.conv,
          delivered_seq: seq,
          read_seq: seq,
        })
      ).t,
    ).toBe('ok');
    const r1 = await ana.take('chat.receipt.event', (e) => e.b.conversation_id === cust.conv);
    expect(r1.b).toMatchObject({ from_role: 'customer', delivered_seq: seq, read_seq: seq });
    // a lower mark never lowers it; a mark past the end is clamped
    await cust.client.request('chat.receipt', { conversation_id: cust.conv, read_seq: 1 });
    const r2 = await ana.take('chat.receipt.event', (e) => e.b.conversation_id === cust.conv);
    expect(r2.b.read_seq).toBe(seq);
    await cust.client.request('chat.receipt', { conversation_id: cust.conv, delivered_seq: 99999 });
    const r3 = await ana.take('chat.receipt.event', (e) => e.b.conversation_id === cust.conv);
    expect(r3.b.delivered_seq).toBe(seq);
    expect(await hash(`v:${cust.conv}`)).toMatchObject({
      'rd:customer': String(seq),
      'dl:customer': String(seq),
    });
    await done(ana, cust.contact);
    cust.client.close();
    await offline(ana);
  });
});

describe('privacy and authorisation', () => {
  it('masks Social Security numbers (all but the last four) before storage and delivery; phone numbers stay', async () => {
    const ana = await agent('ana');
    const cust = await ask('Pat 123-45-6789', 'en', { claim_ref: '123456789' });
    const open = await answer(ana, cust.contact);
    expect(open.b.customer_name).toBe('Pat XXX-XX-6789');
    expect(open.b.claim_ref).toBe('XXXXX6789');
    const text = 'SSN 123-45-6789 or 123456789, phone (360) 902-9500, claim CASE-123456, old 000-12-3456';
    const m = await say(cust.client, cust.conv, text);
    const masked = 'SSN XXX-XX-6789 or XXXXX6789, phone (360) 902-9500, claim XXXXXXXXXXX, old 000-12-3456';
    expect(m.b.text).toBe(masked);
    const got = await ana.take(
      'chat.event',
      ev(cust.conv, (e) => e.kind === 'message'),
    );
    expect((got.b.event as Record<string, unknown>).text).toBe(masked);
    const stored = await logEntries(cust.conv);
    expect(stored.find((e) => e.k === 'message')!.t).toBe(masked);
    expect(JSON.stringify(stored)).not.toContain('123-45-6789');
    expect(JSON.stringify(await hash(`v:${cust.conv}`))).not.toContain('123-45');
    expect(server.logs.join('\n')).not.toContain('123-45-6789');
    await done(ana, cust.contact);
    cust.client.close();
    await offline(ana);
  });

  it('never opens a conversation to anyone but its customer and the agent holding it', async () => {
    const ana = await agent('ana');
    const cust = await ask();
    await answer(ana, cust.contact);
    const other = await customer(server);
    for (const t of ['chat.sync', 'chat.send', 'chat.typing', 'chat.receipt']) {
      const body: Record<string, unknown> = { conversation_id: cust.conv };
      if (t === 'chat.sync') body.after_seq = 0;
      if (t === 'chat.send') Object.assign(body, { client_msg_id: 'x-1', text: 'hi' });
      if (t === 'chat.typing') body.typing = true;
      const r = await other.client.request(t, body);
      expect(r.b.code, t).toBe('NOT_FOUND');
    }
    // an agent who does not hold it
    const bo = await agent('bo');
    expect((await bo.request('chat.sync', { conversation_id: cust.conv, after_seq: 0 })).b.code).toBe(
      'NOT_FOUND',
    );
    expect((await say(bo, cust.conv, 'hi')).b.code).toBe('NOT_FOUND');
    // a customer may not verify, transfer or block
    const v = await cust.client.request('chat.verify', {
      conversation_id: cust.conv,
      method: 'Claim ID + date of birth',
    });
    expect(v.b.code).toBe('FORBIDDEN');
    other.client.close();
    await done(ana, cust.contact);
    cust.client.close();
    await offline(bo);
    await offline(ana);
  });

  it('refuses a customer over the per-address limit', async () => {
    await redis.query('SET', `${P}rl:conv:127.0.0.1`, '1000', 'EX', '60');
    const { client } = await customer(server);
    const r = await client.request('contact.request', { topic: 'claim', channel: 'chat', name: 'Pat' });
    expect(r.b.code).toBe('RATE_LIMITED');
    await redis.query('DEL', `${P}rl:conv:127.0.0.1`);
    // the refused request left nothing behind: the next one goes through
    const ok = await client.request('contact.request', { topic: 'claim', channel: 'chat', name: 'Pat' });
    expect(ok.t).toBe('ok');
    expect((await client.request('contact.cancel', { contact_id: ok.b.contact_id })).t).toBe('ok');
    client.close();
  });
});

describe('time and disconnections', () => {
  it('warns an inactive customer first, lets them stay, then ends as customer inactive', async () => {
    const ana = await agent('ana');
    const cust = await ask();
    await answer(ana, cust.contact);
    await server.advance(WARN_S * 1000 + 10);
    const warn = await cust.client.take(
      'chat.event',
      ev(cust.conv, (e) => e.system === 'inactive_warning'),
    );
    expect((warn.b.event as Record<string, unknown>).text).toContain('Are you still there?');
    // staying restarts the watch
    expect((await cust.client.request('chat.stay', { conversation_id: cust.conv })).t).toBe('ok');
    await server.advance(END_S * 1000 + 10);
    expect(
      cust.client.events.some(
        (e) => e.t === 'chat.event' && (e.b.event as Record<string, unknown>).system === 'inactive_ended',
      ),
    ).toBe(false);
    // silent after the next warning: ended
    await server.advance(WARN_S * 1000);
    await cust.client.take(
      'chat.event',
      ev(cust.conv, (e) => e.system === 'inactive_warning'),
    );
    await server.advance(END_S * 1000 + 10);
    await cust.client.take(
      'chat.event',
      ev(cust.conv, (e) => e.system === 'inactive_ended'),
    );
    await ana.take(
      'chat.event',
      ev(cust.conv, (e) => e.system === 'inactive_ended'),
    );
    await cust.client.take(
      'contact.status',
      (e) => e.b.contact_id === cust.contact && e.b.state === 'wrapping',
    );
    // the customer can no longer write; the agent can still add a note during wrap-up
    expect((await say(cust.client, cust.conv, 'hello?')).b.code).toBe('CONFLICT');
    expect((await say(ana, cust.conv, 'no reply', { private: true })).t).toBe('ok');
    expect((await say(ana, cust.conv, 'public')).b.code).toBe('CONFLICT');
    await ana.request('contact.wrapup', {
      contact_id: cust.contact,
      disposition: 'resolved',
      service_codes: [],
    });
    cust.client.close();
    await offline(ana);
  });

  it('ends an answered chat as customer disconnected after the resume window, and resumes within it', async () => {
    const ana = await agent('ana');
    const a = await ask('Ann');
    const b = await ask('Ben');
    await answer(ana, a.contact);
    await answer(ana, b.contact);
    await say(a.client, a.conv, 'before the drop');
    a.client.close();
    b.client.close();
    await a.client.closed;
    await b.client.closed;
    // Ann comes back within the window and finds her conversation
    await server.advance((RESUME_S - 60) * 1000);
    const back = await customer(server, { resumeToken: a.token });
    expect(back.hello.b).toMatchObject({ contact_id: a.contact, conversation_id: a.conv });
    const hist = await sync(back.client, a.conv);
    expect(hist.some((e) => e.text === 'before the drop')).toBe(true);
    await say(ana, a.conv, 'welcome back');
    await back.client.take(
      'chat.event',
      ev(a.conv, (e) => e.text === 'welcome back'),
    );
    // Ben does not: his chat ends and the agent is told
    await server.advance(61 * 1000);
    const gone = await ana.take(
      'chat.event',
      ev(b.conv, (e) => e.system === 'customer_disconnected'),
    );
    expect(gone).toBeTruthy();
    await ana.take('agent.work', (e) =>
      (e.b.items as Record<string, unknown>[]).some(
        (i) => i.contact_id === b.contact && i.state === 'wrapping',
      ),
    );
    // the ended chat revoked Ben's resume token
    const late = await customer(server, { resumeToken: b.token });
    expect(late.hello.b.code ?? late.hello.b.contact_id).not.toBe(b.contact);
    late.client.close();
    back.client.close();
    await ana.request('contact.wrapup', {
      contact_id: b.contact,
      disposition: 'resolved',
      service_codes: [],
    });
    await ana.request('contact.end', { contact_id: a.contact });
    await ana.request('contact.wrapup', {
      contact_id: a.contact,
      disposition: 'resolved',
      service_codes: [],
    });
    await offline(ana);
  });

  it('re-queues the three chats of an agent who vanishes, at their original waiting time', async () => {
    const custs = [await ask('One'), await ask('Two'), await ask('Three')];
    const enq = [];
    for (const c of custs) enq.push((await hash(`c:${c.contact}`)).enq_ms);
    const ana = await agent('ana');
    for (const c of custs) await answer(ana, c.contact);
    ana.ws.terminate(); // gone without a goodbye
    await server.advance(GRACE_S * 1000 + 10);
    for (const [i, c] of custs.entries()) {
      const st = await c.client.take('contact.status', (e) => e.b.reason === 'agent_unavailable');
      expect(st.b).toMatchObject({ state: 'queued', contact_id: c.contact });
      await c.client.take(
        'chat.event',
        ev(c.conv, (e) => e.system === 'requeued'),
      );
      const h = await hash(`c:${c.contact}`);
      expect(h).toMatchObject({ state: 'queued', enq_ms: enq[i] });
    }
    // Bo picks them up in their original order, and finds the history
    const bo = await agent('bo');
    const first = await bo.take('offer');
    expect(first.b.contact_id).toBe(custs[0].contact);
    expect(first.b.enqueued_ms).toBe(Number(enq[0]));
    expect((await bo.request('offer.accept', { offer_id: first.b.offer_id })).t).toBe('ok');
    const open = await bo.take('chat.open', (e) => e.b.contact_id === custs[0].contact);
    expect(open.b.last_seq).toBeGreaterThan(1);
    for (const c of custs) {
      await c.client.request('contact.cancel', { contact_id: c.contact });
      c.client.close();
    }
    await offline(bo);
  });
});

describe('what agents do', () => {
  it('records identity verification, audited, with a configured method only', async () => {
    const ana = await agent('ana');
    const cust = await ask();
    await answer(ana, cust.contact);
    const bad = await ana.request('chat.verify', {
      conversation_id: cust.conv,
      method: 'Looked trustworthy',
    });
    expect(bad.b).toMatchObject({ code: 'BAD_FIELD', field: 'method' });
    expect(
      (await ana.request('chat.verify', { conversation_id: cust.conv, method: 'Claim ID + date of birth' }))
        .t,
    ).toBe('ok');
    await cust.client.take(
      'chat.event',
      ev(cust.conv, (e) => e.system === 'verified'),
    );
    expect(await hash(`v:${cust.conv}`)).toMatchObject({ verified: 'Claim ID + date of birth' });
    const audit = ((await redis.query('XRANGE', `${P}audit`, '-', '+')) as Resp[]).map((e) =>
      respMap((e as Resp[])[1]),
    );
    expect(audit).toContainEqual(
      expect.objectContaining({
        actor: 'ana',
        action: 'identity_verified',
        object: cust.conv,
        detail: 'Claim ID + date of birth',
      }),
    );
    await ana.request('contact.end', { contact_id: cust.contact });
    await ana.request('contact.wrapup', {
      contact_id: cust.contact,
      disposition: 'resolved',
      service_codes: [],
    });
    cust.client.close();
    await offline(ana);
  });

  it('transfers to a queue with the original waiting time, a priority boost and the note', async () => {
    const ana = await agent('ana');
    const cust = await ask('Rosa', 'es');
    const enq = (await hash(`c:${cust.contact}`)).enq_ms;
    await answer(ana, cust.contact);
    await say(cust.client, cust.conv, 'Necesito una cita RESEA');
    const r = await ana.request('chat.transfer', {
      conversation_id: cust.conv,
      to_queue: 'resea',
      note: 'Wants a RESEA appointment; SSN 123-45-6789 given',
    });
    expect(r.t).toBe('ok');
    // the customer is told and follows the new segment; the sender wraps up
    await cust.client.take(
      'chat.event',
      ev(cust.conv, (e) => e.system === 'transferred'),
    );
    const st = await cust.client.take(
      'contact.status',
      (e) => e.b.contact_id !== cust.contact && e.b.state === 'queued',
    );
    const next = st.b.contact_id as string;
    expect(st.b.conversation_id).toBe(cust.conv);
    await ana.take('agent.work', (e) =>
      (e.b.items as Record<string, unknown>[]).some(
        (i) => i.contact_id === cust.contact && i.state === 'wrapping',
      ),
    );
    expect(await hash(`c:${next}`)).toMatchObject({
      queue: 'resea',
      enq_ms: enq,
      priority: '7',
      prev: cust.contact,
      conv: cust.conv,
    });
    // the sender's wrapping segment sends the customer nothing
    expect(
      cust.client.events.some(
        (e) => e.t === 'contact.status' && e.b.contact_id === cust.contact && e.b.state === 'wrapping',
      ),
    ).toBe(false);
    const cy = await agent('cy');
    const open = await answer(cy, next);
    expect(open.b).toMatchObject({
      conversation_id: cust.conv,
      transfer_note: 'Wants a RESEA appointment; SSN XXX-XX-6789 given',
    });
    const hist = await sync(cy, cust.conv);
    expect(hist.some((e) => e.text === 'Necesito una cita RESEA')).toBe(true);
    await say(cy, cust.conv, 'Hola Rosa');
    await cust.client.take(
      'chat.event',
      ev(cust.conv, (e) => e.text === 'Hola Rosa'),
    );
    // the old agent no longer reaches the conversation
    expect((await say(ana, cust.conv, 'still me?')).b.code).toBe('NOT_FOUND');
    await ana.request('contact.wrapup', {
      contact_id: cust.contact,
      disposition: 'resolved',
      service_codes: [],
    });
    await cy.request('contact.end', { contact_id: next });
    await cy.request('contact.wrapup', {
      contact_id: next,
      disposition: 'resolved',
      service_codes: ['resea-scheduled'],
    });
    cust.client.close();
    await offline(ana);
    await offline(cy);
  });

  it('transfers to a named colleague: declined it stays, accepted it moves', async () => {
    const ana = await agent('ana');
    const bo = await agent('bo');
    expect((await bo.request('agent.state.set', { status: 'away', reason: 'Break' })).t).toBe('ok');
    const cust = await ask('Lee');
    await answer(ana, cust.contact);
    // the directory shows colleagues and their state
    const dir = await ana.request('staff.directory', {});
    expect(dir.b.agents).toContainEqual(
      expect.objectContaining({ username: 'bo', status: 'away', connected: true }),
    );
    // Bo is away: refused at once
    const busy = await ana.request('chat.transfer', { conversation_id: cust.conv, to_agent: 'bo', note: '' });
    expect(busy.b.code).toBe('CONFLICT');
    expect((await bo.request('agent.state.set', { status: 'available' })).t).toBe('ok');
    // declined: the chat stays with Ana and the customer notices nothing
    const declined = ana.request('chat.transfer', {
      conversation_id: cust.conv,
      to_agent: 'bo',
      note: 'Knows claims',
    });
    const o1 = await bo.take('offer');
    expect((await bo.request('offer.decline', { offer_id: o1.b.offer_id })).t).toBe('ok');
    expect((await declined).b.code).toBe('CONFLICT');
    expect((await say(ana, cust.conv, 'still with me')).t).toBe('ok');
    expect(
      cust.client.events.some(
        (e) => e.t === 'chat.event' && (e.b.event as Record<string, unknown>).system === 'transferred',
      ),
    ).toBe(false);
    // timed out: the same
    const timed = ana.request('chat.transfer', {
      conversation_id: cust.conv,
      to_agent: 'bo',
      note: 'Knows claims',
    });
    await bo.take('offer');
    await server.advance(31_000);
    expect((await timed).b.code).toBe('CONFLICT');
    // accepted: moves to Bo with the note, Ana wraps up
    const moved = ana.request('chat.transfer', {
      conversation_id: cust.conv,
      to_agent: 'bo',
      note: 'Knows claims',
    });
    const o3 = await bo.take('offer');
    expect((await bo.request('offer.accept', { offer_id: o3.b.offer_id })).t).toBe('ok');
    expect((await moved).t).toBe('ok');
    const open = await bo.take('chat.open', (e) => e.b.conversation_id === cust.conv);
    expect(open.b.transfer_note).toBe('Knows claims');
    await cust.client.take(
      'chat.event',
      ev(cust.conv, (e) => e.system === 'transferred'),
    );
    await cust.client.take(
      'chat.event',
      ev(cust.conv, (e) => e.system === 'joined' && e.from_name === 'Bo Agent'),
    );
    await ana.take('agent.work', (e) =>
      (e.b.items as Record<string, unknown>[]).some(
        (i) => i.contact_id === cust.contact && i.state === 'wrapping',
      ),
    );
    await say(bo, cust.conv, 'Bo here');
    await cust.client.take(
      'chat.event',
      ev(cust.conv, (e) => e.text === 'Bo here'),
    );
    // a reconnecting customer is led to the new segment
    cust.client.close();
    const back = await customer(server, { resumeToken: cust.token });
    expect(back.hello.b).toMatchObject({ contact_id: open.b.contact_id, conversation_id: cust.conv });
    back.client.close();
    await ana.request('contact.wrapup', {
      contact_id: cust.contact,
      disposition: 'resolved',
      service_codes: [],
    });
    await bo.request('contact.end', { contact_id: open.b.contact_id });
    await bo.request('contact.wrapup', {
      contact_id: open.b.contact_id,
      disposition: 'resolved',
      service_codes: [],
    });
    await offline(ana);
    await offline(bo);
  });

  it('ends and blocks an abusive customer, audited', async () => {
    const ana = await agent('ana');
    const cust = await ask('Troll');
    await answer(ana, cust.contact);
    expect(
      (await ana.request('chat.block', { conversation_id: cust.conv, reason: 'Threats against staff' })).t,
    ).toBe('ok');
    await cust.client.take('contact.status', (e) => e.b.state === 'wrapping');
    const audit = ((await redis.query('XRANGE', `${P}audit`, '-', '+')) as Resp[]).map((e) =>
      respMap((e as Resp[])[1]),
    );
    expect(audit).toContainEqual(
      expect.objectContaining({ actor: 'ana', action: 'customer_blocked', object: cust.conv }),
    );
    expect(await redis.query('EXISTS', `${P}block:${cust.hello.b.user_id}`)).toBe(1);
    // the same customer (this browser) cannot start another chat
    const { client, hello } = await customer(server, { resumeToken: cust.token });
    expect(hello.t).toBe('ok');
    await client.take('customer.setup');
    const live = await redis.query('SCARD', `${P}live`);
    const again = await client.request('contact.request', { topic: 'claim', channel: 'chat', name: 'Troll' });
    expect(again.b.code).toBe('FORBIDDEN');
    // the conversation and its contact go to Redis together: refusing the one refused the other
    expect(await redis.query('SCARD', `${P}live`)).toBe(live);
    // and the customer is free to be told the same again (nothing half made stays behind)
    const third = await client.request('contact.request', { topic: 'claim', channel: 'chat', name: 'Troll' });
    expect(third.b.code).toBe('FORBIDDEN');
    client.close();
    cust.client.close();
    await ana.request('contact.wrapup', {
      contact_id: cust.contact,
      disposition: 'resolved',
      service_codes: [],
    });
    await offline(ana);
  });
});

describe('the end of a conversation', () => {
  it('exports transcript, codes and timings, takes one rating, and sets expiries', async () => {
    const ana = await agent('ana');
    const cust = await ask('Kai');
    await answer(ana, cust.contact);
    await say(cust.client, cust.conv, 'How do I file my weekly claim?');
    await say(ana, cust.conv, 'Log in and choose File weekly claim.');
    await say(ana, cust.conv, 'Explained weekly claim', { private: true });
    // too early to rate
    expect((await cust.client.request('chat.rate', { conversation_id: cust.conv, score: 5 })).b.code).toBe(
      'CONFLICT',
    );
    expect((await cust.client.request('contact.cancel', { contact_id: cust.contact })).t).toBe('ok');
    await cust.client.take('contact.status', (e) => e.b.state === 'wrapping');
    expect(
      (
        await ana.request('contact.wrapup', {
          contact_id: cust.contact,
          disposition: 'resolved',
          service_codes: ['claim-status'],
          notes: 'Walked through it; SSN 123-45-6789 mentioned',
        })
      ).t,
    ).toBe('ok');
    await waitFor('the export record', async () =>
      (await exportRecords('conversation')).some((r) => r.conversation_id === cust.conv),
    );
    const rec = (await exportRecords('conversation')).find((r) => r.conversation_id === cust.conv)!;
    expect(rec).toMatchObject({ customer_name: 'Kai', topic: 'claim', language: 'en', outcome: 'completed' });
    const segs = rec.segments as Record<string, unknown>[];
    expect(segs).toHaveLength(1);
    expect(segs[0]).toMatchObject({
      contact_id: cust.contact,
      queue: 'claims',
      agent: 'ana',
      state: 'completed',
      disposition: 'resolved',
      service_codes: ['claim-status'],
      wrapup_notes: 'Walked through it; SSN XXX-XX-6789 mentioned',
    });
    expect(segs[0].answered_ms).toBeGreaterThanOrEqual(segs[0].enqueued_ms as number);
    const transcript = rec.transcript as Record<string, unknown>[];
    expect(transcript.map((e) => e.kind)).toEqual(['system', 'message', 'message', 'note']);
    expect(transcript[3]).toMatchObject({ private: true, text: 'Explained weekly claim' });
    // every key of the conversation expires
    for (const k of [`v:${cust.conv}`, `v:${cust.conv}:log`, `v:${cust.conv}:dedup`]) {
      const ttl = (await redis.query('TTL', P + k)) as number;
      expect(ttl, k).toBeGreaterThan(0);
    }
    // one rating, with its comment masked
    const rated = await cust.client.request('chat.rate', {
      conversation_id: cust.conv,
      score: 4,
      comment: 'Fast. My SSN is 123456789',
    });
    expect(rated.t).toBe('ok');
    expect((await cust.client.request('chat.rate', { conversation_id: cust.conv, score: 1 })).b.code).toBe(
      'CONFLICT',
    );
    const csat = (await exportRecords('csat')).find((r) => r.conversation_id === cust.conv)!;
    expect(csat).toMatchObject({ score: 4, comment: 'Fast. My SSN is XXXXX6789' });
    // the transcript stays readable for the customer for a while (save, print)
    const hist = await sync(cust.client, cust.conv);
    expect(hist.some((e) => e.kind === 'note')).toBe(false);
    expect(hist.length).toBeGreaterThanOrEqual(3);
    cust.client.close();
    await offline(ana);
  });
});

describe('a message left for a team', () => {
  it('records a masked message in the export stream and gives a reference', async () => {
    const { client } = await customer(server);
    await client.take('customer.setup');
    const r = await client.request('contact.message', {
      topic: 'claim',
      lang: 'es',
      name: '<b>Luis</b>',
      text: 'Mi número es 123-45-6789; llámenme al (360) 902-9500',
      reply_to: '(360) 902-9500',
    });
    expect(r.t).toBe('ok');
    const ref = r.b.reference as string;
    expect(ref).toMatch(/^m-/);
    const rec = (await exportRecords('message')).find((m) => m.reference === ref)!;
    expect(rec).toMatchObject({
      topic: 'claim',
      queue: 'claims',
      language: 'es',
      customer_name: '<b>Luis</b>',
      text: 'Mi número es XXX-XX-6789; llámenme al (360) 902-9500',
      reply_to: '(360) 902-9500',
      claim_ref: null,
    });
    const bad = await client.request('contact.message', { topic: 'nope', name: 'L', text: 'x' });
    expect(bad.b).toMatchObject({ code: 'NO_SERVICE', field: 'topic' });
    // counted with new chats from the address
    await redis.query('SET', `${P}rl:conv:127.0.0.1`, '1000', 'EX', '60');
    const limited = await client.request('contact.message', { topic: 'claim', name: 'L', text: 'x' });
    expect(limited.b.code).toBe('RATE_LIMITED');
    await redis.query('DEL', `${P}rl:conv:127.0.0.1`);
    client.close();
  });

  it('records a request to be called back, with the number, and refuses one without a number', async () => {
    const { client } = await customer(server);
    await client.take('customer.setup');
    const ask = (reply_to?: string) =>
      client.request('contact.message', {
        topic: 'claim',
        name: 'Pat',
        text: 'About my payment',
        ...(reply_to !== undefined ? { reply_to } : {}),
        callback: true,
      });
    // the number is required, and must be one
    const missing = await ask();
    expect(missing.t).toBe('error');
    expect(missing.b).toMatchObject({ code: 'BAD_FIELD', field: 'reply_to' });
    expect(missing.b.message).toMatch(/reply_to/);
    for (const bad of [
      'pat@example.org',
      '555-01',
      '1234567890123456',
      '555-0100 or later',
      '1 +360 555 0100',
    ])
      expect((await ask(bad)).b).toMatchObject({ code: 'BAD_FIELD', field: 'reply_to' });
    // nothing was recorded for the refusals
    expect(await exportRecords('callback')).toEqual([]);

    const r = await ask('+1 (360) 555-0100');
    expect(r.t).toBe('ok');
    const ref = r.b.reference as string;
    expect(ref).toMatch(/^cb-[0-9a-f]{24}$/);
    const rec = (await exportRecords('callback')).find((m) => m.reference === ref)!;
    expect(rec).toMatchObject({
      type: 'callback',
      topic: 'claim',
      queue: 'claims',
      customer_name: 'Pat',
      text: 'About my payment',
      reply_to: '+1 (360) 555-0100',
    });
    // an ordinary message still needs no number
    const plain = await client.request('contact.message', { topic: 'claim', name: 'P', text: 'x' });
    expect(plain.b.reference).toMatch(/^m-/);
    client.close();
  });
});

describe('a chat whose contact is refused', () => {
  it('leaves no conversation behind to count against chat.max_conversations', async () => {
    const own = await startServer({
      redis,
      yaml: (port, addr) =>
        chatConfig(port, addr)
          .replace('deployment: chat-it', 'deployment: chat-it2')
          .replace('chat: {', 'chat: {max_conversations: 1, '),
    });
    const Q = 'sb:{chat-it2}:';
    const { client: ana } = await staff(own, 'ana');
    await ana.take('staff.setup');
    expect((await ana.request('agent.state.set', { status: 'available' })).t).toBe('ok');
    // Redis says Ana's chat slots are full while the engine thinks she is free: the contact's
    // creation, which carries her offer, is refused after its conversation was made
    await redis.query('HSET', `${Q}a:ana`, 'load_chat', '3');
    const a = await customer(own);
    await a.client.take('customer.setup');
    const refused = await a.client.request('contact.request', { topic: 'claim', channel: 'chat', name: 'A' });
    expect(refused.t).toBe('error');
    expect(refused.b.code).toBe('CONFLICT');
    await redis.query('HSET', `${Q}a:ana`, 'load_chat', '0');
    // the only conversation allowed is free again: the refused one was dropped
    const b = await customer(own);
    await b.client.take('customer.setup');
    const ok = await b.client.request('contact.request', { topic: 'claim', channel: 'chat', name: 'B' });
    expect(ok.t).toBe('ok');
    expect((await b.client.request('contact.cancel', { contact_id: ok.b.contact_id })).t).toBe('ok');
    for (const c of [a.client, b.client, ana]) c.close();
    const r = await own.stop();
    expect(sanitizerReports(own)).toEqual([]);
    expect(r.code).toBe(0);
  });
});

describe('failures', () => {
  it('kill -9 in the middle of a burst: every acknowledged message is there once, in order', async () => {
    const ana = await agent('ana');
    const cust = await ask('Burst');
    await answer(ana, cust.contact);
    const N = 60;
    const acked = new Map<string, { seq: number; text: string }>();
    const ids = Array.from({ length: N }, (_, i) => `b-${i}`);
    let killed = false;
    const sends = ids.map((id, i) =>
      cust.client
        .request('chat.send', { conversation_id: cust.conv, client_msg_id: id, text: `message ${i}` })
        .then((r) => {
          if (r.t === 'ok') acked.set(id, { seq: r.b.seq as number, text: r.b.text as string });
          if (!killed && acked.size >= 15) {
            killed = true;
            server.proc.kill('SIGKILL');
          }
        }),
    );
    void sends;
    await server.exit;
    killed = true;
    cust.client.ws.terminate();
    ana.ws.terminate();
    expect(acked.size).toBeGreaterThanOrEqual(15);
    server = await boot();
    const back = await customer(server, { resumeToken: cust.token });
    expect(back.hello.b).toMatchObject({ contact_id: cust.contact, conversation_id: cust.conv });
    const all = await sync(back.client, cust.conv);
    const msgs = all.filter((e) => e.kind === 'message');
    for (const [id, a] of acked) {
      const found = msgs.filter((e) => e.client_msg_id === id);
      expect(found, id).toHaveLength(1);
      expect(found[0]).toMatchObject({ seq: a.seq, text: a.text });
    }
    const seqs = msgs.map((e) => e.seq as number);
    expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);
    // the widget resends what was not acknowledged, with the same ids: each is stored once
    for (const [i, id] of ids.entries()) {
      const r = await back.client.request('chat.send', {
        conversation_id: cust.conv,
        client_msg_id: id,
        text: `message ${i}`,
      });
      expect(r.t).toBe('ok');
      if (acked.has(id)) expect(r.b.seq).toBe(acked.get(id)!.seq);
    }
    const final = (await sync(back.client, cust.conv)).filter((e) => e.kind === 'message');
    expect(final.map((e) => e.client_msg_id).sort()).toEqual([...ids].sort());
    // the agent comes back to the chat within the grace period
    const again = await agent('ana');
    const reopen = await again.take('chat.open', (e) => e.b.conversation_id === cust.conv);
    expect(reopen.b.last_seq).toBeGreaterThanOrEqual(N);
    await again.request('contact.end', { contact_id: cust.contact });
    await again.request('contact.wrapup', {
      contact_id: cust.contact,
      disposition: 'resolved',
      service_codes: [],
    });
    back.client.close();
    await offline(again);
  });

  it('tells clients to resync when Redis restarted and may have lost data', async () => {
    const { client, hello } = await customer(server);
    const epoch = hello.b.epoch as number;
    expect(epoch).toBeGreaterThan(0);
    await redis.kill();
    await redis.restart();
    const e = await client.take('chat.epoch', () => true, 20_000);
    expect(e.b.epoch).not.toBe(epoch);
    client.close();
    await waitFor(
      'the server to be ready again',
      async () => (await fetch(`${server.base}/readyz`)).status === 200,
    );
    const next = await customer(server);
    expect(next.hello.b.epoch).toBe(e.b.epoch);
    next.client.close();
  });
});
