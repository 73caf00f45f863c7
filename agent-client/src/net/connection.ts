/**
 * One WebSocket connection to Switchboard (docs/protocol.md), kept alive across drops.
 *
 * - Subprotocol `switchboard.v1`, binary frames only (binaryType arraybuffer).
 * - `hello` first on every socket; nothing else is sent before its reply. A customer connection
 *   (one with a token store) presents its stored resume token, keeps a newly minted one, and on
 *   TOKEN_INVALID forgets the token and says hello again without it.
 * - Requests carry ids and time out; replies are typed by the generated Requests table; events go
 *   to listeners by type; several envelopes may share a frame.
 * - States: idle -> connecting -> connected; a drop goes to reconnecting (jittered exponential
 *   backoff, capped at about 30 s) and back to connecting; some closes end it for good (closed).
 * - Close codes (CloseCode): 4001/4003 end the session (signed out: show the login again, or for a
 *   customer, drop the token); 4002 means another session took over (no automatic reconnect);
 *   1008/1009 are client bugs (stop and report); 1001/4009/4010/4013/1006 and anything else
 *   reconnect with backoff.
 * - A keepalive `ping` when nothing has arrived for a ping interval detects a dead network path
 *   (browsers do not expose WebSocket-level pings).
 */
import { DEFAULT_BACKOFF, backoffDelay, type BackoffOptions } from './backoff';
import { ProtocolError, decodeFrame, encodeEnvelope, type Body } from '../proto/codec';
import {
  CloseCode,
  RETRYABLE,
  SUBPROTOCOL,
  type ErrorBody,
  type EventType,
  type Events,
  type Hello,
  type HelloReply,
  type RequestType,
  type Requests,
} from '../proto/schema.gen';

/** What the connection needs from a WebSocket; the browser's WebSocket has it. */
export interface SocketLike {
  binaryType: string;
  readonly protocol: string;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
}

export type SocketFactory = (url: string, protocol: string) => SocketLike;

/** Where a customer's resume token is kept between connections (and page loads). */
export interface TokenStore {
  get(): string | null;
  set(token: string): void;
  clear(): void;
}

/** Why a connection stopped for good. */
export type ClosedReason =
  /** 4001 / 4003: the session is over (staff: log in again; customer: the token is gone). */
  | 'signed-out'
  /** 4002: the same user connected elsewhere. */
  | 'replaced'
  /** 1008 / 1009, a protocol mismatch or a hello the server refused: a bug, not a network issue. */
  | 'error'
  /** close() was called. */
  | 'client';

export type ConnectionState =
  | { status: 'idle' }
  | { status: 'connecting'; attempt: number }
  | { status: 'connected'; hello: HelloReply }
  | {
      status: 'reconnecting';
      /** 1 for the first retry after a drop. */
      attempt: number;
      delayMs: number;
      /** When the next attempt starts (the `now` clock, ms). */
      retryAt: number;
      /** Close code of the drop (1006 when the socket failed without one). */
      code: number;
    }
  | { status: 'closed'; reason: ClosedReason; code?: number; message: string };

export type ConnectionStatus = ConnectionState['status'];

/** Why a request failed: a server error code, or TIMEOUT / DISCONNECTED / NOT_CONNECTED. */
export class RequestError extends Error {
  readonly code: string;
  readonly field: string | undefined;
  readonly retryAfterMs: number | undefined;
  /** QUEUE_CLOSED: when the queue opens next (server clock, ms since the epoch). */
  readonly nextOpenMs: number | undefined;

  constructor(code: string, message: string, field?: string, retryAfterMs?: number, nextOpenMs?: number) {
    super(message);
    this.name = 'RequestError';
    this.code = code;
    this.field = field;
    this.retryAfterMs = retryAfterMs;
    this.nextOpenMs = nextOpenMs;
  }

  /** Whether the same request may succeed later unchanged. */
  get retryable(): boolean {
    return this.code === 'TIMEOUT' || this.code === 'DISCONNECTED' || RETRYABLE[this.code] === true;
  }

  static fromBody(b: ErrorBody): RequestError {
    return new RequestError(b.code, b.message, b.field, b.retry_after_ms, b.next_open_ms);
  }
}

/** A RequestError for whatever a request rejected with (anything else counts as INTERNAL). */
export function errorOf(e: unknown): RequestError {
  return e instanceof RequestError ? e : new RequestError('INTERNAL', String(e));
}

export interface ConnectionOptions {
  /** ws:// or wss:// URL of /ws/staff or /ws/customer. */
  url: string;
  /** Client name and version for the server's logs, e.g. "console/0.1.0". */
  client: string;
  /** Preferred language sent in hello (BCP 47), read at every hello. */
  lang?: () => string | undefined;
  /** Customers only: where the resume token lives. */
  tokenStore?: TokenStore;
  createSocket?: SocketFactory;
  backoff?: BackoffOptions;
  /** Jitter source in [0, 1). */
  random?: () => number;
  /** Wall clock in ms. */
  now?: () => number;
  requestTimeoutMs?: number;
  /** Keepalive pings when the line is quiet (default on). */
  keepalive?: boolean;
}

interface Pending {
  type: RequestType;
  resolve: (reply: unknown) => void;
  reject: (err: RequestError) => void;
  timer: ReturnType<typeof setTimeout>;
}

const TOKEN_RE = /^[A-Za-z0-9_-]{16,64}$/;

/** Close code the connection reports when a socket failed without a close frame. */
const ABNORMAL = 1006;

function defaultSocket(url: string, protocol: string): SocketLike {
  return new WebSocket(url, protocol) as unknown as SocketLike;
}

/** How a close code is handled (see the module comment). */
export function closeAction(code: number): 'signed-out' | 'replaced' | 'error' | 'reconnect' {
  switch (code) {
    case CloseCode.UNAUTHORIZED:
    case CloseCode.SESSION_REVOKED:
      return 'signed-out';
    case CloseCode.REPLACED:
      return 'replaced';
    case CloseCode.POLICY_VIOLATION:
    case CloseCode.TOO_BIG:
      return 'error';
    default:
      return 'reconnect';
  }
}

function closeMessage(code: number, reason: string): string {
  const why = reason ? `: ${reason}` : '';
  switch (code) {
    case CloseCode.UNAUTHORIZED:
      return `Not signed in (4001${why})`;
    case CloseCode.SESSION_REVOKED:
      return `Session ended (4003${why})`;
    case CloseCode.REPLACED:
      return `Connected elsewhere (4002${why})`;
    case CloseCode.POLICY_VIOLATION:
      return `The server closed the connection: protocol violation (1008${why})`;
    case CloseCode.TOO_BIG:
      return `The server closed the connection: message too big (1009${why})`;
    default:
      return `Connection closed (${code}${why})`;
  }
}

export class Connection {
  private readonly opts: ConnectionOptions;
  private readonly createSocket: SocketFactory;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly requestTimeoutMs: number;

  private current: ConnectionState = { status: 'idle' };
  private ws: SocketLike | null = null;
  private attempt = 0;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private keepaliveTimer: ReturnType<typeof setInterval> | null = null;
  private keepaliveInFlight = false;
  private lastReceived = 0;

  private readonly stateListeners = new Set<(s: ConnectionState) => void>();
  private readonly eventListeners = new Map<string, Set<(body: never) => void>>();
  private readonly problemListeners = new Set<(err: Error) => void>();

  constructor(opts: ConnectionOptions) {
    this.opts = opts;
    this.createSocket = opts.createSocket ?? defaultSocket;
    this.now = opts.now ?? (() => Date.now());
    this.random = opts.random ?? Math.random;
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 15000;
  }

  get state(): ConnectionState {
    return this.current;
  }

  /** Calls `fn` on every state change; returns the unsubscribe function. */
  onState(fn: (s: ConnectionState) => void): () => void {
    this.stateListeners.add(fn);
    return () => this.stateListeners.delete(fn);
  }

  /** Calls `fn` with the body of every event of this type. */
  on<K extends EventType>(type: K, fn: (body: Events[K]) => void): () => void {
    let set = this.eventListeners.get(type);
    if (!set) {
      set = new Set();
      this.eventListeners.set(type, set);
    }
    const s = set;
    s.add(fn);
    return () => s.delete(fn);
  }

  /** Frames the client could not use, and server errors that name no request. */
  onProblem(fn: (err: Error) => void): () => void {
    this.problemListeners.add(fn);
    return () => this.problemListeners.delete(fn);
  }

  /** Connects (from idle or closed). */
  start(): void {
    if (this.current.status !== 'idle' && this.current.status !== 'closed') return;
    this.attempt = 0;
    this.open();
  }

  /** Ends the connection for good (until start()). */
  close(): void {
    this.clearRetry();
    if (this.ws) this.dropSocket(this.ws, 1000, 'client closed');
    if (this.current.status !== 'closed')
      this.setState({ status: 'closed', reason: 'client', message: 'Closed' });
  }

  /** Skips the rest of a reconnect delay (e.g. when the browser comes back online). */
  reconnectNow(): void {
    if (this.current.status !== 'reconnecting') return;
    this.clearRetry();
    this.open();
  }

  /** Sends a request once connected; resolves with its typed reply or rejects with a RequestError. */
  request<K extends RequestType>(
    type: K,
    body: Requests[K]['body'],
    opts: { timeoutMs?: number } = {},
  ): Promise<Requests[K]['reply']> {
    if (this.current.status !== 'connected' || !this.ws) {
      return Promise.reject(new RequestError('NOT_CONNECTED', 'Not connected'));
    }
    return this.send(this.ws, type, body, opts.timeoutMs ?? this.requestTimeoutMs);
  }

  // ----------------------------------------------------------------------------------------------

  private setState(s: ConnectionState): void {
    this.current = s;
    for (const fn of [...this.stateListeners]) {
      try {
        fn(s);
      } catch (e) {
        console.error('connection state listener failed', e);
      }
    }
  }

  private problem(err: Error): void {
    for (const fn of [...this.problemListeners]) fn(err);
  }

  private clearRetry(): void {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private open(): void {
    this.setState({ status: 'connecting', attempt: this.attempt });
    let ws: SocketLike;
    try {
      ws = this.createSocket(this.opts.url, SUBPROTOCOL);
    } catch (e) {
      // a malformed URL or a blocked port: no network problem a retry would fix
      this.setState({ status: 'closed', reason: 'error', message: `Cannot connect: ${String(e)}` });
      return;
    }
    this.ws = ws;
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => {
      if (ws !== this.ws) return;
      if (ws.protocol !== SUBPROTOCOL) {
        this.dropSocket(ws, 1000, 'subprotocol not accepted');
        this.setState({
          status: 'closed',
          reason: 'error',
          message: `The server did not accept protocol ${SUBPROTOCOL}`,
        });
        return;
      }
      this.lastReceived = this.now();
      void this.hello(ws, true);
    };
    ws.onmessage = (ev) => {
      if (ws === this.ws) this.receive(ev.data);
    };
    ws.onclose = (ev) => {
      if (ws === this.ws) this.socketGone(ws, ev.code || ABNORMAL, ev.reason || '');
    };
    ws.onerror = () => {
      // a close event always follows; nothing to do here
    };
  }

  private async hello(ws: SocketLike, mayRetryWithoutToken: boolean): Promise<void> {
    const store = this.opts.tokenStore;
    let token = store?.get() ?? null;
    if (token !== null && !TOKEN_RE.test(token)) {
      store?.clear();
      token = null;
    }
    const body: Hello = { client: this.opts.client };
    if (token !== null) body.resume_token = token;
    const lang = this.opts.lang?.();
    if (lang && /^[A-Za-z0-9-]{1,35}$/.test(lang)) body.lang = lang;
    let reply: HelloReply;
    try {
      reply = await this.send(ws, 'hello', body, this.requestTimeoutMs);
    } catch (e) {
      if (ws !== this.ws) return;
      const err = errorOf(e);
      if (err.code === 'DISCONNECTED') return; // the close handler took over
      if (err.code === 'TOKEN_INVALID' && token !== null && mayRetryWithoutToken) {
        store?.clear();
        return this.hello(ws, false);
      }
      if (err.retryable) {
        this.socketGone(ws, ABNORMAL, `hello: ${err.code}`, true);
        return;
      }
      this.dropSocket(ws, 1000, 'hello refused');
      this.setState({ status: 'closed', reason: 'error', message: `The server refused hello: ${err.code}` });
      return;
    }
    if (ws !== this.ws) return;
    if (reply.resume_token !== undefined && store) store.set(reply.resume_token);
    this.attempt = 0;
    this.setState({ status: 'connected', hello: reply });
    this.startKeepalive(ws, reply.ping_interval_s);
  }

  private send<K extends RequestType>(
    ws: SocketLike,
    type: K,
    body: Requests[K]['body'],
    timeoutMs: number,
  ): Promise<Requests[K]['reply']> {
    const id = this.nextId++;
    let frame: Uint8Array;
    try {
      frame = encodeEnvelope({ t: type, id, b: body as unknown as Body });
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
    return new Promise<Requests[K]['reply']>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new RequestError('TIMEOUT', `No reply to ${type} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { type, resolve: resolve as (r: unknown) => void, reject, timer });
      try {
        ws.send(frame);
      } catch (e) {
        clearTimeout(timer);
        this.pending.delete(id);
        reject(new RequestError('DISCONNECTED', `Send failed: ${String(e)}`));
      }
    });
  }

  private settle(id: number): Pending | undefined {
    const p = this.pending.get(id);
    if (!p) return undefined;
    clearTimeout(p.timer);
    this.pending.delete(id);
    return p;
  }

  private receive(data: unknown): void {
    this.lastReceived = this.now();
    if (!(data instanceof ArrayBuffer)) {
      this.problem(new ProtocolError('BAD_FRAME', 'the server sent a text frame'));
      return;
    }
    let items;
    try {
      items = decodeFrame(new Uint8Array(data), 's2c', { replyTypeOf: (id) => this.pending.get(id)?.type });
    } catch (e) {
      this.problem(e instanceof Error ? e : new Error(String(e)));
      return;
    }
    for (const item of items) {
      if (!item.ok) {
        const id = item.error.id;
        const p = id === undefined ? undefined : this.settle(id);
        if (p)
          p.reject(
            new RequestError(item.error.code, `Unusable reply: ${item.error.message}`, item.error.field),
          );
        else this.problem(item.error);
        continue;
      }
      const { kind, envelope } = item;
      if (kind === 'ok' || kind === 'error') {
        const p = envelope.id === undefined ? undefined : this.settle(envelope.id);
        if (kind === 'ok') p?.resolve(envelope.b);
        else if (p) p.reject(RequestError.fromBody(envelope.b as unknown as ErrorBody));
        else this.problem(RequestError.fromBody(envelope.b as unknown as ErrorBody));
        continue;
      }
      for (const fn of [...(this.eventListeners.get(envelope.t) ?? [])]) {
        try {
          fn(envelope.b as never);
        } catch (e) {
          console.error(`listener for ${envelope.t} failed`, e);
        }
      }
    }
  }

  private startKeepalive(ws: SocketLike, pingIntervalS: number): void {
    this.stopKeepalive();
    if (this.opts.keepalive === false) return;
    const every = Math.min(Math.max(pingIntervalS * 1000, 5000), 300000);
    this.keepaliveTimer = setInterval(() => {
      if (ws !== this.ws || this.keepaliveInFlight || this.now() - this.lastReceived < every) return;
      this.keepaliveInFlight = true;
      this.send(ws, 'ping', {}, this.requestTimeoutMs).then(
        () => {
          this.keepaliveInFlight = false;
        },
        (e: unknown) => {
          this.keepaliveInFlight = false;
          if (ws === this.ws && e instanceof RequestError && e.code === 'TIMEOUT') {
            this.socketGone(ws, ABNORMAL, 'no answer to keepalive ping', true);
          }
        },
      );
    }, every);
  }

  private stopKeepalive(): void {
    if (this.keepaliveTimer !== null) clearInterval(this.keepaliveTimer);
    this.keepaliveTimer = null;
    this.keepaliveInFlight = false;
  }

  /** Forgets a socket: no more events from it, pending requests fail, the socket is closed. */
  private dropSocket(ws: SocketLike, code: number, reason: string): void {
    ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
    if (this.ws === ws) this.ws = null;
    this.stopKeepalive();
    for (const [id, p] of [...this.pending]) {
      this.settle(id);
      p.reject(new RequestError('DISCONNECTED', 'Connection lost'));
    }
    try {
      ws.close(code, reason);
    } catch {
      // already closed
    }
  }

  /** The socket closed (or is considered dead): decide between reconnecting and stopping. */
  private socketGone(ws: SocketLike, code: number, reason: string, closeIt = false): void {
    this.dropSocket(ws, 1000, closeIt ? reason.slice(0, 120) : 'closed');
    const action = closeAction(code);
    if (action === 'reconnect') {
      this.attempt += 1;
      const delayMs = backoffDelay(this.attempt, this.random, this.opts.backoff ?? DEFAULT_BACKOFF);
      this.setState({
        status: 'reconnecting',
        attempt: this.attempt,
        delayMs,
        retryAt: this.now() + delayMs,
        code,
      });
      this.clearRetry();
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        this.open();
      }, delayMs);
      return;
    }
    if (action === 'signed-out') this.opts.tokenStore?.clear();
    this.setState({ status: 'closed', reason: action, code, message: closeMessage(code, reason) });
  }
}
