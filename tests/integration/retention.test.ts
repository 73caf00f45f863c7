// Retention holds for every copy: the export stream (finished conversations with their masked
// transcripts, ratings, messages left for a team) and the audit stream keep no record older than
// routing.retention_days, measured on the server's clock (the test clock here), whatever their
// length. Real server (sanitizer build), real Redis, over the protocol.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  respMap,
  sanitizerReports,
  startRedis,
  startServer,
  testPasswordHash,
  waitFor,
  type Redis,
  type Resp,
  type Server,
} from '../support/harness.ts';
import { customer, staff } from '../support/client.ts';

const P = 'sb:{keep-it}:';
const DAY = 86400_000;

function keepConfig(port: number, redis: string): string {
  const hash = testPasswordHash();
  return `
deployment: keep-it
listen: {host: 127.0.0.1, port: ${port}}
redis: {address: ${redis}}
allowed_origins: [http://127.0.0.1:${port}]
widget_origins: [http://agency.example]
languages: [en]
routing: {retention_days: 1}
chat: {conversations_per_address: 1000}
skills: [{id: claims}]
queues:
  - {id: claims, name: Claim questions, channels: [chat], skills: [{skill: claims, min: 1}], languages: [en]}
topics:
  - {id: claim, queue: claims, label: {en: A claim question}}
staff:
  - {username: ana, display_name: Ana Agent, role: agent, password_hash: "${hash}", skills: {claims: 3}, languages: [en], queues: [claims], capacity: {chat: 3}}
identity_methods: [Claim ID + date of birth]
dispositions: [{code: resolved, label: Resolved}]
`;
}

let redis: Redis;
let server: Server;

beforeAll(async () => {
  redis = await startRedis();
  server = await startServer({ redis, yaml: keepConfig, frozenClock: true });
});

afterAll(async () => {
  const r = await server.stop();
  expect(sanitizerReports(server)).toEqual([]);
  expect(r.code).toBe(0);
  await redis.stop();
});

interface Entry {
  ms: number;
  f: Record<string, string>;
}

async function stream(name: string): Promise<Entry[]> {
  const r = (await redis.query('XRANGE', P + name, '-', '+')) as Resp[];
  return r.map((e) => ({ ms: Number(String((e as Resp[])[0]).split('-')[0]), f: respMap((e as Resp[])[1]) }));
}

/** A message left for the team: one export record. */
async function leave(text: string): Promise<string> {
  const { client } = await customer(server);
  const r = await client.request('contact.message', { topic: 'claim', name: 'Pat', text });
  expect(r.t).toBe('ok');
  client.close();
  return r.b.reference as string;
}

/** A chat in which the agent verifies the customer (an audit record) and that ends and is rated
 * (two export records: the conversation and the rating). Returns its conversation id. */
async function chat(): Promise<string> {
  const { client: ana } = await staff(server, 'ana');
  await ana.take('staff.setup');
  expect((await ana.request('agent.state.set', { status: 'available' })).t).toBe('ok');
  const { client: cust } = await customer(server);
  const req = await cust.request('contact.request', { topic: 'claim', channel: 'chat', lang: 'en', name: 'Pat' });
  expect(req.t).toBe('ok');
  const conv = req.b.conversation_id as string;
  const offer = await ana.take('offer', (e) => e.b.contact_id === req.b.contact_id);
  expect((await ana.request('offer.accept', { offer_id: offer.b.offer_id })).t).toBe('ok');
  await ana.take('chat.open', (e) => e.b.conversation_id === conv);
  const v = await ana.request('chat.verify', { conversation_id: conv, method: 'Claim ID + date of birth' });
  expect(v.t).toBe('ok');
  expect((await ana.request('contact.end', { contact_id: req.b.contact_id })).t).toBe('ok');
  expect(
    (await ana.request('contact.wrapup', { contact_id: req.b.contact_id, disposition: 'resolved', service_codes: [] })).t,
  ).toBe('ok');
  expect((await cust.request('chat.rate', { conversation_id: conv, score: 5 })).t).toBe('ok');
  expect((await ana.request('agent.state.set', { status: 'offline' })).t).toBe('ok');
  ana.close();
  cust.close();
  return conv;
}

const refs = (es: Entry[]) => es.map((e) => e.f.reference ?? e.f.conversation_id ?? e.f.object);

describe('retention of the export and audit streams', () => {
  it('drops records older than retention_days at the next write, and keeps younger ones', async () => {
    const t0 = await server.advance(0);
    const old = await chat();
    const m1 = await leave('first');
    // ids come from the server's clock: the age the retention rule measures
    for (const e of [...(await stream('export')), ...(await stream('audit'))]) expect(e.ms).toBe(t0);
    expect(refs(await stream('export'))).toEqual([old, old, m1]);
    expect(refs(await stream('audit'))).toEqual([old]);

    await server.advance(DAY / 2);
    const m2 = await leave('half a day later');
    // to a minute before the first records reach the retention period: the hourly trim finds
    // nothing to drop
    await server.advance(DAY / 2 - 60_000);
    expect(refs(await stream('export'))).toEqual([old, old, m1, m2]);
    expect(refs(await stream('audit'))).toEqual([old]);
    // two minutes later they are past it, and the hourly trim is not due: the next write drops them
    await server.advance(120_000);
    expect(refs(await stream('export'))).toEqual([old, old, m1, m2]);
    const m3 = await leave('a day later');
    expect(refs(await stream('export'))).toEqual([m2, m3]);
    // the audit stream is trimmed at its own next write
    expect(refs(await stream('audit'))).toEqual([old]);
    const young = await chat();
    expect(refs(await stream('audit'))).toEqual([young]);
    expect(refs(await stream('export'))).toEqual([m2, m3, young, young]);
    // a record exactly as old as the period stays (m2 is one day old now)
    await server.advance(DAY / 2 - 60_000);
    await leave('at the limit');
    expect(refs(await stream('export'))).toContain(m2);
  });

  it('drops them also when nobody writes', async () => {
    expect((await stream('export')).length).toBeGreaterThan(0);
    expect((await stream('audit')).length).toBeGreaterThan(0);
    // no write at all: the hourly trim removes what passed the period
    await server.advance(DAY + 3600_000);
    await waitFor('the export and audit streams to be emptied', async () => {
      return (await stream('export')).length === 0 && (await stream('audit')).length === 0;
    });
  });
});
