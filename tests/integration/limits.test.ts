// Limits that protect the server from its clients: the per-connection send queue (slow
// consumers), connections per address, the upgrade rate, and Redis backpressure. Each limit gets
// its own server, so that one limit does not get in the way of testing another.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, sanitizerReports, waitFor, type Server } from '../support/harness.ts';
import { customer, login, open, type Client, type Closed } from '../support/client.ts';
import { encodeEnvelope, type Envelope } from '../../agent-client/src/proto/codec.ts';

async function stopClean(server: Server) {
  const r = await server.stop();
  expect(sanitizerReports(server)).toEqual([]);
  expect(r.code).toBe(0);
}

/** Opens a customer socket; resolves once open (the server may still close it right away). */
const openCustomer = (server: Server) => open(server, '/ws/customer', { origin: server.widgetOrigin });

/** What became of a fresh socket: its close code, or 'ok' when a hello round trip succeeded. */
async function fate(c: Client): Promise<number | 'ok'> {
  const r: Closed | Envelope = await Promise.race([c.closed, c.request('hello', {})]);
  if ('code' in r) return r.code;
  expect(r.t).toBe('ok');
  return 'ok';
}

/** Waits until the server has no WebSocket open (its gauges say so). */
async function drained(server: Server) {
  await waitFor('every connection to be gone', async () => {
    const m = await (await fetch(`${server.base}/metrics`)).text();
    return [...m.matchAll(/^sb_connections\{role="\w+"\} (\d+)$/gm)].every((x) => x[1] === '0');
  });
}

// ------------------------------------------------------------------------------------------------

describe('slow consumers', () => {
  let server: Server;
  beforeAll(async () => {
    server = await startServer({
      limits: { max_send_queue_bytes: 65536, messages_per_s: 10000, messages_burst: 100000 },
    });
  });
  afterAll(() => stopClean(server));

  /**
   * A customer stops reading (its socket is paused) and keeps asking for 16 kB echoes: the
   * kernel buffers fill, then the server's send queue for it. Meanwhile another customer must be
   * served normally. Returns once the server counted the send-queue limit.
   */
  async function provoke() {
    const slow = (await customer(server)).client;
    const other = (await customer(server)).client;
    const hits = await server.metric('sb_limit_hits_total', { limit: 'send_queue' });
    const closes = await server.metric('sb_closes_total', { code: '4009' });
    const sock = (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    sock.pause();
    const echo = 'e'.repeat(16000);
    let sent = 0;
    while ((await server.metric('sb_limit_hits_total', { limit: 'send_queue' })) === hits) {
      expect(sent, 'the server never gave up on a client that does not read').toBeLessThan(4000);
      for (let i = 0; i < 5; i++) {
        const id = slow.newId();
        void slow.expectReply(id, 'ping'); // replies that arrive late are fine, none are awaited
        slow.sendRaw(encodeEnvelope({ t: 'ping', id, b: { echo } }));
      }
      sent += 5;
      const r = await other.request('ping', { echo: `round ${sent}` });
      expect(r).toMatchObject({ t: 'ok', b: { echo: `round ${sent}` } });
    }
    return { slow, other, sock, hits, closes };
  }

  it('closes a client that stops reading (SLOW_CONSUMER), and others keep getting replies', async () => {
    const { slow, other, sock, hits, closes } = await provoke();
    expect(await server.metric('sb_limit_hits_total', { limit: 'send_queue' })).toBe(hits + 1);
    expect(await server.metric('sb_closes_total', { code: '4009' })).toBe(closes + 1);
    const line = JSON.parse(await server.waitForLog(/closing a slow consumer/));
    expect(line.level).toBe('warn');
    expect(line.queued_bytes).toBeGreaterThan(65536);
    // once the client reads again it finds its connection closed
    sock.resume();
    await slow.closed;
    // the other customer never noticed
    const r = await other.request('ping', { echo: 'after' });
    expect(r.b.echo).toBe('after');
    other.close();
    await drained(server);
  });

  // docs/protocol.md and protocol-messages.md: a slow reader "is closed with 4009 SLOW_CONSUMER";
  // the client that reads again within moments should find that code. The server (conn.c,
  // sb_conn_close -> 1 us lws timer -> close_now) closes while lws still holds a partly sent frame:
  // lws flushes that frame, then shuts the socket down without any close frame, so the client only
  // ever sees 1006 (abnormal closure).
  it('tells the slow client why it was closed: 4009 and a reason', async () => {
    const { slow, other, sock } = await provoke();
    sock.resume();
    const closed = await slow.closed;
    other.close();
    await drained(server);
    expect(closed.code).toBe(4009);
    expect(closed.reason).toMatch(/send queue/);
  });
});

describe('connections per address', () => {
  let server: Server;
  beforeAll(async () => {
    server = await startServer({ limits: { max_connections_per_address: 2 } });
  });
  afterAll(() => stopClean(server));

  it('closes a third connection from 127.0.0.1 with 4013 right after the upgrade, and accepts one again after a close', async () => {
    const a = await openCustomer(server);
    const b = await openCustomer(server);
    expect(await fate(a)).toBe('ok');
    expect(await fate(b)).toBe('ok');
    const before = await server.metric('sb_limit_hits_total', { limit: 'connections_per_address' });

    const c = await openCustomer(server); // the upgrade itself succeeds ...
    const closed = await c.closed; // ... then the server closes it
    expect(closed.code).toBe(4013);
    expect(closed.reason).toMatch(/address/);
    expect(await server.metric('sb_limit_hits_total', { limit: 'connections_per_address' })).toBe(before + 1);
    // a staff socket from the same address counts as well (the limit is per address, not per role)
    const l = await login(server, 'ana');
    const s = await open(server, '/ws/staff', { cookie: l.cookie });
    expect((await s.closed).code).toBe(4013);

    // the two accepted ones were not disturbed
    expect((await a.request('ping', { echo: 'a' })).b.echo).toBe('a');
    // after one closes, a new one is accepted
    b.close();
    await b.closed;
    await waitFor('the server to count the close', async () => {
      return (await server.metric('sb_connections', { role: 'customer' })) === 1;
    });
    const d = await openCustomer(server);
    expect(await fate(d)).toBe('ok');
    a.close();
    d.close();
    await drained(server);
  });
});

describe('upgrade rate', () => {
  let server: Server;
  beforeAll(async () => {
    server = await startServer({ limits: { max_upgrades_per_s: 3 } });
  });
  afterAll(() => stopClean(server));

  it('closes upgrades beyond limits.max_upgrades_per_s with 4013, and takes new ones once the bucket refilled', async () => {
    const before = await server.metric('sb_limit_hits_total', { limit: 'upgrade_rate' });
    // let the bucket be full whatever happened before (start-up took real time)
    await server.advance(1000);
    const burst = await Promise.all(Array.from({ length: 10 }, () => openCustomer(server)));
    const fates = await Promise.all(burst.map(fate));
    const accepted = fates.filter((f) => f === 'ok').length;
    const refused = fates.filter((f) => f === 4013).length;
    expect(accepted + refused).toBe(10);
    expect(accepted).toBeGreaterThanOrEqual(3); // the bucket holds 3
    expect(refused).toBeGreaterThanOrEqual(1); // 10 at once cannot all fit
    expect(await server.metric('sb_limit_hits_total', { limit: 'upgrade_rate' })).toBe(before + refused);
    for (const c of burst) c.close();
    await drained(server);

    // the bucket refills on the server clock: one second later there are 3 tokens again
    await server.advance(1000);
    const next = await Promise.all(Array.from({ length: 3 }, () => openCustomer(server)));
    expect(await Promise.all(next.map(fate))).toEqual(['ok', 'ok', 'ok']);
    for (const c of next) c.close();
    await drained(server);
  });
});

describe('Redis backpressure', () => {
  let server: Server;
  const MIN_IN_FLIGHT = 100; // the smallest limits.redis_max_in_flight docs/config.md allows
  beforeAll(async () => {
    server = await startServer({ limits: { redis_max_in_flight: MIN_IN_FLIGHT } });
  });
  afterAll(async () => {
    server.redis.proc.kill('SIGCONT');
    await stopClean(server);
  });

  it('serves 30 customers saying hello at once', async () => {
    const clients = await Promise.all(Array.from({ length: 30 }, () => openCustomer(server)));
    const hellos = await Promise.all(clients.map((c) => c.request('hello', {})));
    expect(hellos.map((h) => h.t)).toEqual(Array(30).fill('ok'));
    expect(new Set(hellos.map((h) => h.b.user_id)).size).toBe(30);
    for (const c of clients) c.close();
    await drained(server);
  });

  it('stops reading from clients while Redis has redis_max_in_flight requests outstanding, then serves them all', async () => {
    // 30 clients cannot fill a window of 100 on their own against a local Redis: hold Redis
    // still (SIGSTOP) so requests pile up, and send more hellos than the window holds
    const N = MIN_IN_FLIGHT + 20;
    const clients = await Promise.all(Array.from({ length: N }, () => openCustomer(server)));
    const hitsBefore = await server.metric('sb_limit_hits_total', { limit: 'redis_in_flight' });
    server.redis.proc.kill('SIGSTOP');
    try {
      const hellos = clients.map((c) => c.request('hello', {}));
      await waitFor('Redis to have the whole window in flight', async () =>
        (await server.metric('sb_redis_in_flight')) >= MIN_IN_FLIGHT,
      );
      expect(await server.metric('sb_redis_in_flight')).toBe(MIN_IN_FLIGHT); // never more
      expect(await server.metric('sb_limit_hits_total', { limit: 'redis_in_flight' })).toBe(hitsBefore + 1);
      await server.waitForLog(/pausing client reads/);
      server.redis.proc.kill('SIGCONT');
      const replies = await Promise.all(hellos);
      // nobody was refused: the excess waited in the socket buffers
      expect(replies.filter((r) => r.t !== 'ok').map((r) => r.b.code)).toEqual([]);
      expect(new Set(replies.map((r) => r.b.user_id)).size).toBe(N);
      await server.waitForLog(/resuming client reads/);
      expect(await server.metric('sb_redis_in_flight')).toBe(0);
    } finally {
      server.redis.proc.kill('SIGCONT');
    }
    for (const c of clients) c.close();
    await drained(server);
  });
});

describe('message floods', () => {
  // one message a second, two at once: a flood is easy to make and the bucket easy to reason about
  const FLOOD_CLOSE_S = 5;
  let server: Server;
  beforeAll(async () => {
    server = await startServer({ limits: { messages_per_s: 1, messages_burst: 2, flood_close_s: FLOOD_CLOSE_S } });
  });
  afterAll(() => stopClean(server));

  /** Sends n pings in one go; resolves with their replies, or with the close if it comes first. */
  async function volley(c: Client, n: number): Promise<Envelope[] | Closed> {
    const replies = Array.from({ length: n }, () => {
      const id = c.newId();
      const r = c.expectReply(id, 'ping');
      c.sendRaw(encodeEnvelope({ t: 'ping', id, b: { echo: 'x' } }));
      return r;
    });
    return Promise.race([Promise.all(replies), c.closed]);
  }

  it('closes a client that keeps sending after RATE_LIMITED with 1008 and a reason', async () => {
    const { client } = await customer(server);
    const before = await server.metric('sb_limit_hits_total', { limit: 'message_flood' });
    const closes = await server.metric('sb_closes_total', { code: '1008' });
    // five messages every half second, whatever the answers say
    let flooded = 0;
    let r = await volley(client, 5);
    try {
      while (!('code' in r)) {
        expect(r.filter((e) => e.t === 'error').map((e) => e.b.code)).toContain('RATE_LIMITED');
        expect(flooded, 'the server never closed a client that ignores RATE_LIMITED').toBeLessThan(
          4 * FLOOD_CLOSE_S * 1000,
        );
        await server.advance(500);
        flooded += 500;
        r = await volley(client, 5);
      }
    } finally {
      client.ws.terminate();
    }
    expect(r.code).toBe(1008);
    expect(r.reason).toMatch(/rate limit/);
    // not before limits.flood_close_s of it
    expect(flooded).toBeGreaterThanOrEqual(FLOOD_CLOSE_S * 1000 - 500);
    expect(await server.metric('sb_limit_hits_total', { limit: 'message_flood' })).toBe(before + 1);
    expect(await server.metric('sb_closes_total', { code: '1008' })).toBe(closes + 1);
    const line = JSON.parse(await server.waitForLog(/keeps sending past its rate limit/));
    expect(line.level).toBe('warn');
  });

  it('keeps a client that waits as told, however often it hits the limit', async () => {
    const { client } = await customer(server);
    // ten at once: the bucket takes what it holds, the rest were already on their way when the
    // first refusal went out, and are forgiven
    let r = await volley(client, 10);
    // then, for four times limits.flood_close_s, two at a time, each time waiting as told
    for (let waited = 0; waited < 4 * FLOOD_CLOSE_S * 1000; ) {
      expect('code' in r, 'closed a client that waits as told').toBe(false);
      const refused = (r as Envelope[]).filter((e) => e.t === 'error');
      expect(refused.length).toBeGreaterThan(0); // it does hit the limit every time
      expect(refused.map((e) => e.b.code)).toEqual(refused.map(() => 'RATE_LIMITED'));
      const wait = Math.max(...refused.map((e) => Number(e.b.retry_after_ms)));
      await server.advance(wait);
      waited += wait;
      r = await volley(client, 2);
    }
    expect('code' in r).toBe(false);
    expect((await client.request('ping', {})).t).toBeDefined(); // still open
    client.close();
    await drained(server);
  });
});
