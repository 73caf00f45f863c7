// Social Security numbers typed with full-width digits or with the dash characters that word
// processors and phone keyboards substitute for a hyphen are masked like plain ones, in every
// free-text field that reaches storage: chat messages, the customer's name,
// wrap-up notes, rating comments, messages left for a team, and the titles of tasks pushed over
// the HTTP API. Real server (sanitizer build), real Redis, over the protocol and HTTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  respMap,
  sanitizerReports,
  startRedis,
  startServer,
  testPasswordHash,
  type Redis,
  type Resp,
  type Server,
} from '../support/harness.ts';
import { customer, login, staff } from '../support/client.ts';

const P = 'sb:{mask-it}:';

function maskConfig(port: number, redis: string): string {
  const hash = testPasswordHash();
  return `
deployment: mask-it
listen: {host: 127.0.0.1, port: ${port}}
redis: {address: ${redis}}
allowed_origins: [http://127.0.0.1:${port}]
widget_origins: [http://agency.example]
languages: [en]
chat: {conversations_per_address: 1000}
skills: [{id: claims}]
queues:
  - {id: claims, name: Claim questions, channels: [chat], skills: [{skill: claims, min: 1}], languages: [en]}
  - {id: reviews, name: RESEA work-search reviews, channels: [task], languages: [en]}
topics:
  - {id: claim, queue: claims, label: {en: A claim question}}
staff:
  - {username: ana, display_name: Ana Agent, role: agent, password_hash: "${hash}", skills: {claims: 3}, languages: [en], queues: [claims], capacity: {chat: 3}}
  - {username: sam, display_name: Sam Supervisor, role: supervisor, password_hash: "${hash}", languages: [en]}
dispositions: [{code: resolved, label: Resolved}]
`;
}

let redis: Redis;
let server: Server;

beforeAll(async () => {
  redis = await startRedis();
  server = await startServer({ redis, yaml: maskConfig });
});

afterAll(async () => {
  const r = await server.stop();
  expect(sanitizerReports(server)).toEqual([]);
  expect(r.code).toBe(0);
  await redis.stop();
});

/** 123-45-6789 in full-width digits (U+FF10..U+FF19), joined by `sep`. */
const fw = (s: string) => s.replace(/[0-9]/g, (d) => String.fromCharCode(0xff10 + Number(d)));
const fwSsn = (sep: string) => `${fw('123')}${sep}${fw('45')}${sep}${fw('6789')}`;
const FW_HYPHEN = '\uff0d';
const EN_DASH = '\u2013';
const MINUS = '\u2212';

/** None of the numbers typed in these tests survives, in any of its forms. */
function expectNoSsn(stored: string) {
  const forms = [
    ...[FW_HYPHEN, MINUS, EN_DASH, ' '].map(fwSsn),
    `123${MINUS}45${MINUS}6789`,
    '123-45-6789',
    fw('234567891'),
  ];
  for (const f of forms) expect(stored).not.toContain(f);
}

async function hash(key: string): Promise<Record<string, string>> {
  return respMap(await redis.query('HGETALL', P + key));
}

async function exported(type: string): Promise<Record<string, unknown>[]> {
  const r = (await redis.query('XRANGE', `${P}export`, '-', '+')) as Resp[];
  return r
    .map((e) => respMap((e as Resp[])[1]))
    .filter((f) => f.type === type)
    .map((f) => JSON.parse(f.json) as Record<string, unknown>);
}

describe('masking', () => {
  it('masks full-width and dash-separated SSNs in everything a chat stores', async () => {
    const { client: ana } = await staff(server, 'ana');
    await ana.take('staff.setup');
    expect((await ana.request('agent.state.set', { status: 'available' })).t).toBe('ok');
    const { client: cust } = await customer(server);
    const req = await cust.request('contact.request', {
      topic: 'claim',
      channel: 'chat',
      lang: 'en',
      name: `Pat ${fwSsn(FW_HYPHEN)}`,
    });
    expect(req.t).toBe('ok');
    const conv = req.b.conversation_id as string;
    const offer = await ana.take('offer', (e) => e.b.contact_id === req.b.contact_id);
    expect((await ana.request('offer.accept', { offer_id: offer.b.offer_id })).t).toBe('ok');
    const open = await ana.take('chat.open', (e) => e.b.conversation_id === conv);
    expect(open.b).toMatchObject({ customer_name: 'Pat XXX-XX-6789' });
    await ana.take('chat.event', (e) => (e.b.event as Record<string, unknown>).system === 'joined');

    // a message: shorter once masked (a full-width digit is three bytes), the rest kept as typed
    const text = `Mi número es ${fwSsn(MINUS)} — gracias, ${fw('1234567890')} is my phone`;
    const sent = await cust.request('chat.send', { conversation_id: conv, client_msg_id: 'c-1', text });
    expect(sent.t).toBe('ok');
    const masked = `Mi número es XXX-XX-6789 — gracias, ${fw('1234567890')} is my phone`;
    expect(sent.b.text).toBe(masked);
    const got = await ana.take('chat.event', (e) => (e.b.event as Record<string, unknown>).kind === 'message');
    expect((got.b.event as Record<string, unknown>).text).toBe(masked);
    const log = (await redis.query('XRANGE', `${P}v:${conv}:log`, '-', '+')) as Resp[];
    const stored = log.map((e) => respMap((e as Resp[])[1]));
    expect(stored.find((e) => e.k === 'message')!.t).toBe(masked);

    // wrap-up notes and the rating's comment
    expect((await ana.request('contact.end', { contact_id: req.b.contact_id })).t).toBe('ok');
    const w = await ana.request('contact.wrapup', {
      contact_id: req.b.contact_id,
      disposition: 'resolved',
      service_codes: [],
      notes: `verified ${fw('234567891')}`,
    });
    expect(w.t).toBe('ok');
    expect((await cust.request('chat.rate', { conversation_id: conv, score: 4, comment: `ssn 123${MINUS}45${MINUS}6789` })).t).toBe(
      'ok',
    );

    const v = await hash(`v:${conv}`);
    expect(v).toMatchObject({ name: 'Pat XXX-XX-6789', csat_comment: 'ssn XXX-XX-6789' });
    expect((await hash(`c:${req.b.contact_id}`)).wrap_notes).toBe('verified XXXXX7891');
    const everything = JSON.stringify([v, stored, await hash(`c:${req.b.contact_id}`), await exported('csat')]);
    expectNoSsn(everything);
    expectNoSsn(server.logs.join('\n'));
    expect((await ana.request('agent.state.set', { status: 'offline' })).t).toBe('ok');
    ana.close();
    cust.close();
  });

  it('masks a message left for a team', async () => {
    const { client: cust } = await customer(server);
    const r = await cust.request('contact.message', {
      topic: 'claim',
      name: `Lee ${fwSsn(' ')}`,
      text: `Please call me about ${fwSsn(EN_DASH)}`,
    });
    expect(r.t).toBe('ok');
    const rec = (await exported('message')).find((m) => m.reference === r.b.reference)!;
    expect(rec).toMatchObject({ customer_name: 'Lee XXX-XX-6789', text: 'Please call me about XXX-XX-6789' });
    expectNoSsn(JSON.stringify(rec));
    cust.close();
  });

  it('masks the title of a task pushed over the API', async () => {
    const sup = await login(server, 'sam');
    const res = await fetch(`${server.base}/api/tasks`, {
      method: 'POST',
      headers: { cookie: sup.cookie!, 'content-type': 'application/json' },
      body: JSON.stringify({
        queue: 'reviews',
        external_id: 'RESEA-77',
        due_in_s: 3600,
        title: `Work-search review for ${fwSsn(FW_HYPHEN)}`,
      }),
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as Record<string, unknown>;
    const task = await hash(`c:${body.task_id}`);
    expect(task.title).toBe('Work-search review for XXX-XX-6789');
    expectNoSsn(JSON.stringify(task));
  });
});
