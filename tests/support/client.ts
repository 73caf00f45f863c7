// Protocol clients for tests: real WebSockets (the `ws` package) speaking the real wire format
// through the same table-driven codec the browser apps use.
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import WebSocket from 'ws';
import {
  decodeFrame,
  encodeEnvelope,
  type Body,
  type DecodedItem,
  type Envelope,
} from '../../agent-client/src/proto/codec.ts';
import { SUBPROTOCOL } from '../../agent-client/src/proto/schema.gen.ts';
import type { Server } from './harness.ts';
import { TEST_PASSWORD } from './harness.ts';

export interface LoginResult {
  status: number;
  cookie?: string; // "sb_session=..."
  body: Record<string, unknown>;
  headers: Headers;
}

export async function login(
  server: Server,
  username: string,
  password = TEST_PASSWORD,
  headers: Record<string, string> = {},
): Promise<LoginResult> {
  const r = await fetch(`${server.base}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ username, password }),
  });
  const text = await r.text();
  const set = r.headers.get('set-cookie') ?? undefined;
  return {
    status: r.status,
    cookie: set?.split(';')[0],
    body: text ? JSON.parse(text) : {},
    headers: r.headers,
  };
}

/** The same sign-in from a given local address (a loopback alias such as 127.0.0.2), so that the
 * server sees another client address. */
export function loginFrom(
  server: Server,
  localAddress: string,
  username: string,
  password = TEST_PASSWORD,
  signal?: AbortSignal,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const body = JSON.stringify({ username, password });
  return new Promise((res, rej) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: server.port,
        path: '/api/login',
        method: 'POST',
        localAddress,
        signal,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (resp) => {
        let text = '';
        resp.setEncoding('utf8');
        resp.on('data', (d) => (text += d));
        resp.on('end', () => res({ status: resp.statusCode ?? 0, body: text ? JSON.parse(text) : {} }));
      },
    );
    req.on('error', rej);
    req.end(body);
  });
}

export interface Closed {
  code: number;
  reason: string;
}

/** A connected WebSocket with request/response helpers. */
export class Client {
  readonly ws: WebSocket;
  readonly events: Envelope[] = [];
  readonly errors: Envelope[] = [];
  readonly closed: Promise<Closed>;
  private nextId = 1;
  private pending = new Map<number, { type: string; resolve: (e: Envelope) => void }>();
  private eventWaiters: Array<{ t: string; resolve: (e: Envelope) => void }> = [];
  private frameWaiters: Array<(items: DecodedItem[]) => void> = [];

  constructor(ws: WebSocket) {
    this.ws = ws;
    this.closed = new Promise((res) => ws.on('close', (code, reason) => res({ code, reason: reason.toString() })));
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) throw new Error('the server sent a text frame');
      const items = decodeFrame(new Uint8Array(data), 's2c', {
        replyTypeOf: (id) => this.pending.get(id)?.type,
      });
      for (const w of this.frameWaiters.splice(0)) w(items);
      for (const item of items) {
        if (!item.ok) throw item.error; // the server must never send what our codec refuses
        const env = item.envelope;
        if ((item.kind === 'ok' || item.kind === 'error') && env.id !== undefined && this.pending.has(env.id)) {
          const p = this.pending.get(env.id)!;
          this.pending.delete(env.id);
          p.resolve(env);
        } else if (item.kind === 'error') {
          this.errors.push(env);
          const w = this.eventWaiters.find((x) => x.t === 'error');
          if (w) {
            this.eventWaiters.splice(this.eventWaiters.indexOf(w), 1);
            w.resolve(env);
          }
        } else {
          this.events.push(env);
          for (const wake of this.takeWaiters.splice(0)) wake();
          const w = this.eventWaiters.find((x) => x.t === env.t);
          if (w) {
            this.eventWaiters.splice(this.eventWaiters.indexOf(w), 1);
            w.resolve(env);
          }
        }
      }
    });
  }

  private cursor = new Map<string, number>();
  private takeWaiters: Array<() => void> = [];

  /**
   * The next event of type t (matching `pred`) that this call has not returned before, whether it
   * already arrived or arrives within `ms`. Events are consumed in order per type, so a test can
   * follow a sequence without racing the server.
   */
  async take(t: string, pred: (e: Envelope) => boolean = () => true, ms = 10_000): Promise<Envelope> {
    const end = Date.now() + ms;
    for (;;) {
      let i = this.cursor.get(t) ?? 0;
      for (; i < this.events.length; i++) {
        const e = this.events[i];
        if (e.t === t && pred(e)) {
          this.cursor.set(t, i + 1);
          return e;
        }
      }
      const left = end - Date.now();
      if (left <= 0) throw new Error(`no ${t} event in ${ms} ms (have: ${this.events.map((e) => e.t).join(', ')})`);
      await new Promise<void>((res) => {
        const timer = setTimeout(res, left);
        this.takeWaiters.push(() => {
          clearTimeout(timer);
          res();
        });
      });
    }
  }

  /** The most recent event of type t, or undefined. */
  last(t: string): Envelope | undefined {
    for (let i = this.events.length - 1; i >= 0; i--) if (this.events[i].t === t) return this.events[i];
    return undefined;
  }

  /** Sends a request and resolves with its reply envelope ("ok" or "error"). */
  request(type: string, body: Body = {}): Promise<Envelope> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, { type, resolve });
      this.ws.send(encodeEnvelope({ t: type, id, b: body }));
    });
  }

  /** Reserves a request id for a request sent by hand (sendRaw). */
  newId(): number {
    return this.nextId++;
  }

  /** Waits for the reply ("ok" or "error") to a request with this id that was sent by hand. */
  expectReply(id: number, type: string): Promise<Envelope> {
    return new Promise((resolve) => this.pending.set(id, { type, resolve }));
  }

  /** Sends raw bytes as one binary frame. */
  sendRaw(bytes: Uint8Array | Buffer, binary = true) {
    this.ws.send(bytes, { binary });
  }

  /** Resolves with the decoded items of the next frame the server sends. */
  nextFrame(): Promise<DecodedItem[]> {
    return new Promise((res) => this.frameWaiters.push(res));
  }

  /** The next event (or unsolicited error) of type t. */
  nextEvent(t: string): Promise<Envelope> {
    return new Promise((resolve) => this.eventWaiters.push({ t, resolve }));
  }

  close() {
    this.ws.close(1000);
  }
}

export interface ConnectOptions {
  origin?: string | null;
  cookie?: string;
  protocol?: string | null;
  autoPong?: boolean;
}

/** Opens a WebSocket; resolves once open, or rejects with the HTTP status of a refused upgrade. */
export function open(server: Server, path: string, o: ConnectOptions = {}): Promise<Client> {
  const headers: Record<string, string> = {};
  const origin = o.origin === undefined ? server.origin : o.origin;
  if (origin) headers.Origin = origin;
  if (o.cookie) headers.Cookie = o.cookie;
  const protocol = o.protocol === undefined ? SUBPROTOCOL : o.protocol;
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}${path}`, protocol ? [protocol] : [], {
    headers,
    autoPong: o.autoPong ?? true,
  });
  const client = new Client(ws);
  return new Promise((res, rej) => {
    ws.once('open', () => res(client));
    ws.once('unexpected-response', (_req, resp) => rej(new UpgradeRefused(resp.statusCode ?? 0)));
    ws.once('error', (e) => rej(e));
  });
}

export class UpgradeRefused extends Error {
  constructor(readonly status: number) {
    super(`upgrade refused with HTTP ${status}`);
  }
}

/** A customer: connects and completes hello (with a resume token when given). */
export async function customer(
  server: Server,
  o: ConnectOptions & { resumeToken?: string; lang?: string } = {},
): Promise<{ client: Client; hello: Envelope }> {
  const client = await open(server, '/ws/customer', { origin: server.widgetOrigin, ...o });
  const b: Body = { client: 'switchboard-tests/1' };
  if (o.resumeToken) b.resume_token = o.resumeToken;
  if (o.lang) b.lang = o.lang;
  const hello = await client.request('hello', b);
  return { client, hello };
}

/** A staff member: signs in over HTTP, opens the staff socket with the cookie, completes hello. */
export async function staff(
  server: Server,
  username: string,
  o: ConnectOptions = {},
): Promise<{ client: Client; hello: Envelope; cookie: string }> {
  const l = await login(server, username);
  if (l.status !== 200 || !l.cookie) throw new Error(`login failed: ${l.status}`);
  const client = await open(server, '/ws/staff', { cookie: l.cookie, ...o });
  const hello = await client.request('hello', { client: 'switchboard-tests/1' });
  return { client, hello, cookie: l.cookie };
}

/**
 * A WebSocket peer on a bare TCP socket that answers nothing by itself: no pong, no answer to a
 * close frame (what a laptop whose lid was closed or a dead network looks like to the server,
 * except that this one still reads, so a test sees what arrives and when the server hangs up).
 */
export class RawPeer {
  /** Every frame received: opcode (0x2 binary, 0x8 close, 0x9 ping) and payload. */
  readonly frames: Array<{ opcode: number; payload: Buffer }> = [];
  /** Resolves with Date.now() when the server ended the TCP connection (FIN or reset). */
  readonly ended: Promise<number>;
  private buf = Buffer.alloc(0);
  private nextId = 1;
  private waiters: Array<() => void> = [];

  constructor(readonly socket: Socket) {
    this.ended = new Promise((res) => {
      socket.once('end', () => res(Date.now()));
      socket.once('close', () => res(Date.now()));
      socket.on('error', () => res(Date.now()));
    });
    socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      for (;;) {
        const f = RawPeer.parse(this.buf);
        if (!f) break;
        this.frames.push({ opcode: f.opcode, payload: f.payload });
        this.buf = this.buf.subarray(f.end);
      }
      for (const w of this.waiters.splice(0)) w();
    });
  }

  /** One unmasked server frame at the start of buf, or undefined when incomplete. */
  private static parse(buf: Buffer): { opcode: number; payload: Buffer; end: number } | undefined {
    if (buf.length < 2) return undefined;
    let len = buf[1] & 0x7f;
    let at = 2;
    if (len === 126) {
      if (buf.length < 4) return undefined;
      len = buf.readUInt16BE(2);
      at = 4;
    } else if (len === 127) {
      if (buf.length < 10) return undefined;
      len = Number(buf.readBigUInt64BE(2));
      at = 10;
    }
    if (buf.length < at + len) return undefined;
    return { opcode: buf[0] & 0x0f, payload: Buffer.from(buf.subarray(at, at + len)), end: at + len };
  }

  /** Sends one masked binary frame (clients must mask, RFC 6455 5.3). */
  send(payload: Uint8Array) {
    const mask = randomBytes(4);
    const n = payload.length;
    const head = n < 126 ? Buffer.from([0x82, 0x80 | n]) : Buffer.from([0x82, 0x80 | 126, n >> 8, n & 0xff]);
    if (n > 0xffff) throw new Error('frame too large for this test peer');
    const body = Buffer.alloc(n);
    for (let i = 0; i < n; i++) body[i] = payload[i] ^ mask[i & 3];
    this.socket.write(Buffer.concat([head, mask, body]));
  }

  /** Resolves once a frame matching pred has arrived (or already had). */
  async frame(pred: (f: { opcode: number; payload: Buffer }) => boolean, ms = 10_000) {
    const end = Date.now() + ms;
    for (;;) {
      const f = this.frames.find(pred);
      if (f) return f;
      if (Date.now() > end) throw new Error(`no such frame in ${ms} ms`);
      await new Promise<void>((res) => {
        const t = setTimeout(res, end - Date.now());
        this.waiters.push(() => {
          clearTimeout(t);
          res();
        });
      });
    }
  }

  /** Sends a request and resolves with its reply envelope. */
  async request(type: string, body: Body = {}): Promise<Envelope> {
    const id = this.nextId++;
    let from = this.frames.length;
    this.send(encodeEnvelope({ t: type, id, b: body }));
    for (;;) {
      for (; from < this.frames.length; from++) {
        const f = this.frames[from];
        if (f.opcode !== 0x2) continue;
        const items = decodeFrame(new Uint8Array(f.payload), 's2c', { replyTypeOf: (x) => (x === id ? type : undefined) });
        for (const item of items) if (item.ok && item.envelope.id === id) return item.envelope;
      }
      const seen = from;
      await this.frame(() => this.frames.length > seen);
    }
  }

  destroy() {
    this.socket.destroy();
  }
}

/** Opens a RawPeer: the upgrade by hand, then nothing automatic. */
export function rawPeer(server: Server, path: string, o: { origin?: string; cookie?: string } = {}): Promise<RawPeer> {
  return new Promise((res, rej) => {
    const socket = connect(server.port, '127.0.0.1');
    let head = Buffer.alloc(0);
    const onData = (d: Buffer) => {
      head = Buffer.concat([head, d]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      const status = head.toString('latin1', 0, end).split('\r\n')[0];
      if (!/^HTTP\/1\.1 101 /.test(status)) {
        socket.destroy();
        rej(new Error(`upgrade refused: ${status}`));
        return;
      }
      const peer = new RawPeer(socket);
      const rest = head.subarray(end + 4);
      if (rest.length) socket.emit('data', rest);
      res(peer);
    };
    socket.on('data', onData);
    socket.once('error', rej);
    socket.once('connect', () => {
      const lines = [
        `GET ${path} HTTP/1.1`,
        `Host: 127.0.0.1:${server.port}`,
        'Upgrade: websocket',
        'Connection: Upgrade',
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
        'Sec-WebSocket-Version: 13',
        `Sec-WebSocket-Protocol: ${SUBPROTOCOL}`,
        `Origin: ${o.origin ?? server.origin}`,
      ];
      if (o.cookie) lines.push(`Cookie: ${o.cookie}`);
      socket.write(lines.join('\r\n') + '\r\n\r\n');
    });
  });
}
