// Test harness: a throwaway Redis and the real switchboard binary (the sanitizer build by
// default), configured from an inline YAML, on free ports, with the test clock on so tests move
// time instead of sleeping. Nothing here fakes what a user touches.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(process.env.SB_SOURCE_DIR ?? join(import.meta.dirname, '..', '..'));
export const BIN = process.env.SB_BIN ?? join(ROOT, 'build', 'asan', 'switchboard');

export const TEST_PASSWORD = 'correct horse battery staple';

// ------------------------------------------------------------------------------------------------
// Redis

export interface Redis {
  dir: string;
  sock: string;
  address: string;
  proc: ChildProcess;
  /** Sends one command (inline protocol) and returns the raw reply text. */
  command(...args: string[]): Promise<string>;
  /** Sends one command and returns the parsed reply (strings, numbers, arrays, null). */
  query(...args: string[]): Promise<Resp>;
  kill(): Promise<void>;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

function redisPing(sock: string): Promise<boolean> {
  return new Promise((res) => {
    const s = connect(sock);
    s.on('error', () => res(false));
    s.on('data', (d) => {
      s.destroy();
      res(d.toString().startsWith('+PONG'));
    });
    s.on('connect', () => s.write('PING\r\n'));
  });
}

/** Polls fn every 20 ms until it returns true; throws after ms. */
export async function waitFor(what: string, fn: () => Promise<boolean> | boolean, ms = 15_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export type Resp = string | number | null | Resp[] | { error: string };

/** Parses one RESP2 reply at `at`; undefined when the buffer does not hold all of it yet. */
function parseResp(buf: Buffer, at: number): { value: Resp; end: number } | undefined {
  const eol = buf.indexOf('\r\n', at);
  if (eol < 0) return undefined;
  const line = buf.toString('utf8', at + 1, eol);
  const next = eol + 2;
  switch (String.fromCharCode(buf[at])) {
    case '+':
      return { value: line, end: next };
    case '-':
      return { value: { error: line }, end: next };
    case ':':
      return { value: Number(line), end: next };
    case '$': {
      const n = Number(line);
      if (n < 0) return { value: null, end: next };
      if (buf.length < next + n + 2) return undefined;
      return { value: buf.toString('utf8', next, next + n), end: next + n + 2 };
    }
    case '*': {
      const n = Number(line);
      if (n < 0) return { value: null, end: next };
      const out: Resp[] = [];
      let pos = next;
      for (let i = 0; i < n; i++) {
        const item = parseResp(buf, pos);
        if (!item) return undefined;
        out.push(item.value);
        pos = item.end;
      }
      return { value: out, end: pos };
    }
    default:
      throw new Error(`unexpected RESP byte ${buf[at]}`);
  }
}

/** A flat [field, value, ...] reply as an object. */
export function respMap(r: Resp): Record<string, string> {
  const out: Record<string, string> = {};
  if (!Array.isArray(r)) return out;
  for (let i = 0; i + 1 < r.length; i += 2) out[String(r[i])] = String(r[i + 1]);
  return out;
}

function encodeCommand(args: string[]): string {
  return `*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('');
}

export async function startRedis(): Promise<Redis> {
  const dir = mkdtempSync(join(tmpdir(), 'sb-it-redis-'));
  const sock = join(dir, 'redis.sock');
  const launch = () =>
    spawn(
      'redis-server',
      ['--port', '0', '--unixsocket', sock, '--save', '', '--appendonly', 'no', '--dir', dir],
      { stdio: 'ignore' },
    );
  const r: Redis = {
    dir,
    sock,
    address: `unix:${sock}`,
    proc: launch(),
    command(...args) {
      return new Promise((res, rej) => {
        const s = connect(sock);
        let out = '';
        s.on('error', rej);
        s.on('data', (d) => {
          out += d.toString();
          if (out.endsWith('\r\n')) {
            s.destroy();
            res(out);
          }
        });
        s.on('connect', () => s.write(encodeCommand(args)));
      });
    },
    query(...args) {
      return new Promise((res, rej) => {
        const s = connect(sock);
        let buf = Buffer.alloc(0);
        s.on('error', rej);
        s.on('data', (d) => {
          buf = Buffer.concat([buf, d]);
          const parsed = parseResp(buf, 0);
          if (parsed) {
            s.destroy();
            res(parsed.value);
          }
        });
        s.on('connect', () => s.write(encodeCommand(args)));
      });
    },
    async kill() {
      const p = r.proc;
      const gone = new Promise((res) => p.once('exit', res));
      p.kill('SIGKILL');
      await gone;
    },
    async restart() {
      r.proc = launch();
      await waitFor('redis to restart', () => redisPing(sock));
    },
    async stop() {
      if (r.proc.exitCode === null && r.proc.signalCode === null) {
        const gone = new Promise((res) => r.proc.once('exit', res));
        r.proc.kill('SIGTERM');
        await gone;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await waitFor('redis to start', () => redisPing(sock));
  return r;
}

// ------------------------------------------------------------------------------------------------
// Server

/** The first port of the kernel's ephemeral range (the ports client sockets get). */
function ephemeralLow(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').split(/\s+/)[0]) || 32768;
  } catch {
    return 32768;
  }
}

function tryListen(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = createServer();
    s.once('error', () => res(false));
    s.listen(port, '127.0.0.1', () => s.close(() => res(true)));
  });
}

/** A free port below the ephemeral range. A port the kernel hands out for listening (port 0) is
 * one a client socket of another test may take a moment later, before the server binds it. */
export async function freePort(): Promise<number> {
  const lo = ephemeralLow();
  for (let i = 0; i < 200; i++) {
    const port = Math.max(1024, lo - 12000) + Math.floor(Math.random() * Math.min(12000, lo - 1024));
    if (await tryListen(port)) return port;
  }
  throw new Error('no free port below the ephemeral range');
}

let cachedHash: string | undefined;
/** An Argon2id hash of TEST_PASSWORD made by the server's own hash-password command. */
export function testPasswordHash(): string {
  if (!cachedHash) {
    const r = spawnSync(BIN, ['hash-password'], { input: TEST_PASSWORD + '\n', encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`hash-password failed: ${r.stderr}`);
    cachedHash = r.stdout.trim();
  }
  return cachedHash;
}

/** What the harness gives the sanitizer build (also for processes tests start themselves). */
export const SANITIZER_OPTIONS = 'detect_leaks=1:abort_on_error=0';

export interface ServerOptions {
  redis?: Redis;
  /** Overrides under `limits:` (YAML scalars). */
  limits?: Record<string, number>;
  /** Overrides under `auth:`. */
  auth?: Record<string, number | boolean>;
  /** Extra origins for the staff apps and the widget (the server's own origin is always in). */
  widgetOrigins?: string[];
  /** Replace the generated config entirely. */
  yaml?: (port: number, redisAddress: string) => string;
  /** Start with --test-clock (default true). Without it, advance() fails and /test/clock is 404. */
  testClock?: boolean;
  /** The test clock moves only when advanced (exact durations). */
  frozenClock?: boolean;
  /** Extra environment for the server process (e.g. LD_PRELOAD of libfaketime). */
  env?: Record<string, string>;
}

export interface Server {
  port: number;
  base: string;
  /** An origin the server allows for staff apps (its own). */
  origin: string;
  /** An origin allowed only for the customer widget. */
  widgetOrigin: string;
  redis: Redis;
  ownRedis: boolean;
  proc: ChildProcess;
  configPath: string;
  logs: string[];
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Moves the server's test clock forward; due timers fire before this resolves. Returns the
   * server's clock afterwards (ms). */
  advance(ms: number): Promise<number>;
  waitForLog(re: RegExp, ms?: number): Promise<string>;
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function yamlMap(obj: Record<string, unknown> | undefined): string {
  if (!obj) return '';
  return Object.entries(obj)
    .map(([k, v]) => `  ${k}: ${v}`)
    .join('\n');
}

export function defaultConfig(port: number, redisAddress: string, opt: ServerOptions = {}): string {
  const hash = testPasswordHash();
  const origins = [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
  const widget = ['http://agency.example', ...(opt.widgetOrigins ?? [])];
  return `
deployment: it${port}
log_level: info
listen:
  host: 127.0.0.1
  port: ${port}
  static_dir: ${join(ROOT, 'agent-client', 'dist')}
redis:
  address: ${redisAddress}
allowed_origins: [${origins.join(', ')}]
widget_origins: [${widget.join(', ')}]
limits:
${yamlMap({ ...(opt.limits ?? {}) }) || '  max_frame_bytes: 65536'}
auth:
${yamlMap({ ...(opt.auth ?? {}) }) || '  session_ttl_s: 43200'}
languages: [en, es]
skills:
  - {id: ui-claims, name: Unemployment insurance claims}
queues:
  - id: ui-claims
    name: Unemployment claim questions
    channels: [chat]
    skills: [{skill: ui-claims, min: 1}]
    languages: [en, es]
topics:
  - {id: claim-question, queue: ui-claims, label: {en: "A question about my claim", es: "Una pregunta sobre mi reclamo"}}
staff:
  - {username: ana, display_name: "Ana Agent", role: agent, password_hash: "${hash}", skills: {ui-claims: 3}, languages: [en, es], queues: [ui-claims]}
  - {username: bo, display_name: "Bo Agent", role: agent, password_hash: "${hash}", skills: {ui-claims: 3}, languages: [en], queues: [ui-claims]}
  - {username: sam, display_name: "Sam Supervisor", role: supervisor, password_hash: "${hash}", languages: [en]}
  - {username: sue, display_name: "Sue Supervisor", role: supervisor, password_hash: "${hash}", languages: [en]}
  - {username: root, display_name: "Ada Admin", role: admin, password_hash: "${hash}", languages: [en]}
dispositions: [{code: resolved, label: Resolved}]
service_codes: [{code: ui-claim-status, label: UI claim status}]
`;
}

export async function startServer(opt: ServerOptions = {}): Promise<Server> {
  if (!existsSync(BIN)) throw new Error(`server binary not found: ${BIN} (build it first)`);
  const redis = opt.redis ?? (await startRedis());
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'sb-it-server-'));
  const configPath = join(dir, 'switchboard.yaml');
  writeFileSync(
    configPath,
    opt.yaml ? opt.yaml(port, redis.address) : defaultConfig(port, redis.address, opt),
  );
  const args = ['--config', configPath];
  if (opt.frozenClock) args.push('--test-clock-frozen');
  else if (opt.testClock ?? true) args.push('--test-clock');
  const proc = spawn(BIN, args, {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ASAN_OPTIONS: SANITIZER_OPTIONS, ...(opt.env ?? {}) },
  });
  const logs: string[] = [];
  const waiters: Array<{ re: RegExp; res: (l: string) => void }> = [];
  const onData = (d: Buffer) => {
    for (const line of d.toString().split('\n')) {
      if (!line) continue;
      logs.push(line);
      if (process.env.SB_TEST_VERBOSE) process.stderr.write(line + '\n');
      for (const w of [...waiters])
        if (w.re.test(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.res(line);
        }
    }
  };
  proc.stdout!.on('data', onData);
  proc.stderr!.on('data', onData);
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
    proc.once('exit', (code, signal) => res({ code, signal })),
  );
  const base = `http://127.0.0.1:${port}`;
  const server: Server = {
    port,
    base,
    origin: base,
    widgetOrigin: 'http://agency.example',
    redis,
    ownRedis: !opt.redis,
    proc,
    configPath,
    logs,
    exit,
    async advance(ms) {
      const r = await fetch(`${base}/test/clock`, {
        method: 'POST',
        body: JSON.stringify({ advance_ms: ms }),
      });
      if (r.status !== 200) throw new Error(`test clock: HTTP ${r.status}`);
      return (await r.json()).now_ms as number;
    },
    waitForLog(re, ms = 15_000) {
      const hit = logs.find((l) => re.test(l));
      if (hit) return Promise.resolve(hit);
      return new Promise((res, rej) => {
        const w = { re, res };
        waiters.push(w);
        setTimeout(() => {
          const i = waiters.indexOf(w);
          if (i >= 0) {
            waiters.splice(i, 1);
            rej(new Error(`no log line matching ${re} in ${ms} ms`));
          }
        }, ms);
      });
    },
    async metric(name, labels = {}) {
      const text = await (await fetch(`${base}/metrics`)).text();
      const want = Object.entries(labels)
        .map(([k, v]) => `${k}="${v}"`)
        .join(',');
      const key = want ? `${name}{${want}}` : name;
      for (const line of text.split('\n')) {
        if (line.startsWith(key + ' ')) return Number(line.slice(key.length + 1));
      }
      throw new Error(`metric ${key} not found`);
    },
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      const r = await exit;
      if (server.ownRedis) await redis.stop();
      rmSync(dir, { recursive: true, force: true });
      return r;
    },
  };
  try {
    await waitFor(
      'the server to be ready',
      async () => {
        if (proc.exitCode !== null) throw new Error(`server exited:\n${logs.join('\n')}`);
        try {
          return (await fetch(`${base}/readyz`)).status === 200;
        } catch {
          return false;
        }
      },
      30_000,
    );
  } catch (e) {
    proc.kill('SIGKILL');
    if (!opt.redis) await redis.stop();
    throw e;
  }
  return server;
}

/** Asserts that the sanitizer build found nothing during the run. */
export function sanitizerReports(server: Server): string[] {
  return sanitizerLines(server.logs);
}

/** The sanitizer report lines in any process output. */
export function sanitizerLines(lines: string[]): string[] {
  return lines.filter((l) =>
    /ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer|SUMMARY: (Address|Undefined|Leak)Sanitizer/.test(
      l,
    ),
  );
}
