import { describe, expect, it } from 'vitest';

import { fetchMe, login, loginErrorMessage, logout, parseUser, type FetchFn } from './api';

function respond(status: number, body?: unknown, headers: Record<string, string> = {}): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  });
}

function fakeFetch(res: Response | Error): FetchFn & { calls: Array<[string, RequestInit | undefined]> } {
  const calls: Array<[string, RequestInit | undefined]> = [];
  const f = (input: string, init?: RequestInit): Promise<Response> => {
    calls.push([input, init]);
    return res instanceof Error ? Promise.reject(res) : Promise.resolve(res);
  };
  return Object.assign(f, { calls });
}

const MARIA = { username: 'mlopez', display_name: 'Maria Lopez', role: 'agent' };

describe('login', () => {
  it('posts JSON credentials same-origin and returns the user', async () => {
    const f = fakeFetch(respond(200, MARIA));
    const out = await login(' mlopez ', 'pw', f);
    expect(out).toEqual({
      ok: true,
      user: { username: 'mlopez', displayName: 'Maria Lopez', role: 'agent' },
    });
    const [url, init] = f.calls[0]!;
    expect(url).toBe('/api/login');
    expect(init?.method).toBe('POST');
    expect(init?.credentials).toBe('same-origin');
    expect(JSON.parse(init?.body as string)).toEqual({ username: 'mlopez', password: 'pw' });
  });

  it.each([
    [respond(401, { code: 'BAD_CREDENTIALS' }), 'Wrong username or password'],
    [respond(429, { code: 'RATE_LIMITED', retry_after_s: 300 }), 'Too many attempts, try again in 5 minutes'],
    [respond(429, { code: 'RATE_LIMITED', retry_after_s: 30 }), 'Too many attempts, try again in 1 minute'],
    [respond(429, {}, { 'Retry-After': '125' }), 'Too many attempts, try again in 3 minutes'],
    [respond(429, {}), 'Too many attempts, try again later'],
    [respond(503, { code: 'STORE_UNAVAILABLE' }), 'Service unavailable, try again'],
    [respond(503, { code: 'BUSY' }), 'Service unavailable, try again'],
    [respond(500), 'Sign-in failed (HTTP 500), try again'],
    [respond(200, { username: 'x', role: 'root' }), 'The server sent an unexpected answer, try again'],
    [new TypeError('Failed to fetch'), 'Cannot reach the server. Check your connection and try again'],
  ])('%#: %s', async (res, message) => {
    const out = await login('u', 'p', fakeFetch(res));
    expect(out.ok).toBe(false);
    if (!out.ok) expect(loginErrorMessage(out.error)).toBe(message);
  });

  it('asks for missing fields without calling the server', async () => {
    const f = fakeFetch(respond(200, MARIA));
    expect(await login('', 'p', f)).toEqual({ ok: false, error: { kind: 'missing', field: 'username' } });
    expect(await login('u', '', f)).toEqual({ ok: false, error: { kind: 'missing', field: 'password' } });
    expect(f.calls).toHaveLength(0);
  });
});

describe('fetchMe and logout', () => {
  it('returns the user, or null when not signed in', async () => {
    expect(await fetchMe(fakeFetch(respond(200, MARIA)))).toMatchObject({ displayName: 'Maria Lopez' });
    expect(await fetchMe(fakeFetch(respond(401, { code: 'UNAUTHORIZED' })))).toBeNull();
    await expect(fetchMe(fakeFetch(respond(500)))).rejects.toThrow(/500/);
    await expect(fetchMe(fakeFetch(new TypeError('offline')))).rejects.toThrow();
  });

  it('logout posts and never throws', async () => {
    const f = fakeFetch(respond(204));
    expect(await logout(f)).toBe(true);
    expect(f.calls[0]?.[0]).toBe('/api/logout');
    expect(f.calls[0]?.[1]?.method).toBe('POST');
    expect(await logout(fakeFetch(new TypeError('offline')))).toBe(false);
  });
});

describe('parseUser', () => {
  it('falls back to the username without a display name and refuses unknown roles', () => {
    expect(parseUser({ username: 'a', role: 'admin' })).toEqual({
      username: 'a',
      displayName: 'a',
      role: 'admin',
    });
    expect(parseUser({ username: 'a', role: 'owner' })).toBeNull();
    expect(parseUser({ role: 'agent' })).toBeNull();
    expect(parseUser(null)).toBeNull();
  });
});
