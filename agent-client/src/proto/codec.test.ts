import { decodeMulti } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';

import vectors from '../../../proto/vectors.json';
import {
  DEFAULT_LIMITS,
  EncodeError,
  ProtocolError,
  decodeFrame,
  decodeFrameStrict,
  encodeEnvelope,
  encodeFrame,
  utf8Valid,
  validateFrame,
  type Direction,
  type Envelope,
  type Schema,
} from './codec';
import { MESSAGES, STRUCTS } from './schema.gen';

interface ValidVector {
  name: string;
  dir: string;
  hex: string;
  envelopes: Envelope[];
}

interface InvalidVector {
  name: string;
  dir: string;
  hex: string;
  error: string;
  field?: string;
  request?: string;
}

const valid = vectors.valid as ValidVector[];
const invalid = vectors.invalid as InvalidVector[];

function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function toHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

function dirOf(v: { dir: string }): Direction {
  if (v.dir !== 'c2s' && v.dir !== 's2c') throw new Error(`bad dir ${v.dir}`);
  return v.dir;
}

/** The request types of the "ok" envelopes of a vector, by id. */
function replyTypes(envs: Envelope[]): (id: number) => string | undefined {
  return (id) => envs.find((e) => e.t === 'ok' && e.id === id)?.request;
}

function firstError(hex: string, dir: Direction, request?: string): ProtocolError {
  try {
    decodeFrameStrict(fromHex(hex), dir, { replyTypeOf: () => request });
  } catch (e) {
    if (e instanceof ProtocolError) return e;
    throw e;
  }
  throw new Error('decoded without error');
}

describe('shared vectors (proto/vectors.json)', () => {
  it('covers every message type and reply of the schema', () => {
    const seen = new Set<string>();
    for (const v of valid)
      for (const e of v.envelopes) seen.add(e.t === 'ok' ? `${String(e.request)}.reply` : e.t);
    for (const m of Object.values(MESSAGES)) {
      expect(seen).toContain(m.name);
      if (m.kind === 'request') expect(seen).toContain(`${m.name}.reply`);
    }
    expect(seen).toContain('error');
  });

  describe.each(valid.map((v) => [v.name, v] as const))('valid: %s', (_name, v) => {
    it('decodes to the listed envelopes', () => {
      const got = decodeFrameStrict(fromHex(v.hex), dirOf(v), { replyTypeOf: replyTypes(v.envelopes) });
      expect(got).toEqual(v.envelopes);
    });

    it('encodes to the same bytes', () => {
      expect(toHex(encodeFrame(v.envelopes))).toBe(v.hex);
      expect(v.envelopes.map((e) => toHex(encodeEnvelope(e))).join('')).toBe(v.hex);
    });

    it('agrees with a plain msgpack decoder', () => {
      const plain = Array.from(decodeMulti(fromHex(v.hex)));
      const expected = v.envelopes.map(({ request: _request, ...wire }) => wire);
      expect(plain).toEqual(expected);
    });
  });

  describe.each(invalid.map((v) => [v.name, v] as const))('invalid: %s', (_name, v) => {
    it(`is rejected with ${v.error}${v.field ? ` (${v.field})` : ''}`, () => {
      const err = firstError(v.hex, dirOf(v), v.request);
      expect(err.code).toBe(v.error);
      expect(err.field).toBe(v.field);
    });
  });
});

describe('step 1: frame checks', () => {
  it('rejects a frame larger than the limit', () => {
    const big = encodeEnvelope({ t: 'ping', id: 1, b: { echo: 'x'.repeat(16000) } });
    expect(() => validateFrame(big, { ...DEFAULT_LIMITS, maxFrameBytes: 1000 })).toThrow(/larger than 1000/);
    expect(validateFrame(big)).toBe(1);
  });

  it('counts envelopes and honours lower limits', () => {
    const one = encodeEnvelope({ t: 'ping', id: 1, b: {} });
    const three = new Uint8Array([...one, ...one, ...one]);
    expect(validateFrame(three)).toBe(3);
    expect(() => validateFrame(three, { ...DEFAULT_LIMITS, maxEnvelopes: 2 })).toThrow(
      /more than 2 envelopes/,
    );
    expect(() => validateFrame(three, { ...DEFAULT_LIMITS, maxDepth: 1 })).toThrow(/nesting deeper than 1/);
    expect(() => validateFrame(three, { ...DEFAULT_LIMITS, maxItems: 17 })).toThrow(/too many items/);
    expect(validateFrame(three, { ...DEFAULT_LIMITS, maxItems: 18 })).toBe(3);
  });

  it('accepts the smallest negative forms and rejects larger ones', () => {
    // {"t":"ping","id":..., "b":{}} with a negative id passes step 1 and fails step 2
    const head = [0x83, 0xa1, 0x74, 0xa4, 0x70, 0x69, 0x6e, 0x67, 0xa2, 0x69, 0x64];
    const tail = [0xa1, 0x62, 0x80];
    const frame = (id: number[]): Uint8Array => new Uint8Array([...head, ...id, ...tail]);
    for (const id of [
      [0xd0, 0xdf],
      [0xd1, 0xff, 0x7f],
      [0xd2, 0xff, 0xff, 0x7f, 0xff],
      [0xd3, 0xff, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff],
    ]) {
      expect(validateFrame(frame(id))).toBe(1);
      expect(() => decodeFrameStrict(frame(id), 'c2s')).toThrow(/id must be an integer/);
    }
    for (const id of [
      [0xd1, 0xff, 0x80],
      [0xd2, 0xff, 0xff, 0x80, 0x00],
      [0xd3, 0xff, 0xff, 0xff, 0xff, 0x80, 0, 0, 0],
    ]) {
      expect(() => validateFrame(frame(id))).toThrow(/smallest form/);
    }
  });
});

describe('step 2 and 3: envelopes and bodies', () => {
  it('reports each envelope of a frame separately and keeps the request id', () => {
    const good = encodeEnvelope({ t: 'ping', id: 1, b: { echo: 'a' } });
    const bad = fromHex('83a174a470696e67a2696409a16281a46563686f05'); // echo: 5
    const items = decodeFrame(new Uint8Array([...bad, ...good]), 'c2s');
    expect(items).toHaveLength(2);
    const [first, second] = items;
    expect(first?.ok).toBe(false);
    if (first && !first.ok) {
      expect(first.error.code).toBe('BAD_FIELD');
      expect(first.error.field).toBe('echo');
      expect(first.error.id).toBe(9);
    }
    expect(second).toEqual({ ok: true, kind: 'request', envelope: { t: 'ping', id: 1, b: { echo: 'a' } } });
  });

  it('keeps the id on UNKNOWN_TYPE but not on envelope key errors', () => {
    const unknown = encodeEnvelopeRaw({ t: 'nope', id: 42, b: {} });
    expect(firstErrorBytes(unknown, 'c2s').id).toBe(42);
    const outOfOrder = fromHex('83a2696405a174a470696e67a16280');
    expect(firstErrorBytes(outOfOrder, 'c2s').id).toBeUndefined();
  });

  it('rejects an ok reply nobody asked for', () => {
    const frame = encodeEnvelope({ t: 'ok', id: 3, request: 'ping', b: { server_time_ms: 1 } });
    const err = firstErrorBytes(frame, 's2c');
    expect(err.code).toBe('BAD_FRAME');
    expect(err.id).toBe(3);
  });

  it('classifies envelopes', () => {
    const frame = encodeFrame([
      { t: 'ok', id: 1, request: 'ping', b: { server_time_ms: 5 } },
      { t: 'error', b: { code: 'BAD_FRAME', message: 'x' } },
      { t: 'server.notice', b: { level: 'info', message: 'm' } },
    ]);
    const kinds = decodeFrame(frame, 's2c', { replyTypeOf: () => 'ping' }).map((i) =>
      i.ok ? i.kind : 'failed',
    );
    expect(kinds).toEqual(['ok', 'error', 'event']);
  });
});

// A made-up schema with the field kinds the real one does not use yet (bool, struct, list).
const TEST_SCHEMA: Schema = {
  structs: {
    ...STRUCTS,
    item: [
      { name: 'name', optional: false, type: { kind: 'str', charset: 'id', min: 1, max: 8 } },
      { name: 'done', optional: true, type: { kind: 'bool' } },
      {
        name: 'tags',
        optional: true,
        type: { kind: 'list', max: 2, of: { kind: 'str', charset: 'text', min: 0, max: 4 } },
      },
    ],
    deep: [
      {
        name: 'a_very_long_field_name_to_overflow_the_path_buffer',
        optional: false,
        type: { kind: 'list', max: 3, of: { kind: 'struct', of: 'deep' } },
      },
    ],
  },
  messages: {
    'task.save': {
      name: 'task.save',
      kind: 'request',
      roles: ['agent'],
      fields: [
        {
          name: 'items',
          optional: false,
          type: { kind: 'list', max: 3, of: { kind: 'struct', of: 'item' } },
        },
        { name: 'flag', optional: true, type: { kind: 'bool' } },
        { name: 'deep', optional: true, type: { kind: 'struct', of: 'deep' } },
      ],
      reply: [],
    },
  },
};

function encodeEnvelopeRaw(obj: { t: string; id?: number; b: Record<string, unknown> }): Uint8Array {
  // bypasses the schema checks of encodeEnvelope
  return new Uint8Array(
    [0x80 | Object.keys(obj).length].concat(
      ...Object.entries(obj).map(([k, v]) => [...rawValue(k), ...rawValue(v)]),
    ),
  );
}

function rawValue(v: unknown): number[] {
  if (typeof v === 'string') {
    const b = new TextEncoder().encode(v);
    if (b.length > 31) throw new Error('test helper: short strings only');
    return [0xa0 | b.length, ...b];
  }
  if (typeof v === 'number' && v >= 0 && v < 128) return [v];
  if (typeof v === 'boolean') return [v ? 0xc3 : 0xc2];
  if (Array.isArray(v)) return [0x90 | v.length, ...v.flatMap(rawValue)];
  if (v instanceof Map) {
    const e = Array.from(v.entries() as Iterable<[unknown, unknown]>);
    return [0x80 | e.length, ...e.flatMap(([k, x]) => [...rawValue(k), ...rawValue(x)])];
  }
  if (typeof v === 'object' && v !== null) {
    const e = Object.entries(v);
    return [0x80 | e.length, ...e.flatMap(([k, x]) => [...rawValue(k), ...rawValue(x)])];
  }
  throw new Error(`test helper: cannot encode ${String(v)}`);
}

function firstErrorBytes(frame: Uint8Array, dir: Direction, schema?: Schema): ProtocolError {
  const items = decodeFrame(frame, dir, schema ? { schema } : {});
  for (const i of items) if (!i.ok) return i.error;
  throw new Error('decoded without error');
}

describe('field kinds and paths (test schema)', () => {
  const env = (b: Record<string, unknown>): Uint8Array => encodeEnvelopeRaw({ t: 'task.save', id: 1, b });

  it('round-trips lists, structs and booleans', () => {
    const e: Envelope = {
      t: 'task.save',
      id: 1,
      b: { items: [{ name: 'a', done: true, tags: ['x', 'ñ'] }, { name: 'b' }], flag: false },
    };
    const bytes = encodeEnvelope(e, TEST_SCHEMA);
    expect(decodeFrameStrict(bytes, 'c2s', { schema: TEST_SCHEMA })).toEqual([e]);
  });

  it.each([
    ['item missing a required field', { items: [{ name: 'a' }, { done: true }] }, 'items[1].name'],
    ['wrong type inside a list', { items: [{ name: 'a', tags: ['ok', 5] }] }, 'items[0].tags[1]'],
    ['list too long', { items: [{ name: 'a', tags: ['a', 'b', 'c'] }] }, 'items[0].tags'],
    ['bool of the wrong type', { items: [], flag: 1 }, 'flag'],
    ['struct that is not a map', { items: [5] }, 'items[0]'],
    ['list that is not an array', { items: { name: 'a' } }, 'items'],
    [
      'skipped required field before an optional one',
      { items: [{ done: true, name: 'a' }] },
      'items[0].name',
    ],
    [
      'nested field out of order: reports the bare name',
      { items: [{ name: 'a', tags: [], done: true }] },
      'done',
    ],
    [
      'nested key that is not a string: reports the struct path',
      { items: [new Map([[1, 'a']])] },
      'items[0]',
    ],
  ])('%s', (_name, body, field) => {
    const err = firstErrorBytes(env(body), 'c2s', TEST_SCHEMA);
    expect(err.code).toBe('BAD_FIELD');
    expect(err.field).toBe(field);
  });

  it('reports unknown nested fields without a path', () => {
    const err = firstErrorBytes(env({ items: [{ name: 'a', extra: 1 }] }), 'c2s', TEST_SCHEMA);
    expect(err.code).toBe('BAD_FIELD');
    expect(err.field).toBeUndefined();
  });

  it('truncates paths to 63 characters like the C buffers', () => {
    const name = 'a_very_long_field_name_to_overflow_the_path_buffer';
    // deep.NAME[0].NAME[0].NAME where the last one is 5 instead of an array; built by hand since
    // the helper above only writes short strings
    const enc = new TextEncoder();
    const str = (s: string): number[] => {
      const b = enc.encode(s);
      return b.length < 32 ? [0xa0 | b.length, ...b] : [0xd9, b.length, ...b];
    };
    const frame = new Uint8Array([
      0x83,
      ...str('t'),
      ...str('task.save'),
      ...str('id'),
      1,
      ...str('b'),
      0x82,
      ...str('items'),
      0x90,
      ...str('deep'),
      0x81,
      ...str(name),
      0x91,
      0x81,
      ...str(name),
      0x91,
      0x81,
      ...str(name),
      5,
    ]);
    const items = decodeFrame(frame, 'c2s', {
      schema: TEST_SCHEMA,
      limits: { ...DEFAULT_LIMITS, maxDepth: 8 },
    });
    const err = items[0]?.ok === false ? items[0].error : undefined;
    const full = `deep.${name}[0].${name}[0].${name}`;
    expect(err?.field).toBe(full.slice(0, 63));
    expect(err?.field).toHaveLength(63);
  });
});

describe('encoding', () => {
  it('leaves absent optional fields out and keeps schema order whatever the object order', () => {
    const bytes = encodeEnvelope({
      t: 'hello',
      id: 1,
      b: { lang: 'es', client: 'w', resume_token: undefined },
    });
    expect(decodeFrameStrict(bytes, 'c2s')).toEqual([{ t: 'hello', id: 1, b: { client: 'w', lang: 'es' } }]);
    expect(toHex(bytes)).toBe('83a174a568656c6c6fa2696401a16282a6636c69656e74a177a46c616e67a26573');
  });

  it('writes integers as integers in their smallest forms', () => {
    const cases: Array<[number, string]> = [
      [0, '00'],
      [127, '7f'],
      [128, 'cc80'],
      [256, 'cd0100'],
      [65536, 'ce00010000'],
      [2 ** 32, 'cf0000000100000000'],
      [2 ** 53 - 1, 'cf001fffffffffffff'],
    ];
    for (const [n, hex] of cases) {
      const bytes = encodeEnvelope({ t: 'ok', id: 1, request: 'ping', b: { server_time_ms: n } });
      expect(toHex(bytes).endsWith(`ae7365727665725f74696d655f6d73${hex}`)).toBe(true);
    }
  });

  it.each([
    ['a float', { t: 'ok', id: 1, request: 'ping', b: { server_time_ms: 1.5 } }, 'server_time_ms'],
    ['a negative integer', { t: 'ok', id: 1, request: 'ping', b: { server_time_ms: -1 } }, 'server_time_ms'],
    [
      'an unsafe integer',
      { t: 'ok', id: 1, request: 'ping', b: { server_time_ms: 2 ** 53 } },
      'server_time_ms',
    ],
    ['a lone surrogate', { t: 'ping', id: 1, b: { echo: 'a\ud800b' } }, 'echo'],
    ['NUL in text', { t: 'ping', id: 1, b: { echo: 'a\u0000' } }, 'echo'],
    ['a bad token', { t: 'hello', id: 1, b: { resume_token: 'not a token at all!' } }, 'resume_token'],
    ['a string too long', { t: 'hello', id: 1, b: { client: 'x'.repeat(65) } }, 'client'],
    ['a missing field', { t: 'server.notice', b: { message: 'x' } }, 'level'],
    ['an unknown enum value', { t: 'server.notice', b: { level: 'debug', message: 'x' } }, 'level'],
  ] as Array<[string, Envelope, string]>)('refuses %s', (_name, e, field) => {
    let err: unknown;
    try {
      encodeEnvelope(e);
    } catch (x) {
      err = x;
    }
    expect(err).toBeInstanceOf(EncodeError);
    expect((err as EncodeError).field).toBe(field);
  });

  it('refuses unknown fields, bad ids and misplaced ids', () => {
    expect(() => encodeEnvelope({ t: 'ping', id: 1, b: { echo: 'x', extra: 1 } })).toThrow(
      /unknown field extra/,
    );
    expect(() => encodeEnvelope({ t: 'ping', b: {} })).toThrow(/needs an id/);
    expect(() => encodeEnvelope({ t: 'ping', id: -1, b: {} })).toThrow(/id must be/);
    expect(() => encodeEnvelope({ t: 'ping', id: 2 ** 53, b: {} })).toThrow(/id must be/);
    expect(() => encodeEnvelope({ t: 'server.notice', id: 1, b: { level: 'info', message: '' } })).toThrow(
      /no id/,
    );
    expect(() => encodeEnvelope({ t: 'ok', id: 1, b: {} })).toThrow(/request type/);
    expect(() => encodeEnvelope({ t: 'nope', id: 1, b: {} })).toThrow(/unknown message type/);
  });
});

describe('utf8Valid', () => {
  it.each([
    [[0x61], true],
    [[0xc2, 0x80], true],
    [[0xe0, 0xa0, 0x80], true],
    [[0xef, 0xbf, 0xbf], true],
    [[0xf0, 0x90, 0x80, 0x80], true],
    [[0xf4, 0x8f, 0xbf, 0xbf], true],
    [[0xc1, 0xbf], false],
    [[0xe0, 0x9f, 0xbf], false],
    [[0xed, 0xa0, 0x80], false],
    [[0xf0, 0x8f, 0xbf, 0xbf], false],
    [[0xf4, 0x90, 0x80, 0x80], false],
    [[0xf5, 0x80, 0x80, 0x80], false],
    [[0x80], false],
    [[0xe2, 0x82], false],
  ])('%j -> %s', (bytes, ok) => {
    expect(utf8Valid(new Uint8Array(bytes))).toBe(ok);
    // the WHATWG decoder in fatal mode agrees with the C rules
    let whatwg = true;
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(bytes));
    } catch {
      whatwg = false;
    }
    expect(whatwg).toBe(ok);
  });
});
