// Statistics in Redis for a scripted conversation with known timings: the server runs on a
// frozen test clock (it moves only when the test advances it), so every duration is exact and
// the bucket hashes must hold exactly the expected sums and counts (DESIGN.md "Metric
// definitions", docs/redis-keys.md "Statistics").
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  respMap,
  sanitizerReports,
  startRedis,
  startServer,
  testPasswordHash,
  waitFor,
  type Redis,
  type Server,
} from '../support/harness.ts';
import { customer, staff, type Client } from '../support/client.ts';

const P = 'sb:{metrics-it}:';

function config(port: number, redis: string): string {
  const hash = testPasswordHash();
  return `
deployment: metrics-it
listen: {host: 127.0.0.1, port: ${port}}
redis: {address: ${redis}}
allowed_origins: [http://127.0.0.1:${port}]
widget_origins: [http://agency.example]
languages: [en]
routing: {decline_cooldown_s: 0, max_missed_offers: 3, short_abandon_s: 10}
skills: [{id: claims}]
queues:
  - {id: mq, name: Metrics queue, channels: [chat], skills: [{skill: claims, min: 1}], languages: [en],
     offer_timeout_s: 30, service_level: {percent: 80, threshold_s: 60}, wrapup_limit_s: 600}
topics:
  - {id: claim, queue: mq, label: {en: A claim question}}
staff:
  - {username: mo, display_name: Mo Agent, role: agent, password_hash: "${hash}", skills: {claims: 3}, languages: [en], queues: [mq], capacity: {chat: 2}}
dispositions: [{code: resolved, label: Resolved}]
service_codes: [{code: claim-status, label: Claim status}]
away_reasons: [Break]
`;
}

let redis: Redis;
let server: Server;

beforeAll(async () => {
  redis = await startRedis();
  server = await startServer({ redis, yaml: config, frozenClock: true });
});

afterAll(async () => {
  const r = await server.stop();
  expect(sanitizerReports(server)).toEqual([]);
  expect(r.code).toBe(0);
  await redis.stop();
});

/** Every bucket of a queue or agent, summed field by field (the documented way to read them). */
async function totals(kind: 'q' | 'a', id: string): Promise<Record<string, number>> {
  const keys = (await redis.query('KEYS', `${P}st:${kind}:${id}:*`)) as string[];
  const sum: Record<string, number> = {};
  for (const k of keys) {
    for (const [f, v] of Object.entries(respMap(await redis.query('HGETALL', k)))) {
      if (f.startsWith('_w:') || f === 'sl_threshold_ms') continue;
      sum[f] = (sum[f] ?? 0) + Number(v);
    }
  }
  return sum;
}

async function live(): Promise<Record<string, string>> {
  return respMap(await redis.query('HGETALL', `${P}st:live`));
}

async function say(c: Client, conv: string, id: string, text: string) {
  const r = await c.request('chat.send', { conversation_id: conv, client_msg_id: id, text });
  expect(r.t).toBe('ok');
}

describe('statistics of a scripted day', () => {
  it('records waits, responses, handle time, offers, abandons, CSAT, status time and concurrency exactly', async () => {
    const adv = (s: number) => server.advance(s * 1000);
    const { client: mo } = await staff(server, 'mo');
    await mo.take('staff.setup');
    expect((await mo.request('agent.state.set', { status: 'available' })).t).toBe('ok');

    // t=0: a customer asks; Mo is offered the chat at once
    const { client: cust } = await customer(server);
    await cust.take('customer.setup');
    const req = await cust.request('contact.request', { topic: 'claim', channel: 'chat', name: 'Ann' });
    const contact = req.b.contact_id as string;
    const conv = req.b.conversation_id as string;
    const o1 = await mo.take('offer', (e) => e.b.contact_id === contact);
    // t=4: declined (no cool-down here): offered again at once
    await adv(4);
    expect((await mo.request('offer.decline', { offer_id: o1.b.offer_id })).t).toBe('ok');
    const o2 = await mo.take('offer', (e) => e.b.offer_id !== o1.b.offer_id);
    // t=34: that offer times out and comes straight back
    await adv(30);
    await mo.take('offer.gone', (e) => e.b.offer_id === o2.b.offer_id);
    const o3 = await mo.take(
      'offer',
      (e) => e.b.offer_id !== o1.b.offer_id && e.b.offer_id !== o2.b.offer_id,
    );
    // t=40: accepted after a 40 s wait (within the 60 s service level)
    await adv(6);
    expect((await mo.request('offer.accept', { offer_id: o3.b.offer_id })).t).toBe('ok');
    await mo.take('chat.open', (e) => e.b.conversation_id === conv);
    await cust.take('contact.status', (e) => e.b.state === 'assigned');
    // t=41: the next flush shows one conversation in the queue, for Mo, in all
    await adv(1);
    await waitFor('the live gauges', async () => (await live())['q:mq'] === '1');
    expect(await live()).toMatchObject({ total: '1', 'q:mq': '1', 'a:mo': '1' });
    // t=41 the customer writes; t=48 Mo answers: first response 8 s (from the accept), response 7 s
    await say(cust, conv, 'c-1', 'hello');
    await adv(7);
    await say(mo, conv, 'a-1', 'Hi Ann');
    // t=51 and t=53 two customer messages; t=61 one answer: a response of 10 s
    await adv(3);
    await say(cust, conv, 'c-2', 'my claim');
    await adv(2);
    await say(cust, conv, 'c-3', 'is late');
    await adv(8);
    await say(mo, conv, 'a-2', 'Let me look');
    // t=66 a private note is not a response
    await adv(5);
    await mo.request('chat.send', {
      conversation_id: conv,
      client_msg_id: 'n-1',
      text: 'note',
      private: true,
    });
    // t=68 Mo ends (talk 28 s); t=88 wrap-up done (20 s)
    await adv(2);
    expect((await mo.request('contact.end', { contact_id: contact })).t).toBe('ok');
    await adv(20);
    expect(
      (
        await mo.request('contact.wrapup', {
          contact_id: contact,
          disposition: 'resolved',
          service_codes: [],
        })
      ).t,
    ).toBe('ok');
    expect((await cust.request('chat.rate', { conversation_id: conv, score: 4 })).t).toBe('ok');
    // t=88 Mo takes a break (available for 88 s)
    expect((await mo.request('agent.state.set', { status: 'away', reason: 'Break' })).t).toBe('ok');
    cust.close();

    // two customers leave the line: at t=93 after 5 s (a short abandon), at t=123 after 30 s
    const c2 = await customer(server);
    await c2.client.take('customer.setup');
    const r2 = await c2.client.request('contact.request', { topic: 'claim', channel: 'chat', name: 'Bea' });
    await adv(5);
    expect((await c2.client.request('contact.cancel', { contact_id: r2.b.contact_id })).t).toBe('ok');
    const c3 = await customer(server);
    await c3.client.take('customer.setup');
    const r3 = await c3.client.request('contact.request', { topic: 'claim', channel: 'chat', name: 'Cal' });
    await adv(30);
    expect((await c3.client.request('contact.cancel', { contact_id: r3.b.contact_id })).t).toBe('ok');
    // t=123 Mo signs off (away for 35 s)
    expect((await mo.request('agent.state.set', { status: 'offline' })).t).toBe('ok');
    c2.client.close();
    c3.client.close();

    // t=124: the next flush writes everything
    await adv(1);
    const expected = {
      offers: 3,
      offers_accepted: 1,
      offers_declined: 1,
      offers_timed_out: 1,
      answered: 1,
      answered_sl: 1,
      'answered.chat': 1,
      'answered_sl.chat': 1,
      wait_sum_ms: 40_000,
      wait_n: 1,
      first_resp_sum_ms: 8_000,
      first_resp_n: 1,
      resp_sum_ms: 7_000 + 10_000,
      resp_n: 2,
      talk_sum_ms: 28_000,
      talk_n: 1,
      wrap_sum_ms: 20_000,
      wrap_n: 1,
      handle_sum_ms: 48_000,
      handle_n: 1,
      'handle_sum_ms.chat': 48_000,
      'handle_n.chat': 1,
      csat_sum: 4,
      csat_n: 1,
      csat_4: 1,
    };
    await waitFor('the statistics', async () => (await totals('a', 'mo'))['time_ms:away:Break'] === 35_000);
    const q = await totals('q', 'mq');
    expect(q).toMatchObject({
      ...expected,
      abandoned: 2,
      short_abandoned: 1,
      'abandoned.chat': 2,
      'short_abandoned.chat': 1,
      abandon_wait_sum_ms: 35_000,
    });
    // service level = answered within T / (answered + abandoned - short abandons) = 1 / 2
    expect(q.answered_sl / (q.answered + q.abandoned - q.short_abandoned)).toBe(0.5);
    const a = await totals('a', 'mo');
    expect(a).toMatchObject(expected);
    expect(a['time_ms:available']).toBe(88_000);
    expect(a['time_ms:away']).toBe(35_000);
    expect(a['time_ms:away:Break']).toBe(35_000);
    // nothing is held any more
    expect((await live())['q:mq']).toBeUndefined();
    expect((await live()).total ?? '0').toBe('0');
    mo.close();
  });
});
