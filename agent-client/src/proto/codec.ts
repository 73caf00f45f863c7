/**
 * Frame <-> envelopes, table driven, mirroring server/proto/codec.c.
 *
 * A frame is one binary WebSocket message holding one or more envelopes, msgpack maps
 * `{t, id?, b}` written back to back (docs/protocol.md). Decoding takes the same three steps as the
 * C codec and reports the same error codes and field paths:
 *
 *  1. {@link validateFrame}: an allocation-free walk over the bytes: every declared length and count
 *     against the bytes left, nesting depth, item count, envelope count, smallest forms, no 0xc1,
 *     floats or extension types, every envelope a map, nothing trailing. Any failure is BAD_FRAME.
 *  2. The envelope: keys t, id, b each once and in that order, id an integer 0..2^53-1, the type
 *     known and allowed in this direction, ids where they belong (BAD_FRAME / UNKNOWN_TYPE).
 *  3. The body against the generated tables: key order, unknown / repeated / missing fields, types,
 *     ranges, charsets, UTF-8, enum values (BAD_FIELD with the field path).
 *
 * Why step 2 reads the bytes itself instead of calling @msgpack/msgpack's decoder: that decoder
 * turns maps into plain objects, which drops repeated keys, reorders integer-like keys, refuses a
 * `__proto__` key, and turns string bytes into JS strings (losing invalid UTF-8 and the byte
 * length). The C codec's verdicts depend on exactly those things (key order, repeats, raw bytes),
 * so the decoder reads the already validated bytes into an order-preserving tree. Encoding uses
 * @msgpack/msgpack, which writes integers and strings in their smallest forms; the body is first
 * checked against the tables and rebuilt with its keys in schema order.
 */
import { encode as msgpackEncode } from '@msgpack/msgpack';

import { LIMITS, MESSAGES, STRUCTS, type FieldDesc, type FieldType, type MessageDesc } from './schema.gen';

export const MAX_SAFE_ID = 9007199254740991; // 2^53-1

export type Direction = 'c2s' | 's2c';

/** The codes this codec produces (the `code` of an `error` reply the server would send). */
export type CodecErrorCode = 'BAD_FRAME' | 'UNKNOWN_TYPE' | 'BAD_FIELD';

/** A frame or envelope that breaks the protocol; `field` and `id` as codec.c reports them. */
export class ProtocolError extends Error {
  readonly code: CodecErrorCode;
  /** Dotted path of the offending field (BAD_FIELD), undefined when the codec names none. */
  readonly field: string | undefined;
  /** The envelope's request id, when it could be read. */
  id: number | undefined;

  constructor(code: CodecErrorCode, message: string, field?: string, id?: number) {
    super(message);
    this.name = 'ProtocolError';
    this.code = code;
    this.field = field === undefined || field === '' ? undefined : truncatePath(field);
    this.id = id;
  }
}

export interface Limits {
  maxFrameBytes: number;
  maxDepth: number;
  maxItems: number;
  maxEnvelopes: number;
}

/** The schema's hard limits (a server may only lower the frame size). */
export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxFrameBytes: LIMITS.max_frame_bytes,
  maxDepth: LIMITS.max_depth,
  maxItems: LIMITS.max_items,
  maxEnvelopes: LIMITS.max_envelopes_per_frame,
});

/** The tables the codec runs on; tests may pass their own. */
export interface Schema {
  messages: Readonly<Record<string, MessageDesc>>;
  structs: Readonly<Record<string, readonly FieldDesc[]>>;
}

export const SCHEMA: Schema = { messages: MESSAGES, structs: STRUCTS };

export type Body = Record<string, unknown>;

/** A decoded (or to be encoded) envelope, in the shape of proto/vectors.json. */
export interface Envelope {
  t: string;
  id?: number;
  /** "ok" envelopes only: the request type the reply answers (not on the wire). */
  request?: string;
  b: Body;
}

export type EnvelopeKind = 'request' | 'event' | 'ok' | 'error';

export type DecodedItem =
  { ok: true; kind: EnvelopeKind; envelope: Envelope } | { ok: false; error: ProtocolError };

/** Gives the request type a reply with this id answers, or undefined if no such request is pending. */
export type ReplyTypeOf = (id: number) => string | undefined;

export interface DecodeOptions {
  limits?: Limits;
  schema?: Schema;
  /** s2c only: needed to decode "ok" envelopes. */
  replyTypeOf?: ReplyTypeOf;
}

// ------------------------------------------------------------------------------------------------
// Step 1: allocation-free validation of the raw bytes

class FrameCheck {
  off = 0;
  items = 0;
  constructor(
    readonly p: Uint8Array,
    readonly lim: Limits,
  ) {}
}

function frameError(message: string): ProtocolError {
  return new ProtocolError('BAD_FRAME', message);
}

function be(p: Uint8Array, off: number, n: number): number {
  // Exact for values below 2^53; above that the result is rounded but still larger than any
  // limit this codec compares it with.
  let v = 0;
  for (let i = 0; i < n; i++) v = v * 256 + (p[off + i] as number);
  return v;
}

function vread(st: FrameCheck, n: number): number {
  if (st.p.length - st.off < n) throw frameError('frame ends inside a value');
  const v = be(st.p, st.off, n);
  st.off += n;
  return v;
}

function vskipBytes(st: FrameCheck, n: number): void {
  if (st.p.length - st.off < n) throw frameError('a declared length runs past the end of the frame');
  st.off += n;
}

function vcount(st: FrameCheck, n: number, per: number): void {
  // every element takes at least one byte: a count larger than what is left is a lie
  if (n * per > st.p.length - st.off) throw frameError('a declared count runs past the end of the frame');
  if (st.items + n * per > st.lim.maxItems) throw frameError('too many items in one frame');
  st.items += n * per;
}

function vcontainer(st: FrameCheck, n: number, map: boolean, depth: number): void {
  if (depth + 1 > st.lim.maxDepth) throw frameError(`nesting deeper than ${st.lim.maxDepth}`);
  const per = map ? 2 : 1;
  vcount(st, n, per);
  for (let i = 0; i < n * per; i++) vvalue(st, depth + 1);
}

const UINT_MIN = [0x80, 0x100, 0x10000, 0x100000000];
const INT_LIM = [-32, -128, -32768, -2147483648];
const STR_MIN = [32, 0x100, 0x10000];

function vvalue(st: FrameCheck, depth: number): void {
  if (st.off >= st.p.length) throw frameError('frame ends where a value was expected');
  const c = st.p[st.off++] as number;
  if (c <= 0x7f || c >= 0xe0) return; // fixint
  if (c >= 0x80 && c <= 0x8f) {
    vcontainer(st, c & 0x0f, true, depth);
    return;
  }
  if (c >= 0x90 && c <= 0x9f) {
    vcontainer(st, c & 0x0f, false, depth);
    return;
  }
  if (c >= 0xa0 && c <= 0xbf) {
    vskipBytes(st, c & 0x1f);
    return;
  }
  switch (c) {
    case 0xc0: // nil
    case 0xc2: // false
    case 0xc3: // true
      return;
    case 0xc1:
      throw frameError('reserved byte 0xc1');
    case 0xc4:
    case 0xc5:
    case 0xc6: {
      const w = 1 << (c - 0xc4);
      const v = vread(st, w);
      if ((w === 2 && v < 0x100) || (w === 4 && v < 0x10000))
        throw frameError('binary length not in its smallest form');
      vskipBytes(st, v);
      return;
    }
    case 0xca:
    case 0xcb:
      throw frameError('floats are not allowed on the wire');
    case 0xcc:
    case 0xcd:
    case 0xce:
    case 0xcf: {
      const v = vread(st, 1 << (c - 0xcc));
      if (v < (UINT_MIN[c - 0xcc] as number)) throw frameError('integer not in its smallest form');
      return;
    }
    case 0xd0:
    case 0xd1:
    case 0xd2:
    case 0xd3: {
      const w = 1 << (c - 0xd0);
      if (st.p.length - st.off < w) throw frameError('frame ends inside a value');
      // sign of the big-endian value, then require a negative value too large for the next
      // smaller form (only the top bytes matter for that, so no 64-bit arithmetic is needed)
      const v = signedBE(st.p, st.off, w);
      st.off += w;
      if (v >= (INT_LIM[c - 0xd0] as number)) throw frameError('integer not in its smallest form');
      return;
    }
    case 0xd9:
    case 0xda:
    case 0xdb: {
      const v = vread(st, 1 << (c - 0xd9));
      if (v < (STR_MIN[c - 0xd9] as number)) throw frameError('string length not in its smallest form');
      vskipBytes(st, v);
      return;
    }
    case 0xdc:
    case 0xdd:
    case 0xde:
    case 0xdf: {
      const map = c >= 0xde;
      const w = c === 0xdc || c === 0xde ? 2 : 4;
      const v = vread(st, w);
      if (v < (w === 2 ? 16 : 0x10000)) throw frameError('container size not in its smallest form');
      vcontainer(st, v, map, depth);
      return;
    }
    default: // 0xc7-0xc9, 0xd4-0xd8: extension types
      throw frameError('extension types are not allowed on the wire');
  }
}

/** A big-endian two's complement integer of w bytes; below -2^53 it is rounded (still < -2^31). */
function signedBE(p: Uint8Array, off: number, w: number): number {
  const neg = ((p[off] as number) & 0x80) !== 0;
  let v = 0;
  for (let i = 0; i < w; i++) v = v * 256 + (neg ? 255 - (p[off + i] as number) : (p[off + i] as number));
  return neg ? -v - 1 : v;
}

function isMapHead(c: number): boolean {
  return (c >= 0x80 && c <= 0x8f) || c === 0xde || c === 0xdf;
}

/**
 * Step 1. Returns the number of envelopes, or throws a BAD_FRAME {@link ProtocolError}.
 */
export function validateFrame(buf: Uint8Array, limits: Limits = DEFAULT_LIMITS): number {
  const st = new FrameCheck(buf, limits);
  if (buf.length === 0) throw frameError('empty frame');
  if (buf.length > limits.maxFrameBytes) throw frameError(`frame larger than ${limits.maxFrameBytes} bytes`);
  let n = 0;
  while (st.off < buf.length) {
    if (!isMapHead(buf[st.off] as number)) throw frameError('an envelope must be a map');
    if (++n > limits.maxEnvelopes)
      throw frameError(`more than ${limits.maxEnvelopes} envelopes in one frame`);
    vvalue(st, 0);
  }
  return n;
}

// ------------------------------------------------------------------------------------------------
// Reading validated bytes into an order-preserving tree (what msgpack-c's unpack gives the C codec)

type Node =
  | { k: 'nil' }
  | { k: 'bool'; v: boolean }
  | { k: 'uint'; v: number }
  | { k: 'neg' }
  | { k: 'str'; b: Uint8Array }
  | { k: 'bin' }
  | { k: 'arr'; a: Node[] }
  | { k: 'map'; m: Array<[Node, Node]> };

class Reader {
  off: number;
  constructor(
    readonly p: Uint8Array,
    off: number,
  ) {
    this.off = off;
  }

  private num(n: number): number {
    const v = be(this.p, this.off, n);
    this.off += n;
    return v;
  }

  private bytes(n: number): Uint8Array {
    const b = this.p.subarray(this.off, this.off + n);
    this.off += n;
    return b;
  }

  private arr(n: number): Node {
    const a: Node[] = [];
    for (let i = 0; i < n; i++) a.push(this.value());
    return { k: 'arr', a };
  }

  private map(n: number): Node {
    const m: Array<[Node, Node]> = [];
    for (let i = 0; i < n; i++) {
      const key = this.value();
      m.push([key, this.value()]);
    }
    return { k: 'map', m };
  }

  /** Only ever called on bytes that passed {@link validateFrame}. */
  value(): Node {
    const c = this.p[this.off++] as number;
    if (c <= 0x7f) return { k: 'uint', v: c };
    if (c >= 0xe0) return { k: 'neg' };
    if (c <= 0x8f) return this.map(c & 0x0f);
    if (c <= 0x9f) return this.arr(c & 0x0f);
    if (c <= 0xbf) return { k: 'str', b: this.bytes(c & 0x1f) };
    switch (c) {
      case 0xc0:
        return { k: 'nil' };
      case 0xc2:
        return { k: 'bool', v: false };
      case 0xc3:
        return { k: 'bool', v: true };
      case 0xc4:
      case 0xc5:
      case 0xc6:
        this.bytes(this.num(1 << (c - 0xc4)));
        return { k: 'bin' };
      case 0xcc:
      case 0xcd:
      case 0xce:
      case 0xcf:
        return { k: 'uint', v: this.num(1 << (c - 0xcc)) };
      case 0xd0:
      case 0xd1:
      case 0xd2:
      case 0xd3:
        this.off += 1 << (c - 0xd0); // always negative after step 1
        return { k: 'neg' };
      case 0xd9:
      case 0xda:
      case 0xdb:
        return { k: 'str', b: this.bytes(this.num(1 << (c - 0xd9))) };
      case 0xdc:
        return this.arr(this.num(2));
      case 0xdd:
        return this.arr(this.num(4));
      case 0xde:
        return this.map(this.num(2));
      case 0xdf:
        return this.map(this.num(4));
      default:
        throw new Error(`codec: unvalidated byte 0x${c.toString(16)}`);
    }
  }
}

// ------------------------------------------------------------------------------------------------
// Strings and charsets (sb_proto_charset_ok, sb_utf8_valid)

function utf8Seq(s: Uint8Array, i: number): number {
  const n = s.length - i;
  const c = s[i] as number;
  const at = (k: number): number => s[i + k] as number;
  const cont = (k: number): boolean => (at(k) & 0xc0) === 0x80;
  if (c < 0x80) return 1;
  if (c < 0xc2) return 0;
  if (c < 0xe0) return n < 2 || !cont(1) ? 0 : 2;
  if (c < 0xf0) {
    if (n < 3 || !cont(1) || !cont(2)) return 0;
    if (c === 0xe0 && at(1) < 0xa0) return 0; // overlong
    if (c === 0xed && at(1) >= 0xa0) return 0; // surrogate
    return 3;
  }
  if (c < 0xf5) {
    if (n < 4 || !cont(1) || !cont(2) || !cont(3)) return 0;
    if (c === 0xf0 && at(1) < 0x90) return 0; // overlong
    if (c === 0xf4 && at(1) >= 0x90) return 0; // above U+10FFFF
    return 4;
  }
  return 0;
}

/** RFC 3629 UTF-8: no overlongs, no surrogates, nothing above U+10FFFF. */
export function utf8Valid(s: Uint8Array): boolean {
  let i = 0;
  while (i < s.length) {
    if ((s[i] as number) < 0x80) {
      i++;
      continue;
    }
    const k = utf8Seq(s, i);
    if (!k) return false;
    i += k;
  }
  return true;
}

type Charset = 'text' | 'id' | 'token' | 'lang';

function alnum(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39);
}

/** Whether the bytes `s` may appear in a string of charset `cs` (sb_proto_charset_ok). */
export function charsetOk(cs: Charset, s: Uint8Array): boolean {
  switch (cs) {
    case 'text':
      return !s.includes(0) && utf8Valid(s);
    case 'id': // [A-Za-z0-9_.:-]
      return s.every((c) => alnum(c) || c === 0x5f || c === 0x2e || c === 0x3a || c === 0x2d);
    case 'token': // [A-Za-z0-9_-]
      return s.every((c) => alnum(c) || c === 0x5f || c === 0x2d);
    case 'lang': // [A-Za-z0-9-]
      return s.every((c) => alnum(c) || c === 0x2d);
  }
}

/** Compares raw key bytes with an ASCII name. */
function bytesIs(b: Uint8Array, name: string): boolean {
  if (b.length !== name.length) return false;
  for (let i = 0; i < b.length; i++) if (b[i] !== name.charCodeAt(i)) return false;
  return true;
}

const utf8Decoder = new TextDecoder('utf-8');
const utf8Encoder = new TextEncoder();

/** `'name'` when the first n bytes are id characters, else nothing (as codec.c prints names). */
function shownName(b: Uint8Array, max: number): string {
  const shown = b.subarray(0, max);
  return charsetOk('id', shown) ? `'${utf8Decoder.decode(shown)}'` : '';
}

// Paths: codec.c builds them in 64-byte buffers (63 characters and a NUL); every path is ASCII.
const PATH_MAX = 63;

function truncatePath(p: string): string {
  return p.length > PATH_MAX ? p.slice(0, PATH_MAX) : p;
}

function joinPath(path: string, name: string): string {
  return truncatePath(path ? `${path}.${name}` : name);
}

// ------------------------------------------------------------------------------------------------
// Step 2: envelopes

interface Head {
  kind: EnvelopeKind;
  t: string;
  id: number | undefined;
  body: Node;
  msg: MessageDesc | undefined;
}

function lookupMessage(schema: Schema, name: Uint8Array): MessageDesc | undefined {
  for (const m of Object.values(schema.messages)) if (bytesIs(name, m.name)) return m;
  return undefined;
}

function envelopeHead(root: Node, dir: Direction, schema: Schema): Head {
  const bad = (message: string, id?: number): ProtocolError =>
    new ProtocolError('BAD_FRAME', message, undefined, id);
  if (root.k !== 'map') throw bad('an envelope must be a map');
  let t: Node | undefined;
  let idNode: Node | undefined;
  let b: Node | undefined;
  // canonical order t, id, b; every key at most once
  let stage = 0;
  for (const [k, v] of root.m) {
    if (k.k === 'str' && bytesIs(k.b, 't') && stage < 1) {
      t = v;
      stage = 1;
    } else if (k.k === 'str' && bytesIs(k.b, 'id') && stage < 2) {
      idNode = v;
      stage = 2;
    } else if (k.k === 'str' && bytesIs(k.b, 'b') && stage < 3) {
      b = v;
      stage = 3;
    } else {
      throw bad('envelope keys must be t, id, b, each once and in that order');
    }
  }
  let id: number | undefined;
  if (idNode) {
    if (idNode.k !== 'uint' || idNode.v > MAX_SAFE_ID) throw bad('id must be an integer 0..2^53-1');
    id = idNode.v;
  }
  if (!t || t.k !== 'str') throw bad('envelope needs a type string t', id);
  if (!b || b.k !== 'map') throw bad('envelope needs a body map b', id);
  let kind: EnvelopeKind;
  let msg: MessageDesc | undefined;
  if (dir === 's2c' && bytesIs(t.b, 'ok')) {
    kind = 'ok';
  } else if (dir === 's2c' && bytesIs(t.b, 'error')) {
    kind = 'error';
  } else {
    msg = lookupMessage(schema, t.b);
    const want = dir === 'c2s' ? 'request' : 'event';
    if (!msg || msg.kind !== want) {
      throw new ProtocolError('UNKNOWN_TYPE', `unknown message type ${shownName(t.b, 40)}`, undefined, id);
    }
    kind = want;
  }
  if ((dir === 'c2s' || kind === 'ok') && id === undefined) throw bad('a request and its reply need an id');
  if (dir === 's2c' && kind === 'event' && id !== undefined) throw bad('an event carries no id', id);
  return { kind, t: msg ? msg.name : kind, id, body: b, msg };
}

// ------------------------------------------------------------------------------------------------
// Step 3: bodies

function kindWord(kind: FieldType['kind']): string {
  switch (kind) {
    case 'str':
      return 'a string';
    case 'uint':
      return 'a non-negative integer';
    case 'bool':
      return 'true or false';
    case 'enum':
      return 'one of its listed strings';
    case 'struct':
      return 'a map';
    case 'list':
      return 'an array';
  }
}

function fieldError(path: string, message: string): ProtocolError {
  return new ProtocolError('BAD_FIELD', message, path);
}

function decodeStruct(fields: readonly FieldDesc[], obj: Node, path: string, schema: Schema): Body {
  if (obj.k !== 'map') throw fieldError(path, `${path || 'body'} must be a map`);
  const out: Body = {};
  let next = 0; // schema index the next key may take: enforces order and uniqueness
  for (const [k, v] of obj.m) {
    if (k.k !== 'str') throw fieldError(path, 'keys must be strings');
    let f = next;
    while (f < fields.length && !bytesIs(k.b, (fields[f] as FieldDesc).name)) f++;
    if (f === fields.length) {
      // either unknown, or known but out of order / repeated: say which
      for (let j = 0; j < next; j++) {
        const name = (fields[j] as FieldDesc).name;
        if (bytesIs(k.b, name)) throw fieldError(name, `field ${name} repeated or out of schema order`);
      }
      throw new ProtocolError('BAD_FIELD', `unknown field ${shownName(k.b, 32)}`);
    }
    // every field skipped over must be optional
    for (let j = next; j < f; j++) {
      const fd = fields[j] as FieldDesc;
      if (!fd.optional) {
        const sub = joinPath(path, fd.name);
        throw fieldError(sub, `missing field ${sub}`);
      }
    }
    const fd = fields[f] as FieldDesc;
    out[fd.name] = decodeValue(fd.type, v, joinPath(path, fd.name), schema);
    next = f + 1;
  }
  for (let j = next; j < fields.length; j++) {
    const fd = fields[j] as FieldDesc;
    if (!fd.optional) {
      const sub = joinPath(path, fd.name);
      throw fieldError(sub, `missing field ${sub}`);
    }
  }
  return out;
}

function structFields(schema: Schema, name: string): readonly FieldDesc[] {
  const fields = schema.structs[name];
  if (!fields) throw new Error(`codec: unknown struct ${name}`);
  return fields;
}

function decodeValue(t: FieldType, o: Node, path: string, schema: Schema): unknown {
  switch (t.kind) {
    case 'str': {
      if (o.k !== 'str') break;
      const n = o.b.length;
      if (n < t.min || n > t.max) throw fieldError(path, `${path} must be ${t.min} to ${t.max} bytes long`);
      if (!charsetOk(t.charset, o.b)) throw fieldError(path, `${path} has characters it may not contain`);
      return utf8Decoder.decode(o.b);
    }
    case 'uint':
      if (o.k !== 'uint') break;
      if (o.v > t.max) throw fieldError(path, `${path} must be at most ${t.max}`);
      return o.v;
    case 'bool':
      if (o.k !== 'bool') break;
      return o.v;
    case 'enum': {
      if (o.k !== 'str') break;
      const bytes = o.b;
      const value = t.values.find((v) => bytesIs(bytes, v));
      if (value === undefined) throw fieldError(path, `${path} is not one of its allowed values`);
      return value;
    }
    case 'struct':
      return decodeStruct(structFields(schema, t.of), o, path, schema);
    case 'list': {
      if (o.k !== 'arr') break;
      if (o.a.length > t.max) throw fieldError(path, `${path} has more than ${t.max} items`);
      return o.a.map((item, i) => decodeValue(t.of, item, truncatePath(`${path}[${i}]`), schema));
    }
  }
  throw fieldError(path, `${path} must be ${kindWord(t.kind)}`);
}

function bodyFields(head: Head, request: string | undefined, schema: Schema): readonly FieldDesc[] {
  switch (head.kind) {
    case 'error':
      return structFields(schema, 'error_body');
    case 'ok': {
      const m = request === undefined ? undefined : schema.messages[request];
      if (!m?.reply) {
        throw new ProtocolError('BAD_FRAME', 'a reply to no pending request', undefined, head.id);
      }
      return m.reply;
    }
    default:
      return (head.msg as MessageDesc).fields;
  }
}

// ------------------------------------------------------------------------------------------------
// Decoding API

/**
 * Decodes a frame sent in direction `dir`. Step 1 failures throw (the whole frame is unusable);
 * after that, each envelope is decoded on its own and reported as a success or its error, so one
 * bad envelope does not hide the others.
 */
export function decodeFrame(
  frame: Uint8Array | ArrayBuffer,
  dir: Direction,
  opts: DecodeOptions = {},
): DecodedItem[] {
  const buf = frame instanceof Uint8Array ? frame : new Uint8Array(frame);
  const schema = opts.schema ?? SCHEMA;
  validateFrame(buf, opts.limits ?? DEFAULT_LIMITS);
  const reader = new Reader(buf, 0);
  const out: DecodedItem[] = [];
  while (reader.off < buf.length) {
    const root = reader.value();
    let head: Head | undefined;
    try {
      head = envelopeHead(root, dir, schema);
      const request = head.kind === 'ok' && head.id !== undefined ? opts.replyTypeOf?.(head.id) : undefined;
      const b = decodeStruct(bodyFields(head, request, schema), head.body, '', schema);
      const envelope: Envelope = { t: head.t, b };
      if (head.id !== undefined) envelope.id = head.id;
      if (head.kind === 'ok') envelope.request = request;
      out.push({ ok: true, kind: head.kind, envelope });
    } catch (e) {
      if (!(e instanceof ProtocolError)) throw e;
      if (e.id === undefined && head) e.id = head.id;
      out.push({ ok: false, error: e });
    }
  }
  return out;
}

/** Like {@link decodeFrame} but throws the first error; returns the envelopes. */
export function decodeFrameStrict(
  frame: Uint8Array | ArrayBuffer,
  dir: Direction,
  opts: DecodeOptions = {},
): Envelope[] {
  return decodeFrame(frame, dir, opts).map((item) => {
    if (!item.ok) throw item.error;
    return item.envelope;
  });
}

// ------------------------------------------------------------------------------------------------
// Encoding

/** Thrown when a value to be sent does not fit the schema (a bug in the caller). */
export class EncodeError extends ProtocolError {
  constructor(message: string, field?: string) {
    super('BAD_FIELD', message, field);
    this.name = 'EncodeError';
  }
}

function hasLoneSurrogate(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (d >= 0xdc00 && d <= 0xdfff) i++;
      else return true;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return true;
    }
  }
  return false;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function canonicalStruct(fields: readonly FieldDesc[], value: unknown, path: string, schema: Schema): Body {
  if (!isPlainObject(value)) throw new EncodeError(`${path || 'body'} must be an object`, path);
  for (const key of Object.keys(value)) {
    if (value[key] !== undefined && !fields.some((f) => f.name === key)) {
      throw new EncodeError(`unknown field ${key}`);
    }
  }
  const out: Body = {};
  for (const fd of fields) {
    const v = value[fd.name];
    const sub = joinPath(path, fd.name);
    if (v === undefined) {
      if (!fd.optional) throw new EncodeError(`missing field ${sub}`, sub);
      continue;
    }
    out[fd.name] = canonicalValue(fd.type, v, sub, schema);
  }
  return out;
}

function canonicalValue(t: FieldType, v: unknown, path: string, schema: Schema): unknown {
  switch (t.kind) {
    case 'str': {
      if (typeof v !== 'string') break;
      if (hasLoneSurrogate(v)) throw new EncodeError(`${path} is not well-formed Unicode`, path);
      const bytes = utf8Encoder.encode(v);
      if (bytes.length < t.min || bytes.length > t.max)
        throw new EncodeError(`${path} must be ${t.min} to ${t.max} bytes long`, path);
      if (!charsetOk(t.charset, bytes))
        throw new EncodeError(`${path} has characters it may not contain`, path);
      return v;
    }
    case 'uint':
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) break;
      if (v > t.max) throw new EncodeError(`${path} must be at most ${t.max}`, path);
      return Object.is(v, -0) ? 0 : v;
    case 'bool':
      if (typeof v !== 'boolean') break;
      return v;
    case 'enum':
      if (typeof v !== 'string') break;
      if (!t.values.includes(v)) throw new EncodeError(`${path} is not one of its allowed values`, path);
      return v;
    case 'struct':
      return canonicalStruct(structFields(schema, t.of), v, path, schema);
    case 'list':
      if (!Array.isArray(v)) break;
      if (v.length > t.max) throw new EncodeError(`${path} has more than ${t.max} items`, path);
      return v.map((item: unknown, i) => canonicalValue(t.of, item, truncatePath(`${path}[${i}]`), schema));
  }
  throw new EncodeError(`${path} must be ${kindWord(t.kind)}`, path);
}

/**
 * Encodes one envelope. The table is picked from `t`: "ok" uses the reply table of
 * `env.request`, "error" the error_body struct, anything else the message's body. Requests and
 * replies need an id; events must have none; "error" may have one.
 */
export function encodeEnvelope(env: Envelope, schema: Schema = SCHEMA): Uint8Array {
  let fields: readonly FieldDesc[];
  let idRule: 'required' | 'forbidden' | 'optional';
  if (env.t === 'ok') {
    const m = env.request === undefined ? undefined : schema.messages[env.request];
    if (!m?.reply)
      throw new EncodeError(`"ok" needs the request type it answers (got ${String(env.request)})`);
    fields = m.reply;
    idRule = 'required';
  } else if (env.t === 'error') {
    fields = structFields(schema, 'error_body');
    idRule = 'optional';
  } else {
    const m = schema.messages[env.t];
    if (!m) throw new EncodeError(`unknown message type ${env.t}`);
    fields = m.fields;
    idRule = m.kind === 'request' ? 'required' : 'forbidden';
  }
  if (env.id !== undefined) {
    if (idRule === 'forbidden') throw new EncodeError(`event ${env.t} carries no id`);
    if (!Number.isSafeInteger(env.id) || env.id < 0) throw new EncodeError('id must be an integer 0..2^53-1');
  } else if (idRule === 'required') {
    throw new EncodeError(`${env.t} needs an id`);
  }
  const b = canonicalStruct(fields, env.b, '', schema);
  const wire: Record<string, unknown> = { t: env.t };
  if (env.id !== undefined) wire.id = Object.is(env.id, -0) ? 0 : env.id;
  wire.b = b;
  return msgpackEncode(wire);
}

/** Encodes several envelopes back to back into one frame. */
export function encodeFrame(envs: readonly Envelope[], schema: Schema = SCHEMA): Uint8Array {
  const parts = envs.map((e) => encodeEnvelope(e, schema));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
