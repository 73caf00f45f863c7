// Checks the relay peer (peer.mjs) against a private Redis, through the repo's own protocol client
// (tests/support/client.ts) and strict codec (agent-client/src/proto/codec.ts): every frame the
// peer sends must decode exactly as Switchboard's would. Run with `node check.mjs`.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { encode } from '@msgpack/msgpack';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, login, open, UpgradeRefused } from '../../tests/support/client.ts';
import { TEST_PASSWORD, type Server } from '../../tests/support/harness.ts';
import { decodeFrameStrict, encodeFrame, type Envelope } from '../../agent-client/src/proto/codec.ts';

const HERE = import.meta.dirname;

// ------------------------------------------------------------------------------------------------
// A private Redis (unix socket, AOF everysec, as in the benchmark) and peers

let dir: string;
let redisProc: ChildProcess;
let redisSock: string;
let redis: Redis;
const peers: ChildProcess[] = [];

async function startRedis() {
  dir = mkdtempSync(join(tmpdir(), 'sb-peer-check-'));
  redisSock = join(dir, 'redis.sock');
  redisProc = spawn(
    'redis-server',
    [
      '--port',
      '0',
      '--unixsocket',
      redisSock,
      '--save',
      '',
      '--appendonly',
      'yes',
      '--appendfsync',
      'everysec',
      '--dir',
      dir,
    ],
    { stdio: 'ignore' },
  );
  for (let i = 0; !existsSync(redisSock); i++) {
    if (i > 200) throw new Error('redis-server did not start');
    await new Promise((r) => setTimeout(r, 25));
  }
  redis = new Redis({ path: redisSock });
  expect(await redis.ping()).toBe('PONG');
}

/** Starts peer.mjs with these flags; resolves once it prints its ready line. */
async function startPeer(flags: string[]): Promise<Server> {
  const proc = spawn(
    process.execPath,
    [
      join(HERE, 'peer.mjs'),
      '--port',
      '0',
      '--redis',
      `unix:${redisSock}`,
      '--password',
      TEST_PASSWORD,
      ...flags,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  peers.push(proc);
  const port = await new Promise<number>((res, rej) => {
    const lines = createInterface({ input: proc.stdout! });
    lines.on('line', (l) => {
      const m = /^peer listening on (\d+)$/.exec(l);
      if (m) res(Number(m[1]));
    });
    proc.once('exit', (code) => rej(new Error(`the peer exited with ${code} before it was ready`)));
  });
  const base = `http://127.0.0.1:${port}`;
  return { port, base, origin: base, widgetOrigin: 'http://widget.example' } as Server;
}

beforeAll(async () => {
  await startRedis();
});

afterAll(async () => {
  for (const p of peers) {
    if (p.exitCode !== null || p.signalCode !== null) continue;
    const gone = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await gone;
  }
  redis?.disconnect();
  if (redisProc && redisProc.exitCode === null) {
    const gone = new Promise((r) => redisProc.once('exit', r));
    redisProc.kill('SIGTERM');
    await gone;
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// ------------------------------------------------------------------------------------------------
// Clients whose every frame is kept and counted

interface Watched {
  client: Client;
  frames: Uint8Array[];
  /** frames the client's own strict decoder accepted (it throws on anything else) */
  accepted: number;
  /** request type by id (ids are 1, 2, 3, ... per connection) */
  types: string[];
}

const watched: Watched[] = [];

function watch(client: Client): Watched {
  const w: Watched = { client, frames: [], accepted: 0, types: [] };
  client.ws.prependListener('message', (data: Buffer, isBinary: boolean) => {
    if (!isBinary) throw new Error('the peer sent a text frame');
    w.frames.push(new Uint8Array(data));
  });
  client.ws.on('message', () => w.accepted++);
  const request = client.request.bind(client);
  client.request = (type, body) => {
    w.types.push(type);
    return request(type, body);
  };
  watched.push(w);
  return w;
}

/** A request the client's codec would refuse to encode (a bad value), sent as raw msgpack. */
function rawRequest(w: Watched, type: string, body: Record<string, unknown>): Promise<Envelope> {
  const id = w.client.newId();
  w.types.push(type);
  const reply = w.client.expectReply(id, type);
  w.client.sendRaw(encode({ t: type, id, b: body }));
  return reply;
}

async function connectCustomer(server: Server, hello: Record<string, unknown> = {}) {
  const client = await open(server, '/ws/customer', { origin: server.widgetOrigin });
  const w = watch(client);
  const reply = await client.request('hello', { client: 'peer-check/1', ...hello });
  return { client, w, hello: reply };
}

async function connectAgent(server: Server, username: string, o: { autoPong?: boolean } = {}) {
  const l = await login(server, username);
  expect(l.status).toBe(200);
  const client = await open(server, '/ws/staff', { cookie: l.cookie, ...o });
  const w = watch(client);
  const reply = await client.request('hello', { client: 'peer-check/1' });
  return { client, w, hello: reply };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ev =
  (conv: string, pred: (e: Record<string, unknown>) => boolean = () => true) =>
  (e: Envelope) =>
    e.b.conversation_id === conv && pred(e.b.event as Record<string, unknown>);
const chatEvents = (c: Client, pred: (e: Record<string, unknown>) => boolean) =>
  c.events.filter((e) => e.t === 'chat.event' && pred(e.b.event as Record<string, unknown>));

/** A customer asks for a chat; resolves with the contact and conversation ids. */
async function ask(c: Client, name = 'Pat') {
  const r = await c.request('contact.request', { topic: 'claim', channel: 'chat', lang: 'en', name });
  expect(r.t).toBe('ok');
  return { contact: r.b.contact_id as string, conv: r.b.conversation_id as string };
}

/** The agent accepts the offer of this contact; resolves with its chat.open. */
async function answer(a: Client, contact: string) {
  const offer = await a.take('offer', (e) => e.b.contact_id === contact);
  expect((await a.request('offer.accept', { offer_id: offer.b.offer_id })).b).toEqual({
    contact_id: contact,
  });
  return a.take('chat.open', (e) => e.b.contact_id === contact);
}

// ------------------------------------------------------------------------------------------------

describe('the relay peer (defaults: pings every 20 s)', () => {
  let server: Server;
  beforeAll(async () => {
    server = await startPeer(['--agents', '3', '--capacity', '2']);
  });

  it('signs staff in with the shared password and sets the session cookie', async () => {
    const l = await login(server, 'agent1');
    expect(l.status).toBe(200);
    expect(l.body).toEqual({ username: 'agent1', display_name: 'agent1', role: 'agent' });
    expect(l.headers.get('set-cookie')).toMatch(
      /^sb_session=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=\/$/,
    );
    expect((await login(server, 'agent1', 'wrong')).status).toBe(401);
    const unknown = await login(server, 'agent4');
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual({ code: 'BAD_CREDENTIALS' });
  });

  it('refuses upgrades without the subprotocol, staff without a session, unknown paths', async () => {
    const status = (p: Promise<unknown>) =>
      p.then(
        () => 0,
        (e) => (e instanceof UpgradeRefused ? e.status : -1),
      );
    expect(await status(open(server, '/ws/staff'))).toBe(401);
    expect(await status(open(server, '/ws/staff', { cookie: 'sb_session=made-up' }))).toBe(401);
    expect(await status(open(server, '/ws/customer', { protocol: 'other.v1' }))).toBe(400);
    expect(await status(open(server, '/ws/customer', { protocol: null }))).toBe(400);
    expect(await status(open(server, '/ws/elsewhere'))).toBe(404);
    const ok = await open(server, '/ws/customer');
    expect(ok.ws.protocol).toBe('switchboard.v1');
    ok.close();
  });

  it('answers hello as the schema says, and nothing before it', async () => {
    const raw = await open(server, '/ws/customer');
    const w = watch(raw);
    const early = await raw.request('ping', {});
    expect(early.t).toBe('error');
    expect(early.b.code).toBe('NOT_READY');
    const hello = await raw.request('hello', { client: 'peer-check/1', lang: 'es' });
    expect(hello.t).toBe('ok');
    expect(Object.keys(hello.b)).toEqual([
      'role',
      'user_id',
      'resume_token',
      'resume_ttl_s',
      'server_time_ms',
      'ping_interval_s',
      'max_frame_bytes',
      'epoch',
    ]);
    expect(hello.b).toMatchObject({
      role: 'customer',
      resume_ttl_s: 900,
      ping_interval_s: 20,
      max_frame_bytes: 65536,
    });
    expect(hello.b.user_id).toMatch(/^c-[0-9a-f]{24}$/);
    expect(Math.abs((hello.b.server_time_ms as number) - Date.now())).toBeLessThan(5000);
    expect((await raw.request('hello', {})).b.code).toBe('NOT_READY');
    expect((await raw.request('chat.sync', { conversation_id: 'v-x', after_seq: 0 })).b.code).toBe(
      'UNKNOWN_TYPE',
    );
    expect((await raw.request('agent.state.set', { status: 'available' })).b.code).toBe('FORBIDDEN');
    expect((await raw.request('ping', { echo: 'héllo' })).b).toMatchObject({ echo: 'héllo' });
    expect(Object.keys((await raw.request('ping', {})).b)).toEqual(['server_time_ms']);
    // a returning customer: the peer keeps no resume tokens
    const back = await connectCustomer(server, { resume_token: hello.b.resume_token as string });
    expect(back.hello.b.code).toBe('TOKEN_INVALID');
    back.client.close();
    raw.close();
    expect(w.frames.length).toBeGreaterThan(0);

    const { client, w: sw, hello: staffHello } = await connectAgent(server, 'agent3');
    expect(Object.keys(staffHello.b)).toEqual([
      'role',
      'user_id',
      'display_name',
      'server_time_ms',
      'ping_interval_s',
      'max_frame_bytes',
      'epoch',
    ]);
    expect(staffHello.b).toMatchObject({ role: 'agent', user_id: 'agent3', display_name: 'agent3' });
    expect(staffHello.b.epoch).toBe(hello.b.epoch);
    expect((await client.request('contact.request', { topic: 't', channel: 'chat', name: 'x' })).b.code).toBe(
      'FORBIDDEN',
    );
    expect((await rawRequest(sw, 'agent.state.set', { status: 'sleepy' })).b).toMatchObject({
      code: 'BAD_FIELD',
      field: 'status',
    });
    client.close();
  });

  it('takes several envelopes in one frame and answers each', async () => {
    const { client, w } = await connectCustomer(server);
    const a = client.newId();
    const b = client.newId();
    w.types.push('ping', 'ping');
    const ra = client.expectReply(a, 'ping');
    const rb = client.expectReply(b, 'ping');
    client.sendRaw(
      encodeFrame([
        { t: 'ping', id: a, b: { echo: 'a' } },
        { t: 'ping', id: b, b: { echo: 'b' } },
      ]),
    );
    expect((await ra).b.echo).toBe('a');
    expect((await rb).b.echo).toBe('b');
    client.sendRaw(new Uint8Array([0xc1]));
    expect((await client.nextEvent('error')).b.code).toBe('BAD_FRAME');
    client.close();
  });

  it('offers, accepts, relays messages both ways once stored, and stores a retry once', async () => {
    const { client: ana } = await connectAgent(server, 'agent1');
    expect((await ana.request('agent.state.set', { status: 'available' })).b).toEqual({
      status: 'available',
    });
    const { client: cust, w: custW, hello } = await connectCustomer(server);
    const custId = hello.b.user_id as string;
    const { contact, conv } = await ask(cust, 'Pat <b>');
    expect(conv).toMatch(/^v-/);
    const queued = await cust.take('contact.status');
    expect(queued.b).toEqual({
      contact_id: contact,
      conversation_id: conv,
      state: 'queued',
      queue_name: 'Chat',
    });
    // nothing can be written before an agent has joined (the offer is not accepted yet)
    const early = await cust.request('chat.send', {
      conversation_id: conv,
      client_msg_id: 'c-0',
      text: 'hello?',
    });
    expect(early.b.code).toBe('CONFLICT');

    const offer = await ana.take('offer', (e) => e.b.contact_id === contact);
    expect(Object.keys(offer.b)).toEqual([
      'offer_id',
      'contact_id',
      'channel',
      'queue',
      'queue_name',
      'language',
      'enqueued_ms',
      'deadline_ms',
      'remaining_ms',
    ]);
    expect(offer.b).toMatchObject({ channel: 'chat', language: 'en' });
    expect(offer.b.remaining_ms as number).toBeGreaterThan(25_000);
    expect((await ana.request('offer.accept', { offer_id: offer.b.offer_id })).b).toEqual({
      contact_id: contact,
    });
    const opened = await ana.take('chat.open', (e) => e.b.contact_id === contact);
    expect(opened.b).toMatchObject({
      conversation_id: conv,
      customer_name: 'Pat <b>',
      topic: 'claim',
      language: 'en',
      last_seq: 0,
    });
    const assigned = await cust.take('contact.status', (e) => e.b.state === 'assigned');
    expect(assigned.b).toEqual({
      contact_id: contact,
      conversation_id: conv,
      state: 'assigned',
      queue_name: 'Chat',
      agent_name: 'agent1',
    });
    // accepting the same offer again
    expect((await ana.request('offer.accept', { offer_id: offer.b.offer_id })).b.code).toBe('OFFER_EXPIRED');

    // the join is the first entry of the log, for both sides
    for (const c of [ana, cust]) {
      const j = await c.take(
        'chat.event',
        ev(conv, (e) => e.system === 'joined'),
      );
      expect(j.b.event).toMatchObject({
        seq: 1,
        prev_seq: 0,
        kind: 'system',
        from_role: 'system',
        text: 'agent1 joined the chat.',
      });
    }

    // customer to agent: the ack once stored, the event to the agent (not to the sender, who has it in the ack)
    const sent = await cust.request('chat.send', {
      conversation_id: conv,
      client_msg_id: 'c-1',
      text: 'Hi & thanks — ¿sí?',
    });
    expect(sent.t).toBe('ok');
    expect(Object.keys(sent.b)).toEqual(['seq', 'prev_seq', 'ts_ms', 'text']);
    expect(sent.b).toMatchObject({ seq: 2, prev_seq: 1, text: 'Hi & thanks — ¿sí?' });
    const got = await ana.take(
      'chat.event',
      ev(conv, (e) => e.kind === 'message'),
    );
    expect(got.b.epoch).toBe(hello.b.epoch);
    expect(got.b.event).toEqual({
      seq: 2,
      prev_seq: 1,
      kind: 'message',
      from_role: 'customer',
      from_name: 'Pat <b>',
      text: 'Hi & thanks — ¿sí?',
      ts_ms: sent.b.ts_ms,
      client_msg_id: 'c-1',
    });

    // a retry: the same seq and time, stored once, delivered once
    const retry = await cust.request('chat.send', {
      conversation_id: conv,
      client_msg_id: 'c-1',
      text: 'Hi & thanks — ¿sí?',
    });
    expect(retry.b).toEqual(sent.b);
    // agent to customer
    const reply = await ana.request('chat.send', {
      conversation_id: conv,
      client_msg_id: 'a-1',
      text: 'Hello Pat',
    });
    expect(reply.b).toMatchObject({ seq: 3, text: 'Hello Pat' });
    const back = await cust.take(
      'chat.event',
      ev(conv, (e) => e.text === 'Hello Pat'),
    );
    expect(back.b.event).toMatchObject({
      seq: 3,
      prev_seq: 2,
      from_role: 'agent',
      from_name: 'agent1',
      text: 'Hello Pat',
    });
    await sleep(100);
    expect(chatEvents(ana, (e) => e.client_msg_id === 'c-1')).toHaveLength(1);
    expect(chatEvents(cust, (e) => e.client_msg_id === 'c-1')).toHaveLength(0);

    // a private note: stored, to the agent only; the customer's numbers do not show it
    const note = await ana.request('chat.send', {
      conversation_id: conv,
      client_msg_id: 'a-2',
      text: 'note',
      private: true,
    });
    expect(note.b.seq).toBe(4);
    const after = await ana.request('chat.send', {
      conversation_id: conv,
      client_msg_id: 'a-3',
      text: 'more',
    });
    const seen = await cust.take(
      'chat.event',
      ev(conv, (e) => e.text === 'more'),
    );
    expect(after.b.seq).toBe(5);
    expect(seen.b.event).toMatchObject({ seq: 4, prev_seq: 3 });
    expect((seen.b.event as Record<string, unknown>).client_msg_id).toBeUndefined();
    expect(chatEvents(cust, (e) => e.kind === 'note')).toHaveLength(0);
    expect(
      (
        await cust.request('chat.send', {
          conversation_id: conv,
          client_msg_id: 'c-2',
          text: 'x',
          private: true,
        })
      ).b.code,
    ).toBe('FORBIDDEN');

    // nobody else may touch it
    const { client: other } = await connectCustomer(server);
    const stranger = await other.request('chat.send', {
      conversation_id: conv,
      client_msg_id: 'x-1',
      text: 'hi',
    });
    expect(stranger.b).toMatchObject({ code: 'NOT_FOUND', field: 'conversation_id' });
    const { client: bo } = await connectAgent(server, 'agent2');
    expect(
      (await bo.request('chat.send', { conversation_id: conv, client_msg_id: 'b-1', text: 'hi' })).b.code,
    ).toBe('NOT_FOUND');
    expect(
      (await rawRequest(custW, 'chat.send', { conversation_id: conv, client_msg_id: 'c-3', text: '' })).b,
    ).toMatchObject({
      code: 'BAD_FIELD',
      field: 'text',
    });

    // what Redis holds: conv_append.lua's log (ids 0-<seq>) and de-duplication table
    const log = (await redis.xrange(`sb:{peer}:v:${conv}:log`, '-', '+')) as [string, string[]][];
    expect(log.map(([id]) => id)).toEqual(['0-1', '0-2', '0-3', '0-4', '0-5']);
    expect(Object.fromEntries(toPairs(log[1][1]))).toMatchObject({
      k: 'message',
      r: 'customer',
      m: 'c-1',
      t: 'Hi & thanks — ¿sí?',
      ps: '2',
    });
    expect(await redis.hget(`sb:{peer}:v:${conv}:dedup`, `c:${custId}|c-1`)).toBe('2');
    expect(await redis.hget(`sb:{peer}:v:${conv}`, 'seq')).toBe('5');
    expect(await redis.hget(`sb:{peer}:v:${conv}`, 'agent')).toBe('agent1');

    // replies and events owed to one connection in one loop turn share a frame
    const multi = watched.flatMap((w) =>
      w.frames.filter(
        (f) => decodeFrameStrict(f, 's2c', { replyTypeOf: (id) => w.types[id - 1] }).length > 1,
      ),
    );
    expect(multi.length).toBeGreaterThan(0);
    for (const c of [ana, cust, other, bo]) c.close();
  });

  it('queues when every slot is taken, and offers when one frees or an agent becomes available', async () => {
    const { client: bo } = await connectAgent(server, 'agent2'); // capacity 2
    expect((await bo.request('agent.state.set', { status: 'available' })).t).toBe('ok');
    const custs = [];
    for (let i = 0; i < 3; i++) {
      const { client } = await connectCustomer(server);
      custs.push({ client, ...(await ask(client, `C${i}`)) });
    }
    await answer(bo, custs[0].contact);
    await answer(bo, custs[1].contact);
    await sleep(200);
    expect(bo.events.filter((e) => e.t === 'offer' && e.b.contact_id === custs[2].contact)).toHaveLength(0);
    // the first customer leaves: the slot frees and the third is offered
    custs[0].client.close();
    await answer(bo, custs[2].contact);

    // a fourth waits until another agent comes
    const { client: c4 } = await connectCustomer(server);
    const fourth = await ask(c4, 'D');
    await sleep(200);
    expect(bo.events.filter((e) => e.t === 'offer' && e.b.contact_id === fourth.contact)).toHaveLength(0);
    const { client: cy } = await connectAgent(server, 'agent3');
    expect((await cy.request('agent.state.set', { status: 'available' })).t).toBe('ok');
    await answer(cy, fourth.contact);

    // an agent who disconnects with an offer pending: it goes to the next one
    expect((await bo.request('agent.state.set', { status: 'away', reason: 'Break' })).b).toEqual({
      status: 'away',
      reason: 'Break',
    });
    const { client: c5 } = await connectCustomer(server);
    const fifth = await ask(c5, 'E');
    await cy.take('offer', (e) => e.b.contact_id === fifth.contact);
    cy.close();
    expect((await bo.request('agent.state.set', { status: 'available' })).t).toBe('ok');
    // bo holds 2 (customers 1 and 2) already: the fifth waits; customer 2 leaving frees a slot
    custs[1].client.close();
    await answer(bo, fifth.contact);
    for (const c of [bo, custs[2].client, c4, c5]) c.close();
  });
});

describe('the relay peer (pings every second, offers for a second)', () => {
  let server: Server;
  beforeAll(async () => {
    server = await startPeer([
      '--agents',
      '2',
      '--ping-interval-s',
      '1',
      '--offer-timeout-s',
      '1',
      '--key-prefix',
      'sb:{peer2}:',
    ]);
  });

  it('pings with a payload, and closes a connection that does not answer with 4010', async () => {
    const { client, hello } = await connectCustomer(server);
    expect(hello.b.ping_interval_s).toBe(1);
    const ping = await new Promise<Buffer>((res) => client.ws.once('ping', res));
    expect(ping.toString()).toBe('sb');
    const { client: deaf } = await connectAgent(server, 'agent2', { autoPong: false });
    const closed = await deaf.closed;
    expect(closed.code).toBe(4010);
    expect(client.ws.readyState).toBe(client.ws.OPEN); // it answered
    client.close();
  });

  it('takes an offer back at its deadline and offers it again', async () => {
    const { client: ana } = await connectAgent(server, 'agent1');
    expect((await ana.request('agent.state.set', { status: 'available' })).t).toBe('ok');
    const { client: cust } = await connectCustomer(server);
    const { contact, conv } = await ask(cust);
    const first = await ana.take('offer', (e) => e.b.contact_id === contact);
    expect(first.b.remaining_ms as number).toBeLessThanOrEqual(1000);
    const gone = await ana.take('offer.gone');
    expect(gone.b).toEqual({ offer_id: first.b.offer_id, reason: 'expired' });
    expect((await ana.request('offer.accept', { offer_id: first.b.offer_id })).b.code).toBe('OFFER_EXPIRED');
    const again = await ana.take('offer', (e) => e.b.contact_id === contact);
    expect(again.b.offer_id).toBeGreaterThan(first.b.offer_id as number);
    expect((await ana.request('offer.accept', { offer_id: again.b.offer_id })).t).toBe('ok');

    // each side gets the other's messages, not its own
    const m = await cust.request('chat.send', { conversation_id: conv, client_msg_id: 'c-1', text: 'hi' });
    await ana.take(
      'chat.event',
      ev(conv, (e) => e.client_msg_id === 'c-1'),
    );
    expect(m.b.seq).toBe(2);
    await ana.request('chat.send', { conversation_id: conv, client_msg_id: 'a-1', text: 'hello' });
    await cust.take(
      'chat.event',
      ev(conv, (e) => e.text === 'hello'),
    );
    await sleep(100);
    expect(chatEvents(cust, (e) => e.client_msg_id === 'c-1')).toHaveLength(0);
    expect(chatEvents(ana, (e) => e.client_msg_id === 'a-1')).toHaveLength(0);
    ana.close();
    cust.close();
  });
});

describe('every frame the peers sent', () => {
  it('decodes through the strict codec', async () => {
    await sleep(100);
    let frames = 0;
    let envelopes = 0;
    for (const w of watched) {
      expect(w.accepted).toBe(w.frames.length);
      for (const f of w.frames) {
        envelopes += decodeFrameStrict(f, 's2c', { replyTypeOf: (id) => w.types[id - 1] }).length;
        frames++;
      }
    }
    expect(frames).toBeGreaterThan(50);
    console.log(`checked ${frames} frames, ${envelopes} envelopes from the peer`);
  });
});

function toPairs(flat: string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i], flat[i + 1]]);
  return out;
}
