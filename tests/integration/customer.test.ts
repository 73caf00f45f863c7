// Anonymous customers on /ws/customer: server-minted resume tokens (stored only hashed, with a
// TTL), resuming, refused tokens, and what the upgrade itself checks (origin, subprotocol, path).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, sanitizerReports, waitFor, type Server } from '../support/harness.ts';
import { customer, open, UpgradeRefused } from '../support/client.ts';

const RESUME_TTL_S = 600;
let server: Server;

beforeAll(async () => {
  server = await startServer({ auth: { resume_ttl_s: RESUME_TTL_S } });
});

afterAll(async () => {
  const r = await server.stop();
  expect(sanitizerReports(server)).toEqual([]);
  expect(r.code).toBe(0);
});

const TOKEN_RE = /^[A-Za-z0-9_-]{43}$/;

/** Redis keys of this deployment matching a pattern, from a real KEYS reply. */
async function keys(pattern: string): Promise<string[]> {
  const reply = await server.redis.command('KEYS', pattern);
  return reply
    .split('\r\n')
    .filter((l) => l && !/^[*$]/.test(l));
}

describe('resume tokens', () => {
  it('gives a new customer a customer id and a 43-character base64url token', async () => {
    const { client, hello } = await customer(server);
    expect(hello.t).toBe('ok');
    expect(hello.b.role).toBe('customer');
    expect(hello.b.user_id).toMatch(/^c-[0-9a-f]{24}$/);
    expect(hello.b.resume_token).toMatch(TOKEN_RE);
    expect(hello.b.resume_ttl_s).toBe(RESUME_TTL_S);
    expect(hello.b.display_name).toBeUndefined();
    expect(typeof hello.b.server_time_ms).toBe('number');
    client.close();
  });

  it('gives every new customer a different id and token', async () => {
    const a = await customer(server);
    const b = await customer(server);
    expect(a.hello.b.user_id).not.toBe(b.hello.b.user_id);
    expect(a.hello.b.resume_token).not.toBe(b.hello.b.resume_token);
    a.client.close();
    b.client.close();
  });

  it('resumes the same customer with the token, without minting a new one', async () => {
    const first = await customer(server);
    const token = first.hello.b.resume_token as string;
    first.client.close();
    await first.client.closed;
    const again = await customer(server, { resumeToken: token });
    expect(again.hello.t).toBe('ok');
    expect(again.hello.b.user_id).toBe(first.hello.b.user_id);
    expect(again.hello.b.resume_token).toBeUndefined();
    expect(again.hello.b.resume_ttl_s).toBe(RESUME_TTL_S);
    // and once more: the token stays valid after a resume
    again.client.close();
    const third = await customer(server, { resumeToken: token });
    expect(third.hello.b.user_id).toBe(first.hello.b.user_id);
    third.client.close();
  });

  it('refuses a well-formed token it never minted with TOKEN_INVALID, and the connection stays', async () => {
    const client = await open(server, '/ws/customer', { origin: server.widgetOrigin });
    const madeUp = 'A'.repeat(20) + '-_' + 'z'.repeat(21);
    expect(madeUp).toMatch(TOKEN_RE);
    const r = await client.request('hello', { resume_token: madeUp });
    expect(r).toMatchObject({ t: 'error', b: { code: 'TOKEN_INVALID' } });
    expect(client.ws.readyState).toBe(client.ws.OPEN);
    // the client starts afresh without the token, on the same connection
    const fresh = await client.request('hello', {});
    expect(fresh.t).toBe('ok');
    expect(fresh.b.resume_token).toMatch(TOKEN_RE);
    expect(fresh.b.resume_token).not.toBe(madeUp);
    expect((await client.request('ping', { echo: 'hi' })).b.echo).toBe('hi');
    client.close();
  });

  it('refuses a token of the wrong shape with TOKEN_INVALID', async () => {
    const client = await open(server, '/ws/customer', { origin: server.widgetOrigin });
    const other = await customer(server);
    other.client.close();
    const real = other.hello.b.resume_token as string;
    for (const bad of ['B'.repeat(42), real + 'x', real.slice(0, 20), 'C'.repeat(64)]) {
      const r = await client.request('hello', { resume_token: bad });
      expect(r, bad).toMatchObject({ t: 'error', b: { code: 'TOKEN_INVALID' } });
    }
    expect((await client.request('hello', {})).t).toBe('ok');
    client.close();
  });

  it('stores only the hash of the token in Redis, with a TTL of at most auth.resume_ttl_s', async () => {
    const { client, hello } = await customer(server);
    const token = hello.b.resume_token as string;
    const all = await server.redis.command('KEYS', '*');
    expect(all).not.toContain(token);
    const rtoks = await keys(`sb:{it${server.port}}:rtok:*`);
    expect(rtoks.length).toBeGreaterThan(0);
    for (const k of rtoks) expect(k).toMatch(/^sb:\{it\d+\}:rtok:[0-9a-f]{64}$/);
    // the token is nowhere in the stored values either
    for (const k of rtoks) {
      const v = await server.redis.command('HGETALL', k);
      expect(v).not.toContain(token);
      const ttl = Number((await server.redis.command('TTL', k)).slice(1));
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(RESUME_TTL_S);
    }
    // the record is bound to the customer id the client was given
    const values = await Promise.all(rtoks.map((k) => server.redis.command('HGET', k, 'customer_id')));
    expect(values.some((v) => v.includes(hello.b.user_id as string))).toBe(true);
    client.close();
  });

  it('refuses a token whose record expired in Redis', async () => {
    const { client, hello } = await customer(server);
    const token = hello.b.resume_token as string;
    client.close();
    await client.closed;
    // find this customer's record and let it expire (as Redis would after resume_ttl_s)
    const rtoks = await keys(`sb:{it${server.port}}:rtok:*`);
    for (const k of rtoks) {
      if ((await server.redis.command('HGET', k, 'customer_id')).includes(hello.b.user_id as string))
        await server.redis.command('DEL', k);
    }
    const again = await open(server, '/ws/customer', { origin: server.widgetOrigin });
    expect((await again.request('hello', { resume_token: token })).b.code).toBe('TOKEN_INVALID');
    again.close();
  });
});

describe('the customer upgrade', () => {
  it('accepts the widget origin and the staff apps origin, without a cookie', async () => {
    const a = await open(server, '/ws/customer', { origin: server.widgetOrigin });
    expect((await a.request('hello', {})).t).toBe('ok');
    a.close();
    const b = await open(server, '/ws/customer', { origin: server.origin });
    expect((await b.request('hello', {})).t).toBe('ok');
    b.close();
  });

  it('refuses a foreign origin with 403', async () => {
    const before = await server.metric('sb_limit_hits_total', { limit: 'origin' });
    const e = await open(server, '/ws/customer', { origin: 'http://evil.example' }).catch((x) => x);
    expect(e).toBeInstanceOf(UpgradeRefused);
    expect(e.status).toBe(403);
    // near misses are foreign too: matching is byte for byte
    for (const origin of ['http://agency.example:80', 'https://agency.example', 'http://agency.example/', 'http://AGENCY.example']) {
      await expect(open(server, '/ws/customer', { origin }), origin).rejects.toMatchObject({ status: 403 });
    }
    expect(await server.metric('sb_limit_hits_total', { limit: 'origin' })).toBe(before + 5);
  });

  it('refuses an upgrade without an Origin with 403', async () => {
    await expect(open(server, '/ws/customer', { origin: null })).rejects.toMatchObject({ status: 403 });
  });

  it('refuses an upgrade without the switchboard.v1 subprotocol with 400', async () => {
    await expect(open(server, '/ws/customer', { origin: server.widgetOrigin, protocol: null })).rejects.toMatchObject(
      { status: 400 },
    );
    await expect(
      open(server, '/ws/customer', { origin: server.widgetOrigin, protocol: 'switchboard.v2' }),
    ).rejects.toMatchObject({ status: 400 });
  });

  it('refuses an unknown WebSocket path with 404', async () => {
    await expect(open(server, '/ws/nope', { origin: server.widgetOrigin })).rejects.toMatchObject({ status: 404 });
    await expect(open(server, '/ws/customer/extra', { origin: server.widgetOrigin })).rejects.toMatchObject({
      status: 404,
    });
  });

  it('keeps serving customers after all those refusals, and leaks no connection', async () => {
    const { client, hello } = await customer(server);
    expect(hello.t).toBe('ok');
    expect(await server.metric('sb_connections', { role: 'customer' })).toBeGreaterThanOrEqual(1);
    client.close();
    await client.closed;
    // every socket of this file is closed by now: the gauges come back to zero
    await waitFor('connections to drain', async () =>
      (await server.metric('sb_connections', { role: 'customer' })) === 0 &&
      (await server.metric('sb_connections', { role: 'pending' })) === 0,
    );
  });
});
