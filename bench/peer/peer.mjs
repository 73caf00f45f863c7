#!/usr/bin/env node
// The Node.js peer for Switchboard's relay benchmark (shared PERF.md, "the peer for the relay").
//
// A small, ordinary Node server (`ws`, `ioredis` with auto-pipelining, `@msgpack/msgpack`) that
// speaks the subset of the Switchboard protocol the relay benchmark drives (docs/protocol.md):
// staff login, hello, ping, agent state, contact request, offer and accept, and chat messages.
// Each chat message costs the same Redis work as in Switchboard: one call of the very same script,
// server/store/lua/conv_append.lua (de-duplicate by sender and client message id, take the next
// seq, XADD with id 0-<seq>), sent through ioredis' auto-pipeline; the ack and the deliveries go
// out once the script has answered. README.md says what is left out.

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { STATUS_CODES, createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { Decoder, Encoder } from '@msgpack/msgpack';
import { Redis } from 'ioredis';
import { WebSocketServer } from 'ws';

// ------------------------------------------------------------------------------------------------
// Configuration: command-line flags, else environment variables, else defaults

const SETTINGS = {
  host: ['PEER_HOST', '127.0.0.1', 'address to listen on'],
  port: ['PEER_PORT', '8090', 'port to listen on (0: any free port; the ready line says which)'],
  redis: ['PEER_REDIS', '127.0.0.1:6379', 'Redis: unix:/path, /path (a unix socket) or host:port'],
  'key-prefix': ['PEER_KEY_PREFIX', 'sb:{peer}:', 'prefix of every Redis key'],
  'agent-prefix': ['PEER_AGENT_PREFIX', 'agent', 'staff usernames are this prefix and a number'],
  'agent-first': ['PEER_AGENT_FIRST', '1', 'the first number'],
  agents: ['PEER_AGENTS', '100', 'how many usernames'],
  password: ['PEER_PASSWORD', 'bench-password', 'the one password they all share'],
  capacity: ['PEER_CAPACITY', '10', 'chats per agent at once'],
  'offer-timeout-s': ['PEER_OFFER_TIMEOUT_S', '30', 'offer deadline'],
  'ping-interval-s': ['PEER_PING_INTERVAL_S', '20', 'WebSocket pings (and the hello reply says so)'],
  'resume-ttl-s': ['PEER_RESUME_TTL_S', '900', 'resume_ttl_s in the hello reply (not enforced)'],
  'max-messages': ['PEER_MAX_MESSAGES', '5000', 'entries a conversation may hold (chat.max_messages)'],
  'retention-days': ['PEER_RETENTION_DAYS', '30', 'expiry of the conversation keys'],
  script: [
    'PEER_SCRIPT',
    fileURLToPath(new URL('../../server/store/lua/conv_append.lua', import.meta.url)),
    'the append script',
  ],
};

function usage() {
  const lines = Object.entries(SETTINGS).map(
    ([name, [env, def, what]]) => `  --${name.padEnd(16)} ${what} (${env}, default ${def})`,
  );
  return `usage: node peer.mjs [options]\n${lines.join('\n')}\n`;
}

function loadConfig() {
  const options = { help: { type: 'boolean' } };
  for (const name of Object.keys(SETTINGS)) options[name] = { type: 'string' };
  let values;
  try {
    ({ values } = parseArgs({ options, strict: true }));
  } catch (e) {
    process.stderr.write(`${e.message}\n${usage()}`);
    process.exit(2);
  }
  if (values.help) {
    process.stdout.write(usage());
    process.exit(0);
  }
  const get = (name) => values[name] ?? process.env[SETTINGS[name][0]] ?? SETTINGS[name][1];
  const int = (name, min, max) => {
    const v = Number(get(name));
    if (!Number.isSafeInteger(v) || v < min || v > max) {
      process.stderr.write(`--${name} must be an integer from ${min} to ${max}\n`);
      process.exit(2);
    }
    return v;
  };
  if (!/^[A-Za-z0-9_.:-]{1,48}$/.test(get('agent-prefix'))) {
    process.stderr.write('--agent-prefix must be 1 to 48 of [A-Za-z0-9_.:-]\n');
    process.exit(2);
  }
  return {
    host: get('host'),
    port: int('port', 0, 65535),
    redis: get('redis'),
    keyPrefix: get('key-prefix'),
    agentPrefix: get('agent-prefix'),
    agentFirst: int('agent-first', 0, 1e9),
    agents: int('agents', 0, 1e6),
    password: get('password'),
    capacity: int('capacity', 1, 1000),
    offerTimeoutMs: int('offer-timeout-s', 1, 3600) * 1000,
    pingIntervalS: int('ping-interval-s', 1, 3600),
    resumeTtlS: int('resume-ttl-s', 60, 604800),
    maxMessages: String(int('max-messages', 1, 1e9)),
    retentionS: String(int('retention-days', 1, 3650) * 86400),
    script: get('script'),
  };
}

const cfg = loadConfig();

// ------------------------------------------------------------------------------------------------
// Protocol constants (proto/schema.yaml)

const SUBPROTOCOL = 'switchboard.v1';
const MAX_FRAME_BYTES = 65536;
const MAX_ENVELOPES_PER_FRAME = 64;
const QUEUE_ID = 'chat';
const QUEUE_NAME = 'Chat';
const ID_RE = /^[A-Za-z0-9_.:-]{1,64}$/;
const LANG_RE = /^[A-Za-z0-9-]{1,35}$/;
const PING_PAYLOAD = Buffer.from('sb'); // a ping with a payload, like Switchboard's

// ------------------------------------------------------------------------------------------------
// Redis: one connection, auto-pipelined; the append script is Switchboard's own

const redis = new Redis({
  ...redisAddress(cfg.redis),
  enableAutoPipelining: true,
  lazyConnect: true,
});
redis.defineCommand('convAppend', { numberOfKeys: 4, lua: readFileSync(cfg.script, 'utf8') });
redis.on('error', (e) => console.error(`redis: ${e.message}`));

function redisAddress(addr) {
  const a = addr.startsWith('unix:') ? addr.slice(5) : addr;
  if (a.includes('/')) return { path: a };
  const colon = a.lastIndexOf(':');
  return colon < 0
    ? { host: a }
    : { host: a.slice(0, colon) || '127.0.0.1', port: Number(a.slice(colon + 1)) };
}

const key = (s) => cfg.keyPrefix + s;
let epoch = 0; // the data epoch (chat.sync in Switchboard); read or set once at start

// ------------------------------------------------------------------------------------------------
// State, all in memory: agents, chats (a contact and its conversation: one segment each here),
// offers and the line of waiting chats

/**
 * @typedef {object} Agent
 * @property {string} username
 * @property {string} displayName
 * @property {Conn|null} conn         its ready connection
 * @property {'available'|'away'|'offline'} status
 * @property {number} load            chats held and offered
 * @property {Set<Chat>} chats        the same, by chat
 */
/**
 * @typedef {object} Chat
 * @property {string} contactId
 * @property {string} conversationId
 * @property {string[]} keys          v:<id>, v:<id>:log, v:<id>:dedup
 * @property {Conn|null} customer     the customer's connection
 * @property {string} customerId
 * @property {string} name
 * @property {string} topic
 * @property {string} lang
 * @property {string|undefined} claimRef
 * @property {'queued'|'offered'|'assigned'|'ended'} state
 * @property {Agent|null} agent
 * @property {number} offerId
 * @property {NodeJS.Timeout|null} offerTimer
 * @property {number} enqueuedMs
 * @property {number} startedMs
 * @property {number} lastSeq
 */

/** @type {Map<string, Agent>} */
const agents = new Map();
for (let i = 0; i < cfg.agents; i++) {
  const username = `${cfg.agentPrefix}${cfg.agentFirst + i}`;
  agents.set(username, {
    username,
    displayName: username,
    conn: null,
    status: 'offline',
    load: 0,
    chats: new Set(),
  });
}
const ring = [...agents.values()]; // round robin over all agents
let ringAt = 0;

/** @type {Map<string, string>} session cookie value -> username */
const sessions = new Map();
/** @type {Map<string, Chat>} conversation id -> chat */
const conversations = new Map();
/** @type {Map<number, Chat>} offer id -> chat */
const offers = new Map();
/** @type {Chat[]} the line; chats that left it are skipped when they reach its head */
let waiting = [];
let lastOfferId = 0;

const randomId = (prefix) => prefix + randomBytes(12).toString('hex');

// ------------------------------------------------------------------------------------------------
// Connections: replies and events are gathered per connection and sent once per loop turn, as few
// frames as fit (at most 64 envelopes and max_frame_bytes each), as docs/protocol.md describes.

const encoder = new Encoder({ ignoreUndefined: true });
const decoder = new Decoder();
/** @type {Set<Conn>} */
const conns = new Set();
/** @type {Conn[]} */
let dirty = [];

class Conn {
  /** @param {import('ws').WebSocket} ws @param {'customer'|'staff'} endpoint @param {string} user */
  constructor(ws, endpoint, user) {
    this.ws = ws;
    this.endpoint = endpoint;
    this.user = user; // staff: username (from the session); customer: id, minted at hello
    this.ready = false; // hello answered
    this.closed = false;
    this.awaitingPong = false;
    /** @type {Agent|null} */
    this.agent = endpoint === 'staff' ? agents.get(user) : null;
    /** @type {Chat|null} a customer's open chat */
    this.chat = null;
    this.lang = 'en';
    /** @type {Uint8Array[]} */
    this.out = [];
  }

  send(env) {
    if (this.closed) return;
    this.out.push(encoder.encode(env));
    if (this.out.length === 1) {
      dirty.push(this);
      if (dirty.length === 1) setImmediate(flushAll);
    }
  }

  ok(id, b) {
    this.send({ t: 'ok', id, b });
  }

  error(id, code, message, field) {
    this.send({ t: 'error', id, b: { code, message, field } });
  }

  flush() {
    const out = this.out;
    this.out = [];
    if (this.closed) return;
    let parts = [];
    let bytes = 0;
    for (const p of out) {
      if (parts.length === MAX_ENVELOPES_PER_FRAME || (parts.length && bytes + p.length > MAX_FRAME_BYTES)) {
        this.ws.send(parts.length === 1 ? parts[0] : Buffer.concat(parts, bytes));
        parts = [];
        bytes = 0;
      }
      parts.push(p);
      bytes += p.length;
    }
    this.ws.send(parts.length === 1 ? parts[0] : Buffer.concat(parts, bytes));
  }
}

function flushAll() {
  const list = dirty;
  dirty = [];
  for (const c of list) c.flush();
}

/** A bad field of a request body: answered with BAD_FIELD naming it. */
class FieldError extends Error {
  constructor(field, message) {
    super(message ?? `${field} is missing or not valid`);
    this.field = field;
  }
}

function needString(b, field, max, min = 1) {
  const v = b[field];
  if (typeof v !== 'string' || v.length < min || Buffer.byteLength(v) > max) throw new FieldError(field);
  return v;
}

function needId(b, field) {
  const v = b[field];
  if (typeof v !== 'string' || !ID_RE.test(v)) throw new FieldError(field);
  return v;
}

function optional(b, field, check) {
  return b[field] === undefined ? undefined : check(b, field);
}

function needEnum(b, field, values) {
  const v = b[field];
  if (!values.includes(v)) throw new FieldError(field, `${field} must be one of ${values.join(', ')}`);
  return v;
}

function needUint(b, field) {
  const v = b[field];
  if (!Number.isSafeInteger(v) || v < 0) throw new FieldError(field);
  return v;
}

const lang = (b, field) => {
  const v = b[field];
  if (typeof v !== 'string' || !LANG_RE.test(v)) throw new FieldError(field);
  return v;
};

// ------------------------------------------------------------------------------------------------
// Requests

const ANY = 0;
const STAFF = 1;
const CUSTOMER = 2;

/** @type {Map<string, {who: number, handle: (c: Conn, id: number, b: any) => void}>} */
const HANDLERS = new Map([
  ['hello', { who: ANY, handle: hello }],
  ['ping', { who: ANY, handle: ping }],
  ['agent.state.set', { who: STAFF, handle: agentStateSet }],
  ['offer.accept', { who: STAFF, handle: offerAccept }],
  ['contact.request', { who: CUSTOMER, handle: contactRequest }],
  ['chat.send', { who: ANY, handle: chatSend }],
]);

function onFrame(c, data, isBinary) {
  if (!isBinary) {
    c.error(undefined, 'BAD_FRAME', 'frames must be binary');
    return;
  }
  let envs;
  try {
    envs = Array.from(decoder.decodeMulti(data)); // every envelope of the frame, or none
  } catch {
    c.error(undefined, 'BAD_FRAME', 'the frame is not msgpack');
    return;
  }
  for (const env of envs) onEnvelope(c, env);
}

function isMap(v) {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

function onEnvelope(c, env) {
  if (!isMap(env)) return c.error(undefined, 'BAD_FRAME', 'an envelope must be a map');
  const id = Number.isSafeInteger(env.id) && env.id >= 0 ? env.id : undefined;
  if (id === undefined || typeof env.t !== 'string' || !isMap(env.b)) {
    return c.error(id, 'BAD_FRAME', 'a request needs t, id and b');
  }
  const h = HANDLERS.get(env.t);
  if (!h) return c.error(id, 'UNKNOWN_TYPE', 'the relay peer does not implement this message');
  if (c.ready === (env.t === 'hello')) {
    return c.error(id, 'NOT_READY', c.ready ? 'hello was sent already' : 'send hello first');
  }
  if ((h.who === STAFF && c.endpoint !== 'staff') || (h.who === CUSTOMER && c.endpoint !== 'customer')) {
    return c.error(id, 'FORBIDDEN', 'this role may not send this message');
  }
  try {
    h.handle(c, id, env.b);
  } catch (e) {
    if (!(e instanceof FieldError)) throw e;
    c.error(id, 'BAD_FIELD', e.message, e.field);
  }
}

function hello(c, id, b) {
  optional(b, 'client', (o, f) => needString(o, f, 64, 0));
  const wantsResume = b.resume_token !== undefined;
  c.lang = optional(b, 'lang', lang) ?? 'en';
  const now = Date.now();
  if (c.endpoint === 'staff') {
    if (wantsResume)
      throw new FieldError('resume_token', 'staff connections are identified by their session');
    const a = c.agent;
    // signing in again elsewhere closes the older connection (REPLACED)
    if (a.conn && a.conn !== c) a.conn.ws.close(4002, 'signed in elsewhere');
    a.conn = c;
    c.ready = true;
    c.ok(id, {
      role: 'agent',
      user_id: a.username,
      display_name: a.displayName,
      server_time_ms: now,
      ping_interval_s: cfg.pingIntervalS,
      max_frame_bytes: MAX_FRAME_BYTES,
      epoch,
    });
    pump();
    return;
  }
  if (wantsResume) {
    c.error(id, 'TOKEN_INVALID', 'this conversation can no longer be resumed; start a new one');
    return;
  }
  c.user = randomId('c-');
  c.ready = true;
  c.ok(id, {
    role: 'customer',
    user_id: c.user,
    resume_token: randomBytes(32).toString('base64url'),
    resume_ttl_s: cfg.resumeTtlS,
    server_time_ms: now,
    ping_interval_s: cfg.pingIntervalS,
    max_frame_bytes: MAX_FRAME_BYTES,
    epoch,
  });
}

function ping(c, id, b) {
  const echo = optional(b, 'echo', (o, f) => needString(o, f, 16384, 0));
  c.ok(id, { echo, server_time_ms: Date.now() });
}

function agentStateSet(c, id, b) {
  const status = needEnum(b, 'status', ['available', 'away', 'offline']);
  const reason = optional(b, 'reason', (o, f) => needString(o, f, 64, 0));
  c.agent.status = status;
  c.ok(id, { status, reason });
  if (status === 'available') pump();
}

function contactRequest(c, id, b) {
  const topic = needId(b, 'topic');
  const channel = needEnum(b, 'channel', ['chat', 'voice', 'video']);
  const chatLang = optional(b, 'lang', lang) ?? c.lang;
  const name = needString(b, 'name', 80);
  const claimRef = optional(b, 'claim_ref', needId);
  if (channel !== 'chat') {
    c.error(id, 'NO_SERVICE', 'the relay peer serves chat only', 'channel');
    return;
  }
  if (c.chat) {
    c.error(id, 'CONFLICT', 'you already have an open request');
    return;
  }
  const now = Date.now();
  const conversationId = randomId('v-');
  /** @type {Chat} */
  const chat = {
    contactId: randomId('k-'),
    conversationId,
    keys: [
      key(`v:${conversationId}`),
      key(`v:${conversationId}:log`),
      key(`v:${conversationId}:dedup`),
      key(`v:${conversationId}:pub`),
    ],
    customer: c,
    customerId: c.user,
    name,
    topic,
    lang: chatLang,
    claimRef,
    state: 'queued',
    agent: null,
    offerId: 0,
    offerTimer: null,
    enqueuedMs: now,
    startedMs: now,
    lastSeq: 0,
  };
  c.chat = chat; // claimed now: a second request meanwhile is refused
  // the conversation's record, which the append script requires (conv_create.lua's fields)
  const kv = chat.keys[0];
  Promise.all([
    redis.hset(kv, {
      customer: c.user,
      name,
      topic,
      lang: chatLang,
      claim_ref: claimRef ?? '',
      created_ms: now,
      contact: chat.contactId,
      segments: chat.contactId,
      seq: 0,
      pub: 0,
      state: 'open',
    }),
    redis.expire(kv, cfg.retentionS),
  ]).then(
    () => {
      if (c.closed) return;
      conversations.set(conversationId, chat);
      c.ok(id, { contact_id: chat.contactId, queue_name: QUEUE_NAME, conversation_id: conversationId });
      c.send({
        t: 'contact.status',
        b: {
          contact_id: chat.contactId,
          conversation_id: conversationId,
          state: 'queued',
          queue_name: QUEUE_NAME,
        },
      });
      waiting.push(chat);
      pump();
    },
    (e) => {
      c.chat = null;
      storeError(c, id, e);
    },
  );
}

function offerAccept(c, id, b) {
  const offerId = needUint(b, 'offer_id');
  const chat = offers.get(offerId);
  if (!chat || chat.agent !== c.agent) {
    c.error(id, 'OFFER_EXPIRED', 'this offer is no longer open');
    return;
  }
  clearTimeout(chat.offerTimer);
  offers.delete(offerId);
  chat.offerTimer = null;
  chat.state = 'assigned';
  const a = c.agent;
  const now = Date.now();
  c.ok(id, { contact_id: chat.contactId });
  c.send({
    t: 'chat.open',
    b: {
      conversation_id: chat.conversationId,
      contact_id: chat.contactId,
      customer_name: chat.name,
      topic: chat.topic,
      topic_label: chat.topic,
      language: chat.lang,
      claim_ref: chat.claimRef,
      started_ms: chat.startedMs,
      last_seq: chat.lastSeq,
    },
  });
  chat.customer?.send({
    t: 'contact.status',
    b: {
      contact_id: chat.contactId,
      conversation_id: chat.conversationId,
      state: 'assigned',
      queue_name: QUEUE_NAME,
      agent_name: a.displayName,
    },
  });
  redis.hset(chat.keys[0], 'accepted_ms', now, 'queue', QUEUE_ID, 'agent', a.username).catch(logStoreError);
  // the join is an entry of the log, seen by both sides
  const text = `${a.displayName} joined the chat.`;
  append(chat, '', '', 'system', 'system', a.displayName, text, now, 'joined').then((r) => {
    if (r[0] === 1) deliver(chat, null, r, 'system', 'system', a.displayName, undefined, 'joined');
  }, logStoreError);
}

function chatSend(c, id, b) {
  const conversationId = needId(b, 'conversation_id');
  const cmid = needId(b, 'client_msg_id');
  const text = needString(b, 'text', 4000);
  const note =
    optional(b, 'private', (o, f) => {
      if (typeof o[f] !== 'boolean') throw new FieldError(f);
      return o[f];
    }) === true;
  const chat = conversations.get(conversationId);
  const staff = c.endpoint === 'staff';
  // the customer it belongs to and the agent holding it; anyone else sees no such conversation
  if (!chat || (staff ? chat.agent !== c.agent || chat.state !== 'assigned' : chat.customerId !== c.user)) {
    c.error(id, 'NOT_FOUND', 'no such conversation', 'conversation_id');
    return;
  }
  if (note && !staff) {
    c.error(id, 'FORBIDDEN', 'only staff write private notes', 'private');
    return;
  }
  if (chat.state !== 'assigned') {
    c.error(id, 'CONFLICT', 'no specialist has joined yet');
    return;
  }
  const kind = note ? 'note' : 'message';
  const role = staff ? 'agent' : 'customer';
  const name = staff ? c.agent.displayName : chat.name;
  const sender = staff ? `a:${c.user}` : `c:${c.user}`;
  append(chat, sender, cmid, kind, role, name, text, Date.now(), '').then(
    (r) => {
      const status = r[0];
      if (status < 0) {
        const full = r[1] === 'full';
        c.error(
          id,
          full ? 'CONFLICT' : 'NOT_FOUND',
          full ? 'this conversation is too long; start a new one' : 'this conversation no longer exists',
        );
        return;
      }
      // a retry (status 0) gets the first answer again and is not delivered twice
      // numbered as the sender numbers the log (a customer among the entries it may see), as in
      // Switchboard
      const seq = role === 'customer' ? r[2] : r[1];
      c.ok(id, { seq, prev_seq: seq - 1, ts_ms: r[3], text: r[4] });
      if (status === 1) deliver(chat, c, r, kind, role, name, cmid, undefined);
    },
    (e) => storeError(c, id, e),
  );
}

/**
 * One call of conv_append.lua. Resolves with [1 (new) or 0 (a retry), seq, public number,
 * ts ms, text as stored], or [-1, why].
 */
function append(chat, sender, cmid, kind, role, name, text, now, system) {
  const [kv, kl, kd, kp] = chat.keys;
  const args = [sender, cmid, kind, role, name, text, now, system, cfg.maxMessages, cfg.retentionS];
  return redis.convAppend(kv, kl, kd, kp, ...args);
}

/** Sends a stored entry as chat.event to the agent holding the chat and (not a note) the customer. */
function deliver(chat, from, r, kind, role, name, cmid, system) {
  const [, seq, pub, ts, text] = r;
  if (seq > chat.lastSeq) chat.lastSeq = seq;
  const event = (n, mine) => ({
    t: 'chat.event',
    b: {
      conversation_id: chat.conversationId,
      epoch,
      event: {
        seq: n,
        prev_seq: n - 1,
        kind,
        from_role: role,
        from_name: name || undefined,
        text,
        ts_ms: ts,
        client_msg_id: mine ? cmid : undefined,
        system,
      },
    },
  });
  const agentConn = chat.state === 'assigned' ? chat.agent?.conn : null;
  if (agentConn && agentConn !== from) agentConn.send(event(seq, true)); // staff see every entry
  const cust = chat.customer;
  // the customer numbers only the entries it may see (notes are not for it), and gets back only
  // its own client message ids
  if (cust && kind !== 'note' && cust !== from) cust.send(event(pub, role === 'customer'));
}

function storeError(c, id, e) {
  logStoreError(e);
  c.error(id, 'STORE_UNAVAILABLE', 'the store cannot be reached; retry shortly');
}

function logStoreError(e) {
  console.error(`redis: ${e.message}`);
}

// ------------------------------------------------------------------------------------------------
// Routing: round robin over the available agents with a free slot; an offer holds a slot

function pump() {
  while (waiting.length) {
    const chat = waiting[0];
    if (chat.state !== 'queued') {
      waiting.shift();
      continue;
    }
    const a = nextAgent();
    if (!a) return;
    waiting.shift();
    offer(chat, a);
  }
}

function nextAgent() {
  for (let n = 0; n < ring.length; n++) {
    const a = ring[ringAt];
    ringAt = (ringAt + 1) % ring.length;
    if (a.conn && a.status === 'available' && a.load < cfg.capacity) return a;
  }
  return null;
}

function offer(chat, a) {
  const now = Date.now();
  const deadline = now + cfg.offerTimeoutMs;
  chat.state = 'offered';
  chat.agent = a;
  chat.offerId = ++lastOfferId;
  chat.offerTimer = setTimeout(offerExpired, cfg.offerTimeoutMs, chat);
  offers.set(chat.offerId, chat);
  a.load++;
  a.chats.add(chat);
  a.conn.send({
    t: 'offer',
    b: {
      offer_id: chat.offerId,
      contact_id: chat.contactId,
      channel: 'chat',
      queue: QUEUE_ID,
      queue_name: QUEUE_NAME,
      language: chat.lang,
      enqueued_ms: chat.enqueuedMs,
      deadline_ms: deadline,
      remaining_ms: deadline - now,
    },
  });
}

/** The offer ends without an accept: the slot frees, the chat goes back to the head of the line. */
function withdrawOffer(chat, reason) {
  const a = chat.agent;
  clearTimeout(chat.offerTimer);
  offers.delete(chat.offerId);
  chat.offerTimer = null;
  a.load--;
  a.chats.delete(chat);
  a.conn?.send({ t: 'offer.gone', b: { offer_id: chat.offerId, reason } });
  chat.agent = null;
}

function offerExpired(chat) {
  if (chat.state !== 'offered') return;
  withdrawOffer(chat, 'expired');
  chat.state = 'queued';
  waiting.unshift(chat);
  pump();
}

/** The customer left: the contact ends and its slot frees (no resume window in the peer). */
function endChat(chat) {
  if (chat.state === 'offered') withdrawOffer(chat, 'withdrawn');
  if (chat.state === 'assigned') {
    chat.agent.load--;
    chat.agent.chats.delete(chat);
  }
  chat.state = 'ended';
  chat.customer = null;
  conversations.delete(chat.conversationId);
  pump();
}

function onClose(c) {
  c.closed = true;
  conns.delete(c);
  if (c.chat) endChat(c.chat);
  const a = c.agent;
  if (a && a.conn === c) {
    a.conn = null;
    // offers go back to the line; chats held stay held for the agent's next connection
    for (const chat of [...a.chats]) {
      if (chat.state !== 'offered') continue;
      withdrawOffer(chat, 'withdrawn');
      chat.state = 'queued';
      waiting.unshift(chat);
    }
    pump();
  }
}

// ------------------------------------------------------------------------------------------------
// HTTP: login, and the WebSocket upgrade

function sendJson(res, status, body, headers = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function login(req, res) {
  let body = '';
  let tooBig = false;
  req.setEncoding('utf8');
  req.on('data', (chunk) => {
    body += chunk;
    if (body.length > 16384) tooBig = true;
  });
  req.on('end', () => {
    if (tooBig) return sendJson(res, 413, { code: 'TOO_BIG' });
    let creds;
    try {
      creds = JSON.parse(body);
    } catch {
      return sendJson(res, 400, { code: 'BAD_REQUEST' });
    }
    const a = typeof creds?.username === 'string' ? agents.get(creds.username) : undefined;
    if (!a || creds.password !== cfg.password) return sendJson(res, 401, { code: 'BAD_CREDENTIALS' });
    const session = randomBytes(32).toString('base64url');
    sessions.set(session, a.username);
    sendJson(
      res,
      200,
      { username: a.username, display_name: a.displayName, role: 'agent' },
      {
        'set-cookie': `sb_session=${session}; HttpOnly; SameSite=Strict; Path=/`,
      },
    );
  });
}

const http = createServer((req, res) => {
  if (req.method === 'POST' && req.url === '/api/login') return login(req, res);
  if (req.method === 'GET' && req.url === '/healthz') return sendJson(res, 200, { ok: true });
  sendJson(res, 404, { code: 'NOT_FOUND' });
});

const wss = new WebSocketServer({
  noServer: true,
  clientTracking: false,
  maxPayload: MAX_FRAME_BYTES,
  perMessageDeflate: false,
  handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
});

function refuseUpgrade(socket, status, why) {
  socket.on('error', () => {});
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\n` +
      `Content-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(why)}\r\n\r\n${why}`,
  );
}

function sessionOf(req) {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === 'sb_session') return sessions.get(part.slice(eq + 1).trim());
  }
  return undefined;
}

http.on('upgrade', (req, socket, head) => {
  const path = req.url.split('?')[0];
  const endpoint = path === '/ws/customer' ? 'customer' : path === '/ws/staff' ? 'staff' : null;
  if (!endpoint) return refuseUpgrade(socket, 404, 'unknown WebSocket endpoint');
  const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim());
  if (!offered.includes(SUBPROTOCOL))
    return refuseUpgrade(socket, 400, `the WebSocket subprotocol ${SUBPROTOCOL} is required`);
  let user = '';
  if (endpoint === 'staff') {
    user = sessionOf(req);
    if (!user) return refuseUpgrade(socket, 401, 'sign in first');
  }
  wss.handleUpgrade(req, socket, head, (ws) => {
    const c = new Conn(ws, endpoint, user);
    conns.add(c);
    ws.on('message', (data, isBinary) => onFrame(c, data, isBinary));
    ws.on('pong', () => {
      c.awaitingPong = false;
    });
    ws.on('error', () => {}); // 'close' follows
    ws.on('close', () => onClose(c));
  });
});

// WebSocket pings every ping_interval_s; a connection that did not answer the last one is closed
const pinger = setInterval(() => {
  for (const c of conns) {
    if (c.awaitingPong) {
      c.ws.close(4010, 'no answer to keepalive pings');
      continue;
    }
    c.awaitingPong = true;
    c.ws.ping(PING_PAYLOAD);
  }
}, cfg.pingIntervalS * 1000);

// ------------------------------------------------------------------------------------------------
// Start and stop

function shutdown() {
  clearInterval(pinger);
  for (const c of conns) c.ws.close(1001, 'server shutting down');
  http.close();
  redis.quit().finally(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
}

try {
  await redis.connect();
  const epochKey = key('epoch');
  await redis.set(epochKey, Date.now(), 'NX');
  epoch = Number(await redis.get(epochKey));
} catch (e) {
  console.error(`peer: cannot use Redis at ${cfg.redis}: ${e.message}`);
  process.exit(1);
}
http.listen(cfg.port, cfg.host, () => {
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  console.log(`peer listening on ${http.address().port}`);
});
