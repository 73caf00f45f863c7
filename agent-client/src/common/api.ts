/** The staff HTTP API on the app's own origin (docs/protocol.md, "HTTP endpoints"). */
import type { Role } from '../proto/schema.gen';

export interface StaffUser {
  username: string;
  displayName: string;
  role: Role;
}

export type LoginError =
  | { kind: 'missing'; field: 'username' | 'password' }
  | { kind: 'bad-credentials' }
  | { kind: 'rate-limited'; retryAfterS: number | undefined }
  | { kind: 'unavailable' }
  | { kind: 'network' }
  | { kind: 'http'; status: number }
  | { kind: 'bad-response' };

export type LoginOutcome = { ok: true; user: StaffUser } | { ok: false; error: LoginError };

export type FetchFn = (input: string, init?: RequestInit) => Promise<Response>;

const ROLES: readonly Role[] = ['customer', 'agent', 'supervisor', 'admin'];

const JSON_HEADERS = { 'Content-Type': 'application/json', Accept: 'application/json' };

function defaultFetch(input: string, init?: RequestInit): Promise<Response> {
  return fetch(input, init);
}

/** The {username, display_name, role} object of /api/login and /api/me, checked. */
export function parseUser(json: unknown): StaffUser | null {
  if (typeof json !== 'object' || json === null) return null;
  const o = json as Record<string, unknown>;
  const { username, display_name: displayName, role } = o;
  if (typeof username !== 'string' || username === '') return null;
  if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role)) return null;
  return {
    username,
    displayName: typeof displayName === 'string' && displayName !== '' ? displayName : username,
    role: role as Role,
  };
}

async function readJson(res: Response): Promise<unknown> {
  try {
    return (await res.json()) as unknown;
  } catch {
    return null;
  }
}

function retryAfter(res: Response, body: unknown): number | undefined {
  const fromBody = (body as { retry_after_s?: unknown } | null)?.retry_after_s;
  if (typeof fromBody === 'number' && Number.isFinite(fromBody) && fromBody >= 0) return fromBody;
  const header = res.headers.get('Retry-After');
  if (header !== null && /^\d+$/.test(header.trim())) return Number(header.trim());
  return undefined;
}

/** POST /api/login. The session cookie it sets is HttpOnly: this code never sees it. */
export async function login(
  username: string,
  password: string,
  fetchFn: FetchFn = defaultFetch,
): Promise<LoginOutcome> {
  if (username.trim() === '') return { ok: false, error: { kind: 'missing', field: 'username' } };
  if (password === '') return { ok: false, error: { kind: 'missing', field: 'password' } };
  let res: Response;
  try {
    res = await fetchFn('/api/login', {
      method: 'POST',
      credentials: 'same-origin',
      headers: JSON_HEADERS,
      body: JSON.stringify({ username: username.trim(), password }),
    });
  } catch {
    return { ok: false, error: { kind: 'network' } };
  }
  const body = await readJson(res);
  if (res.ok) {
    const user = parseUser(body);
    return user ? { ok: true, user } : { ok: false, error: { kind: 'bad-response' } };
  }
  switch (res.status) {
    case 401:
      return { ok: false, error: { kind: 'bad-credentials' } };
    case 429:
      return { ok: false, error: { kind: 'rate-limited', retryAfterS: retryAfter(res, body) } };
    case 503:
      return { ok: false, error: { kind: 'unavailable' } };
    default:
      return { ok: false, error: { kind: 'http', status: res.status } };
  }
}

/** GET /api/me: the signed-in user, null when not signed in (401). Throws on network errors. */
export async function fetchMe(fetchFn: FetchFn = defaultFetch): Promise<StaffUser | null> {
  const res = await fetchFn('/api/me', {
    credentials: 'same-origin',
    cache: 'no-store',
    headers: { Accept: 'application/json' },
  });
  if (res.status === 401 || res.status === 403) return null;
  if (!res.ok) throw new Error(`GET /api/me: HTTP ${res.status}`);
  const user = parseUser(await readJson(res));
  if (!user) throw new Error('GET /api/me: unexpected response');
  return user;
}

/** POST /api/logout. Resolves whether or not the server could be reached. */
export async function logout(fetchFn: FetchFn = defaultFetch): Promise<boolean> {
  try {
    const res = await fetchFn('/api/logout', {
      method: 'POST',
      credentials: 'same-origin',
      headers: JSON_HEADERS,
    });
    return res.ok;
  } catch {
    return false;
  }
}

/** The sentence shown under the login form. */
export function loginErrorMessage(e: LoginError): string {
  switch (e.kind) {
    case 'missing':
      return e.field === 'username' ? 'Enter your username' : 'Enter your password';
    case 'bad-credentials':
      return 'Wrong username or password';
    case 'rate-limited': {
      if (e.retryAfterS === undefined) return 'Too many attempts, try again later';
      const minutes = Math.max(1, Math.ceil(e.retryAfterS / 60));
      return `Too many attempts, try again in ${minutes} ${minutes === 1 ? 'minute' : 'minutes'}`;
    }
    case 'unavailable':
      return 'Service unavailable, try again';
    case 'network':
      return 'Cannot reach the server. Check your connection and try again';
    case 'http':
      return `Sign-in failed (HTTP ${e.status}), try again`;
    case 'bad-response':
      return 'The server sent an unexpected answer, try again';
  }
}
