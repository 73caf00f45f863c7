import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { backoffDelay } from './backoff';
import { Connection, RequestError, closeAction, type ConnectionState, type TokenStore } from './connection';
import type { HelloReply } from '../proto/schema.gen';
import { FakeSocket } from '../test/fake-socket';

const AGENT_HELLO: HelloReply = {
  role: 'agent',
  user_id: 'mlopez',
  display_name: 'Maria Lopez',
  server_time_ms: 1764072000000,
  ping_interval_s: 25,
  max_frame_bytes: 65536,
};

const CUSTOMER_HELLO: HelloReply = {
  role: 'customer',
  user_id: 'c:1',
  resume_token: 'NEWTOKEN_abcdefghijklmnopqrstuvwxyz-0123456',
  resume_ttl_s: 86400,
  server_time_ms: 1764072000000,
  ping_interval_s: 25,
  max_frame_bytes: 65536,
};

function memoryStore(initial: string | null = null): TokenStore & { value: string | null } {
  const s = {
    value: initial,
    get: () => s.value,
    set: (t: string) => {
      s.value = t;
    },
    clear: () => {
      s.value = null;
    },
  };
  return s;
}

function make(opts: { tokenStore?: TokenStore; random?: () => number; keepalive?: boolean } = {}): {
  conn: Connection;
  states: ConnectionState[];
  sock: () => FakeSocket;
} {
  const conn = new Connection({
    url: 'ws://127.0.0.1:8080/ws/staff',
    client: 'console/test',
    createSocket: (url, protocol) => new FakeSocket(url, protocol),
    random: opts.random ?? (() => 0.5),
    keepalive: opts.keepalive ?? false,
    requestTimeoutMs: 10000,
    ...(opts.tokenStore ? { tokenStore: opts.tokenStore } : {}),
  });
  const states: ConnectionState[] = [];
  conn.onState((s) => states.push(s));
  return {
    conn,
    states,
    sock: () => {
      const s = FakeSocket.all[FakeSocket.all.length - 1];
      if (!s) throw new Error('no socket');
      return s;
    },
  };
}

async function connect(m: ReturnType<typeof make>, reply: HelloReply = AGENT_HELLO): Promise<FakeSocket> {
  m.conn.start();
  const s = m.sock();
  s.accept();
  s.replyOk({ ...reply });
  await vi.advanceTimersByTimeAsync(0);
  return s;
}

beforeEach(() => {
  vi.useFakeTimers();
  FakeSocket.all = [];
});

afterEach(() => {
  vi.useRealTimers();
});

describe('backoffDelay', () => {
  it('doubles from 1 s and is capped at 30 s, jittered within [cap/2, cap]', () => {
    const lo = (a: number) => backoffDelay(a, () => 0);
    const hi = (a: number) => backoffDelay(a, () => 1);
    expect([1, 2, 3, 4, 5, 6, 7].map(hi)).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    expect([1, 2, 3, 6, 50].map(lo)).toEqual([500, 1000, 2000, 15000, 15000]);
    for (let i = 0; i < 100; i++) {
      const d = backoffDelay(4, Math.random);
      expect(d).toBeGreaterThanOrEqual(4000);
      expect(d).toBeLessThanOrEqual(8000);
    }
  });
});

describe('closeAction', () => {
  it.each([
    [4001, 'signed-out'],
    [4003, 'signed-out'],
    [4002, 'replaced'],
    [1008, 'error'],
    [1009, 'error'],
    [1001, 'reconnect'],
    [1006, 'reconnect'],
    [4009, 'reconnect'],
    [4010, 'reconnect'],
    [4013, 'reconnect'],
    [4008, 'reconnect'],
  ])('%i -> %s', (code, action) => {
    expect(closeAction(code)).toBe(action);
  });
});

describe('Connection', () => {
  it('opens with the subprotocol and binary frames, sends hello first, then is connected', async () => {
    const m = make();
    m.conn.start();
    const s = m.sock();
    expect(s.url).toBe('ws://127.0.0.1:8080/ws/staff');
    expect(s.requestedProtocol).toBe('switchboard.v1');
    expect(s.binaryType).toBe('arraybuffer');
    expect(m.conn.state).toEqual({ status: 'connecting', attempt: 0 });
    expect(s.sent).toEqual([]);
    s.accept();
    expect(s.sent).toEqual([{ t: 'hello', id: 1, b: { client: 'console/test' } }]);
    await expect(m.conn.request('ping', {})).rejects.toMatchObject({ code: 'NOT_CONNECTED' });
    s.replyOk({ ...AGENT_HELLO });
    await vi.advanceTimersByTimeAsync(0);
    expect(m.conn.state).toEqual({ status: 'connected', hello: AGENT_HELLO });
    expect(m.states.map((x) => x.status)).toEqual(['connecting', 'connected']);
  });

  it('stops when the server does not select the subprotocol', () => {
    const m = make();
    m.conn.start();
    m.sock().accept('');
    expect(m.conn.state).toMatchObject({ status: 'closed', reason: 'error' });
    expect(m.sock().closedWith).not.toBeNull();
  });

  it('matches replies to requests by id and types them', async () => {
    const m = make();
    const s = await connect(m);
    const a = m.conn.request('ping', { echo: 'a' });
    const b = m.conn.request('ping', { echo: 'b' });
    const [ra, rb] = s.sent.slice(-2);
    // replies out of order, in one frame, with an event between them
    s.serverSends(
      { t: 'ok', id: rb?.id ?? 0, request: 'ping', b: { echo: 'b', server_time_ms: 2 } },
      { t: 'server.notice', b: { level: 'info', message: 'hi' } },
      { t: 'ok', id: ra?.id ?? 0, request: 'ping', b: { echo: 'a', server_time_ms: 1 } },
    );
    await expect(a).resolves.toEqual({ echo: 'a', server_time_ms: 1 });
    await expect(b).resolves.toEqual({ echo: 'b', server_time_ms: 2 });
  });

  it('rejects a request with the error reply', async () => {
    const m = make();
    const s = await connect(m);
    const p = m.conn.request('ping', {});
    const id = s.lastRequest().id ?? 0;
    s.serverSends({ t: 'error', id, b: { code: 'RATE_LIMITED', message: 'slow down', retry_after_ms: 500 } });
    const err = await p.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RequestError);
    expect(err).toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: 500, retryable: true });
  });

  it('times requests out', async () => {
    const m = make();
    await connect(m);
    const p = m.conn.request('ping', {}, { timeoutMs: 3000 });
    const caught = p.catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(2999);
    await vi.advanceTimersByTimeAsync(1);
    expect(await caught).toMatchObject({ code: 'TIMEOUT' });
  });

  it('dispatches events to listeners by type and reports unusable frames', async () => {
    const m = make();
    const s = await connect(m);
    const notices: unknown[] = [];
    const problems: Error[] = [];
    const off = m.conn.on('server.notice', (b) => notices.push(b));
    m.conn.onProblem((e) => problems.push(e));
    s.serverSends({ t: 'server.notice', b: { level: 'warning', message: 'restart soon' } });
    s.onmessage?.({ data: new Uint8Array([0xc1]).buffer });
    s.onmessage?.({ data: 'text frame' });
    s.serverSends({ t: 'error', b: { code: 'BAD_FRAME', message: 'what was that' } });
    off();
    s.serverSends({ t: 'server.notice', b: { level: 'info', message: 'not seen' } });
    expect(notices).toEqual([{ level: 'warning', message: 'restart soon' }]);
    expect(problems.map((e) => (e as { code?: string }).code)).toEqual([
      'BAD_FRAME',
      'BAD_FRAME',
      'BAD_FRAME',
    ]);
  });

  it.each([1001, 1006, 4009, 4010, 4013])('reconnects with backoff after close %i', async (code) => {
    const m = make();
    const s = await connect(m);
    const pending = m.conn.request('ping', {}).catch((e: unknown) => e);
    s.serverCloses(code);
    expect(await pending).toMatchObject({ code: 'DISCONNECTED' });
    expect(m.conn.state).toMatchObject({ status: 'reconnecting', attempt: 1, delayMs: 750, code });
    expect(FakeSocket.all).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(749);
    expect(FakeSocket.all).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(FakeSocket.all).toHaveLength(2);
    expect(m.conn.state).toEqual({ status: 'connecting', attempt: 1 });
    m.sock().accept();
    expect(m.sock().sent[0]?.t).toBe('hello');
  });

  it('backs off exponentially up to the cap while the server stays away, and resets after hello', async () => {
    const m = make({ random: () => 1 });
    await connect(m);
    m.sock().serverCloses(1001);
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      const st = m.conn.state;
      if (st.status !== 'reconnecting') throw new Error(`unexpected ${st.status}`);
      delays.push(st.delayMs);
      await vi.advanceTimersByTimeAsync(st.delayMs);
      m.sock().serverCloses(1006); // the upgrade failed
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    // the next attempt succeeds: the backoff starts over
    const st = m.conn.state;
    if (st.status !== 'reconnecting') throw new Error('not reconnecting');
    await vi.advanceTimersByTimeAsync(st.delayMs);
    m.sock().accept();
    m.sock().replyOk({ ...AGENT_HELLO });
    await vi.advanceTimersByTimeAsync(0);
    expect(m.conn.state.status).toBe('connected');
    m.sock().serverCloses(1001);
    expect(m.conn.state).toMatchObject({ status: 'reconnecting', attempt: 1, delayMs: 1000 });
  });

  it.each([
    [4001, 'signed-out'],
    [4003, 'signed-out'],
    [4002, 'replaced'],
    [1008, 'error'],
    [1009, 'error'],
  ] as const)('stops for good after close %i (%s)', async (code, reason) => {
    const m = make();
    const s = await connect(m);
    s.serverCloses(code, 'bye');
    expect(m.conn.state).toMatchObject({ status: 'closed', reason, code });
    await vi.advanceTimersByTimeAsync(10 * 60 * 1000);
    expect(FakeSocket.all).toHaveLength(1);
    // start() connects again (e.g. after a new login, or "Reconnect here")
    m.conn.start();
    expect(FakeSocket.all).toHaveLength(2);
  });

  it('close() ends it without reconnecting', async () => {
    const m = make();
    const s = await connect(m);
    m.conn.close();
    expect(s.closedWith?.code).toBe(1000);
    expect(m.conn.state).toMatchObject({ status: 'closed', reason: 'client' });
    s.serverCloses(1000); // handlers are detached: ignored
    await vi.advanceTimersByTimeAsync(60000);
    expect(FakeSocket.all).toHaveLength(1);
  });

  it('close() during a reconnect delay cancels the retry', async () => {
    const m = make();
    const s = await connect(m);
    s.serverCloses(1006);
    m.conn.close();
    await vi.advanceTimersByTimeAsync(60000);
    expect(FakeSocket.all).toHaveLength(1);
  });

  it('reconnectNow() skips the remaining delay', async () => {
    const m = make();
    const s = await connect(m);
    s.serverCloses(1006);
    m.conn.reconnectNow();
    expect(FakeSocket.all).toHaveLength(2);
    expect(m.conn.state.status).toBe('connecting');
  });

  it('a hello that times out closes the socket and retries', async () => {
    const m = make();
    m.conn.start();
    m.sock().accept();
    await vi.advanceTimersByTimeAsync(10000);
    expect(m.sock().closedWith).not.toBeNull();
    expect(m.conn.state).toMatchObject({ status: 'reconnecting', attempt: 1 });
  });

  it('a retryable hello error reconnects; a non-retryable one stops', async () => {
    const m = make();
    m.conn.start();
    m.sock().accept();
    m.sock().replyError('STORE_UNAVAILABLE');
    await vi.advanceTimersByTimeAsync(0);
    expect(m.conn.state).toMatchObject({ status: 'reconnecting' });
    m.conn.reconnectNow();
    m.sock().accept();
    m.sock().replyError('FORBIDDEN');
    await vi.advanceTimersByTimeAsync(0);
    expect(m.conn.state).toMatchObject({ status: 'closed', reason: 'error' });
  });

  it('keepalive: pings a quiet line and reconnects when the ping goes unanswered', async () => {
    const m = make({ keepalive: true });
    const s = await connect(m); // ping_interval_s 25
    await vi.advanceTimersByTimeAsync(24000);
    expect(s.sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(s.lastRequest()).toMatchObject({ t: 'ping', b: {} });
    s.replyOk({ server_time_ms: 1 });
    await vi.advanceTimersByTimeAsync(25000);
    expect(s.sent).toHaveLength(3);
    expect(m.conn.state.status).toBe('connected');
    await vi.advanceTimersByTimeAsync(10000); // no reply within the request timeout
    expect(m.conn.state).toMatchObject({ status: 'reconnecting', code: 1006 });
    expect(s.closedWith).not.toBeNull();
  });

  it('keepalive: traffic keeps the line from being pinged', async () => {
    const m = make({ keepalive: true });
    const s = await connect(m);
    for (let i = 0; i < 10; i++) {
      await vi.advanceTimersByTimeAsync(20000);
      s.serverSends({ t: 'server.notice', b: { level: 'info', message: String(i) } });
    }
    expect(s.sent).toHaveLength(1);
  });
});

describe('Connection (customer resume token)', () => {
  it('a new customer says hello without a token and keeps the one minted', async () => {
    const store = memoryStore();
    const m = make({ tokenStore: store });
    const s = await connect(m, CUSTOMER_HELLO);
    expect(s.sent[0]).toEqual({ t: 'hello', id: 1, b: { client: 'console/test' } });
    expect(store.value).toBe(CUSTOMER_HELLO.resume_token);
  });

  it('a returning customer presents the token, on reconnect too', async () => {
    const store = memoryStore('OLDTOKEN_abcdefghijklmnop');
    const m = make({ tokenStore: store });
    const { resume_token: _minted, ...noNewToken } = CUSTOMER_HELLO;
    const s = await connect(m, noNewToken);
    expect(s.sent[0]?.b).toEqual({ client: 'console/test', resume_token: 'OLDTOKEN_abcdefghijklmnop' });
    s.serverCloses(1001);
    await vi.advanceTimersByTimeAsync(1000);
    m.sock().accept();
    expect(m.sock().sent[0]?.b).toMatchObject({ resume_token: 'OLDTOKEN_abcdefghijklmnop' });
  });

  it('TOKEN_INVALID: forgets the token and says hello again without it', async () => {
    const store = memoryStore('EXPIRED_abcdefghijklmnop');
    const m = make({ tokenStore: store });
    m.conn.start();
    const s = m.sock();
    s.accept();
    s.replyError('TOKEN_INVALID');
    await vi.advanceTimersByTimeAsync(0);
    expect(store.value).toBeNull();
    expect(s.sent).toHaveLength(2);
    expect(s.sent[1]).toEqual({ t: 'hello', id: 2, b: { client: 'console/test' } });
    s.replyOk({ ...CUSTOMER_HELLO });
    await vi.advanceTimersByTimeAsync(0);
    expect(m.conn.state.status).toBe('connected');
    expect(store.value).toBe(CUSTOMER_HELLO.resume_token);
  });

  it('drops a stored token that is not a token at all', () => {
    const store = memoryStore('not a token!');
    const m = make({ tokenStore: store });
    m.conn.start();
    m.sock().accept();
    expect(m.sock().sent[0]?.b).toEqual({ client: 'console/test' });
    expect(store.value).toBeNull();
  });

  it('4001 ends the conversation: the token is dropped and nothing reconnects', async () => {
    const store = memoryStore('OLDTOKEN_abcdefghijklmnop');
    const m = make({ tokenStore: store });
    const s = await connect(m, CUSTOMER_HELLO);
    s.serverCloses(4001);
    expect(store.value).toBeNull();
    expect(m.conn.state).toMatchObject({ status: 'closed', reason: 'signed-out' });
  });
});
