// Staff sign-in over HTTP and the staff WebSocket: cookies, origins, sessions in Redis,
// failed-login limits, sign-out closing the user's sockets.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, sanitizerReports, waitFor, type Server } from '../support/harness.ts';
import { login, loginFrom, open, staff, UpgradeRefused } from '../support/client.ts';

let server: Server;

beforeAll(async () => {
  server = await startServer({ auth: { login_max_failures_per_account: 3, login_max_failures_per_address: 50 } });
});

afterAll(async () => {
  const r = await server.stop();
  expect(sanitizerReports(server)).toEqual([]);
  expect(r.code).toBe(0);
});

describe('sign-in', () => {
  it('sets an HttpOnly SameSite=Strict session cookie and says who signed in', async () => {
    const r = await login(server, 'ana');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ username: 'ana', display_name: 'Ana Agent', role: 'agent' });
    const set = r.headers.get('set-cookie')!;
    expect(set).toMatch(/^sb_session=[A-Za-z0-9_-]{43};/);
    expect(set).toContain('HttpOnly');
    expect(set).toContain('SameSite=Strict');
    // the session lives in Redis under the token's hash, never the token itself
    const token = r.cookie!.split('=')[1];
    const keys = await server.redis.command('KEYS', '*');
    expect(keys).not.toContain(token);
    expect(keys).toMatch(/sb:\{it\d+\}:sess:[0-9a-f]{64}/);
    const me = await fetch(`${server.base}/api/me`, { headers: { cookie: r.cookie! } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ username: 'ana', role: 'agent' });
  });

  it('refuses a wrong password without saying whether the user exists', async () => {
    const wrong = await login(server, 'bo', 'not the password');
    const nobody = await login(server, 'nobody-here', 'whatever');
    expect(wrong.status).toBe(401);
    expect(nobody.status).toBe(401);
    expect(wrong.body).toEqual(nobody.body);
    expect(wrong.cookie).toBeUndefined();
  });

  it('refuses malformed bodies with a clear error', async () => {
    const r = await fetch(`${server.base}/api/login`, { method: 'POST', body: 'not json' });
    expect(r.status).toBe(400);
    expect((await r.json()).code).toBe('BAD_REQUEST');
  });

  it('locks an account after repeated failures, with Retry-After', async () => {
    for (let i = 0; i < 3; i++) expect((await login(server, 'sam', 'bad')).status).toBe(401);
    const locked = await login(server, 'sam'); // even the right password
    expect(locked.status).toBe(429);
    expect(locked.body.code).toBe('RATE_LIMITED');
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await server.metric('sb_logins_total', { result: 'rate_limited' })).toBeGreaterThanOrEqual(1);
    // other accounts are unaffected
    expect((await login(server, 'bo')).status).toBe(200);
  });

  it('refuses a sign-in posted from a foreign origin', async () => {
    const r = await login(server, 'ana', undefined, { origin: 'http://evil.example' });
    expect(r.status).toBe(403);
  });
});

describe('staff WebSocket', () => {
  it('identifies the user from the cookie', async () => {
    const { client, hello } = await staff(server, 'ana');
    expect(hello.t).toBe('ok');
    expect(hello.b).toMatchObject({ role: 'agent', user_id: 'ana', display_name: 'Ana Agent' });
    client.close();
  });

  it('refuses the upgrade without a session cookie', async () => {
    await expect(open(server, '/ws/staff')).rejects.toMatchObject({ status: 401 });
  });

  it('refuses the upgrade from an origin that is not allowed', async () => {
    const { cookie } = await staff(server, 'bo');
    const e = await open(server, '/ws/staff', { cookie, origin: 'http://evil.example' }).catch((x) => x);
    expect(e).toBeInstanceOf(UpgradeRefused);
    expect(e.status).toBe(403);
    // the widget's origin is for customers only
    await expect(open(server, '/ws/staff', { cookie, origin: server.widgetOrigin })).rejects.toMatchObject({
      status: 403,
    });
  });

  it('closes with UNAUTHORIZED when the cookie names no session', async () => {
    const fake = 'sb_session=' + 'A'.repeat(43);
    const c = await open(server, '/ws/staff', { cookie: fake });
    expect((await c.closed).code).toBe(4001);
  });

  it('closes every socket of a session at sign-out', async () => {
    // a supervisor may watch from several screens (agents who take contacts have one)
    const { client, cookie } = await staff(server, 'sue');
    const second = await open(server, '/ws/staff', { cookie });
    expect((await second.request('hello', {})).t).toBe('ok');
    const out = await fetch(`${server.base}/api/logout`, { method: 'POST', headers: { cookie } });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toContain('Max-Age=0');
    expect((await client.closed).code).toBe(4003);
    expect((await second.closed).code).toBe(4003);
    // the session is gone: the same cookie no longer opens a socket
    const again = await open(server, '/ws/staff', { cookie });
    expect((await again.closed).code).toBe(4001);
    expect((await fetch(`${server.base}/api/me`, { headers: { cookie } })).status).toBe(401);
  });

  it('lets an admin revoke all sessions of a user, and only an admin', async () => {
    const a = await staff(server, 'sue');
    const b = await staff(server, 'sue');
    const admin = await login(server, 'root');
    const agent = await login(server, 'ana');
    const post = (cookie: string) =>
      fetch(`${server.base}/api/admin/revoke`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'sue' }),
      });
    expect((await post(agent.cookie!)).status).toBe(403);
    const r = await post(admin.cookie!);
    expect(r.status).toBe(200);
    expect((await r.json()).revoked).toBeGreaterThanOrEqual(2);
    expect((await a.client.closed).code).toBe(4003);
    expect((await b.client.closed).code).toBe(4003);
  });
});

async function stopClean(s: Server) {
  const r = await s.stop();
  expect(sanitizerReports(s)).toEqual([]);
  expect(r.code).toBe(0);
}

describe('a flood of guesses for one account', () => {
  // failures are counted per account (auth.login_max_failures_per_account, 5 by default) in Redis
  let flood: Server;
  beforeAll(async () => {
    flood = await startServer({ auth: { login_max_failures_per_account: 5, max_pending_logins_per_address: 32 } });
  });
  afterAll(() => stopClean(flood));

  it('checks at most login_max_failures_per_account wrong passwords, however many come at once', async () => {
    const checks = await flood.metric('sb_password_checks_total');
    const replies = await Promise.all(Array.from({ length: 20 }, () => login(flood, 'bo', 'not the password')));
    const count = (status: number) => replies.filter((r) => r.status === status).length;
    // each attempt is counted in Redis before its password is checked: exactly five were
    expect({ 401: count(401), 429: count(429) }).toEqual({ 401: 5, 429: 15 });
    expect(await flood.metric('sb_password_checks_total')).toBe(checks + 5);
    for (const r of replies.filter((x) => x.status === 429)) expect(r.body.code).toBe('RATE_LIMITED');
    // the account stays locked, even for the right password, and costs no more checks
    expect((await login(flood, 'bo')).status).toBe(429);
    expect(await flood.metric('sb_password_checks_total')).toBe(checks + 5);
    // other accounts are not
    expect((await login(flood, 'ana')).status).toBe(200);
  });
});

describe('a flood of sign-ins from a few addresses', () => {
  // Only the hashing capacity bites here: one Argon2id verification at a time, eight sign-ins in
  // progress per address, and no failure limits to speak of.
  let flood: Server;
  const PER_ADDRESS = 8;
  beforeAll(async () => {
    flood = await startServer({
      auth: {
        login_max_failures_per_address: 100000,
        max_hash_jobs: 1,
        max_pending_logins: 200,
        max_pending_logins_per_address: PER_ADDRESS,
      },
    });
  });
  afterAll(() => stopClean(flood));

  it('serves a correct sign-in from another address while two addresses flood', async () => {
    const stop = new AbortController();
    const seen = { 401: 0, 503: 0, other: 0 };
    let n = 0;
    const worker = async (from: string) => {
      while (!stop.signal.aborted) {
        const r = await loginFrom(flood, from, `nobody-${n++}`, 'guess', stop.signal).catch(() => undefined);
        if (!r) break; // given up on at the end
        if (r.status === 401 || r.status === 503) seen[r.status]++;
        else seen.other++;
        // refused at once: try again soon (spinning would only load the machine the test runs on)
        if (r.status === 503) await new Promise((res) => setTimeout(res, 20));
      }
    };
    // more requests at a time from each flooding address than it may have in progress
    const workers = ['127.0.0.2', '127.0.0.3'].flatMap((a) =>
      Array.from({ length: PER_ADDRESS + 4 }, () => worker(a)),
    );
    try {
      await waitFor('both floods to be at their limit', () => seen[503] >= 20 && seen[401] >= 2);
      for (let i = 0; i < 3; i++) {
        const before = await flood.metric('sb_password_checks_total');
        const r = await loginFrom(flood, '127.0.0.1', 'ana');
        expect(r.status, JSON.stringify(r.body)).toBe(200);
        // Its check was taken in turn with the floods' (the one running, one of each flood's,
        // then this one: about five checks from asking to the answer), not behind the
        // 2 x PER_ADDRESS they had waiting.
        expect(await flood.metric('sb_password_checks_total')).toBeLessThanOrEqual(before + 10);
      }
    } finally {
      stop.abort();
      await Promise.all(workers);
    }
    expect(seen.other).toBe(0);
    // the guesses whose clients left were not checked: the queue empties without them
    await waitFor('the queue to empty', async () => (await flood.metric('sb_password_checks_waiting')) === 0);
  });
});
