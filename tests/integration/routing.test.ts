// Routing end to end with the real server (sanitizer build) and Redis, over the protocol: offers,
// accept and decline, timeouts driven by the test clock, wrap-up, agents who vanish, a server
// killed with kill -9 and restarted, closed queues, one session per agent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  sanitizerReports,
  startRedis,
  startServer,
  testPasswordHash,
  waitFor,
  type Redis,
  type Server,
} from '../support/harness.ts';
import { customer, staff, type Client } from '../support/client.ts';

const OFFER_S = 30;
const GRACE_S = 20;

function day(offset: number): string {
  return new Date(Date.now() + offset * 86400_000).toISOString().slice(0, 10);
}

function routingConfig(port: number, redis: string): string {
  const hash = testPasswordHash();
  const origin = `http://127.0.0.1:${port}`;
  // "closed" is open all day except on the next three days (holidays), so it is closed now and
  // its next opening is the midnight (UTC) after them
  return `
deployment: routing-it
listen: {host: 127.0.0.1, port: ${port}}
redis: {address: ${redis}}
allowed_origins: [${origin}]
widget_origins: [http://agency.example]
languages: [en, es]
routing: {decline_cooldown_s: 60, max_missed_offers: 2, disconnect_grace_s: ${GRACE_S}}
skills: [{id: claims}]
queues:
  - {id: claims, name: Claim questions, channels: [chat, voice], skills: [{skill: claims, min: 1}],
     languages: [en, es], offer_timeout_s: ${OFFER_S}}
  - id: closed
    name: Employer services
    channels: [chat]
    languages: [en]
    hours:
      timezone: UTC
      weekly: {sun: "00:00-24:00", mon: "00:00-24:00", tue: "00:00-24:00", wed: "00:00-24:00", thu: "00:00-24:00", fri: "00:00-24:00", sat: "00:00-24:00"}
      holidays: ["${day(0)}", "${day(1)}", "${day(2)}"]
  - id: after-hours
    name: Evening line
    channels: [chat]
    languages: [en]
    overflow: {kind: queue, queue: claims}
    hours:
      timezone: UTC
      weekly: {sun: "00:00-24:00", mon: "00:00-24:00", tue: "00:00-24:00", wed: "00:00-24:00", thu: "00:00-24:00", fri: "00:00-24:00", sat: "00:00-24:00"}
      holidays: ["${day(0)}", "${day(1)}", "${day(2)}"]
  - {id: reviews, name: RESEA work-search reviews, channels: [task], languages: [en]}
topics:
  - {id: claim, queue: claims, label: {en: A claim question}}
  - {id: employer, queue: closed, label: {en: Employer services}}
  - {id: evening, queue: after-hours, label: {en: Evening questions}}
staff:
  - {username: ana, display_name: Ana Agent, role: agent, password_hash: "${hash}", skills: {claims: 3}, languages: [en, es], queues: [claims, reviews], capacity: {chat: 2, call: 1, task: 1}}
  - {username: bo, display_name: Bo Agent, role: agent, password_hash: "${hash}", skills: {claims: 2}, languages: [en], queues: [claims], capacity: {chat: 2, call: 1, task: 1}}
  - {username: sam, display_name: Sam Supervisor, role: supervisor, password_hash: "${hash}", languages: [en]}
dispositions: [{code: resolved, label: Resolved}]
service_codes: [{code: claim-status, label: Claim status}]
away_reasons: [Break]
`;
}

let redis: Redis;
let server: Server;

async function boot(): Promise<Server> {
  return startServer({ redis, yaml: routingConfig });
}

beforeAll(async () => {
  redis = await startRedis();
  server = await boot();
});

afterAll(async () => {
  const r = await server.stop();
  expect(sanitizerReports(server)).toEqual([]);
  expect(r.code).toBe(0);
  await redis.stop();
});

async function agent(name: string, status = 'available'): Promise<Client> {
  const { client } = await staff(server, name);
  await client.take('staff.setup');
  const r = await client.request('agent.state.set', { status });
  expect(r.t).toBe('ok');
  return client;
}

async function ask(lang = 'en', topic = 'claim') {
  const { client, hello } = await customer(server);
  await client.take('customer.setup');
  const r = await client.request('contact.request', { topic, channel: 'chat', lang, name: 'Pat' });
  return { client, hello, reply: r, id: r.b.contact_id as string };
}

/** Redis' view of a contact (HGETALL as a map). */
async function contactInRedis(id: string): Promise<Record<string, string>> {
  const raw = await redis.command('HGETALL', `sb:{routing-it}:c:${id}`);
  // RESP: *N then $len / value pairs; values may be empty
  const lines = raw.split('\r\n');
  const vals: string[] = [];
  for (let i = 0; i < lines.length; i++) if (lines[i].startsWith('$')) vals.push(lines[++i]);
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < vals.length; i += 2) out[vals[i]] = vals[i + 1];
  return out;
}

async function offline(c: Client) {
  expect((await c.request('agent.state.set', { status: 'offline' })).t).toBe('ok');
}

describe('a contact from request to wrap-up', () => {
  it('queues, offers, is accepted, ends and frees the slot', async () => {
    const cust = await ask();
    expect(cust.reply).toMatchObject({ t: 'ok', b: { queue_name: 'Claim questions' } });
    const queued = await cust.client.take('contact.status', (e) => e.b.state === 'queued');
    expect(queued.b.contact_id).toBe(cust.id);
    // nobody available: the customer learns the place in line
    const pos = await cust.client.take('contact.status', (e) => e.b.position !== undefined);
    expect(pos.b).toMatchObject({ state: 'queued', position: 1 });

    const ana = await agent('ana');
    const offer = await ana.take('offer');
    expect(offer.b).toMatchObject({ contact_id: cust.id, channel: 'chat', queue: 'claims', language: 'en' });
    expect(offer.b.remaining_ms).toBeGreaterThan(OFFER_S * 1000 - 5000);
    expect(offer.b.remaining_ms).toBeLessThanOrEqual(OFFER_S * 1000);
    const work = await ana.take('agent.work', (e) => (e.b.items as unknown[]).length === 1);
    expect((work.b.items as Record<string, unknown>[])[0]).toMatchObject({ state: 'offered', offer_id: offer.b.offer_id });

    const acc = await ana.request('offer.accept', { offer_id: offer.b.offer_id });
    expect(acc).toMatchObject({ t: 'ok', b: { contact_id: cust.id } });
    const assigned = await cust.client.take('contact.status', (e) => e.b.state === 'assigned');
    expect(assigned.b.agent_name).toBe('Ana Agent');
    expect(await contactInRedis(cust.id)).toMatchObject({ state: 'assigned', agent: 'ana', version: '3' });

    expect((await ana.request('contact.end', { contact_id: cust.id })).t).toBe('ok');
    await cust.client.take('contact.status', (e) => e.b.state === 'wrapping');
    // the slot is still held during wrap-up
    const wrapping = await ana.take('agent.work', (e) =>
      (e.b.items as Record<string, unknown>[]).some((i) => i.state === 'wrapping'),
    );
    expect(wrapping.b.items).toHaveLength(1);
    // wrap-up codes are checked against the configuration
    const bad = await ana.request('contact.wrapup', { contact_id: cust.id, disposition: 'nope', service_codes: [] });
    expect(bad.b).toMatchObject({ code: 'BAD_FIELD', field: 'disposition' });
    const ok = await ana.request('contact.wrapup', {
      contact_id: cust.id,
      disposition: 'resolved',
      service_codes: ['claim-status'],
      notes: 'Explained the next steps.',
    });
    expect(ok.t).toBe('ok');
    await cust.client.take('contact.status', (e) => e.b.state === 'completed');
    await ana.take('agent.work', (e) => (e.b.items as unknown[]).length === 0);
    const done = await contactInRedis(cust.id);
    expect(done).toMatchObject({ state: 'completed', flagged: '0' });
    expect(await redis.command('SISMEMBER', 'sb:{routing-it}:live', cust.id)).toBe(':0\r\n');
    await offline(ana);
    ana.close();
    cust.client.close();
  });

  it('refuses a second open request from the same customer, and a closed queue with its next opening', async () => {
    const cust = await ask();
    const again = await cust.client.request('contact.request', { topic: 'claim', channel: 'chat', name: 'Pat' });
    expect(again.b.code).toBe('CONFLICT');
    expect((await cust.client.request('contact.cancel', { contact_id: cust.id })).t).toBe('ok');
    await cust.client.take('contact.status', (e) => e.b.state === 'canceled');

    const { client } = await customer(server);
    const setup = await client.take('customer.setup');
    const employer = (setup.b.topics as Record<string, unknown>[]).find((t) => t.id === 'employer')!;
    expect(employer.open).toBe(false);
    const closed = await client.request('contact.request', { topic: 'employer', channel: 'chat', name: 'Pat' });
    expect(closed.b.code).toBe('QUEUE_CLOSED');
    const next = new Date(closed.b.next_open_ms as number).toISOString();
    expect(next).toBe(`${day(3)}T00:00:00.000Z`);
    expect(employer.next_open_ms).toBe(closed.b.next_open_ms);
    const nolang = await client.request('contact.request', { topic: 'employer', channel: 'chat', lang: 'xx', name: 'Pat' });
    expect(nolang.b.code).toBe('NO_SERVICE');
    // a closed queue that overflows to an open one sends new arrivals there, and says it is open
    const evening = (setup.b.topics as Record<string, unknown>[]).find((t) => t.id === 'evening')!;
    expect(evening.open).toBe(true);
    const moved = await client.request('contact.request', { topic: 'evening', channel: 'chat', name: 'Pat' });
    expect(moved).toMatchObject({ t: 'ok', b: { queue_name: 'Claim questions' } });
    expect(await contactInRedis(moved.b.contact_id as string)).toMatchObject({ queue: 'claims', state: 'queued' });
    expect((await client.request('contact.cancel', { contact_id: moved.b.contact_id })).t).toBe('ok');
    cust.client.close();
    client.close();
  });
});

describe('a wrap-up nobody submits', () => {
  it('completes at the time limit with the default disposition, flagged', async () => {
    const ana = await agent('ana');
    const cust = await ask();
    const offer = await ana.take('offer', (e) => e.b.contact_id === cust.id);
    expect((await ana.request('offer.accept', { offer_id: offer.b.offer_id })).t).toBe('ok');
    expect((await ana.request('contact.end', { contact_id: cust.id })).t).toBe('ok');
    const w = await ana.take('agent.work', (e) =>
      (e.b.items as Record<string, unknown>[]).some((i) => i.contact_id === cust.id && i.state === 'wrapping'),
    );
    const item = (w.b.items as Record<string, unknown>[]).find((i) => i.contact_id === cust.id)!;
    // the queue's default wrapup_limit_s, counted down from when it was sent
    expect(item.remaining_ms).toBeGreaterThan(110_000);
    expect(item.remaining_ms).toBeLessThanOrEqual(120_000);
    await server.advance(120_001);
    await ana.take('agent.work', (e) => (e.b.items as unknown[]).length === 0);
    expect(await contactInRedis(cust.id)).toMatchObject({
      state: 'completed',
      flagged: '1',
      disposition: 'no_wrapup',
      services: '',
    });
    await offline(ana);
    ana.close();
    cust.client.close();
  });
});

describe('offers that are not accepted', () => {
  it('a declined contact goes to the next agent and not back to the one who declined', async () => {
    const ana = await agent('ana');
    const cust = await ask();
    const first = await ana.take('offer', (e) => e.b.contact_id === cust.id);
    const bo = await agent('bo');
    expect((await ana.request('offer.decline', { offer_id: first.b.offer_id, reason: 'wrong topic' })).t).toBe('ok');
    const second = await bo.take('offer', (e) => e.b.contact_id === cust.id);
    // Bo lets it time out: the clock moves, the offer lapses, and it is not offered to Ana
    // (still in her cool-down) but waits
    await server.advance(OFFER_S * 1000 + 1);
    const gone = await bo.take('offer.gone', (e) => e.b.offer_id === second.b.offer_id);
    expect(gone.b.reason).toBe('expired');
    const late = await bo.request('offer.accept', { offer_id: second.b.offer_id });
    expect(late.b.code).toBe('OFFER_EXPIRED');
    const waiting = await contactInRedis(cust.id);
    expect(waiting.state === 'queued' || (waiting.state === 'offered' && waiting.agent === 'bo')).toBe(true);
    for (const c of [ana, bo]) await offline(c);
    (await cust.client.request('contact.cancel', { contact_id: cust.id })).t;
    ana.close();
    bo.close();
    cust.client.close();
  });

  it('gives the contact to exactly one agent when an accept races the deadline', async () => {
    const bo = await agent('bo');
    const cust = await ask();
    const offer = await bo.take('offer', (e) => e.b.contact_id === cust.id);
    // shortly before the deadline (the server's clock also runs in real time), the accept wins
    const now = await server.advance(0);
    await server.advance((offer.b.deadline_ms as number) - now - 200);
    const acc = await bo.request('offer.accept', { offer_id: offer.b.offer_id });
    expect(acc.t).toBe('ok');
    expect(await contactInRedis(cust.id)).toMatchObject({ state: 'assigned', agent: 'bo' });
    expect((await bo.request('contact.end', { contact_id: cust.id })).t).toBe('ok');
    expect(
      (await bo.request('contact.wrapup', { contact_id: cust.id, disposition: 'resolved', service_codes: [] })).t,
    ).toBe('ok');

    // at the deadline the accept loses, and the contact goes to the other agent, once
    const ana = await agent('ana');
    const cust2 = await ask();
    // whoever is offered it (without consuming the other agent's events)
    const has = (c: Client) => c.events.some((e) => e.t === 'offer' && e.b.contact_id === cust2.id);
    await waitFor('an offer of the new contact', () => has(ana) || has(bo));
    const who = has(ana) ? ana : bo;
    const o2 = { who, e: await who.take('offer', (e) => e.b.contact_id === cust2.id) };
    const other = o2.who === bo ? ana : bo;
    const now2 = await server.advance(0);
    await server.advance(Math.max(0, (o2.e.b.deadline_ms as number) - now2));
    const lost = await o2.who.request('offer.accept', { offer_id: o2.e.b.offer_id });
    // also when the timeout's own commit is still in flight (a loaded machine)
    expect(lost.b.code).toBe('OFFER_EXPIRED');
    const next = await other.take('offer', (e) => e.b.contact_id === cust2.id);
    expect((await other.request('offer.accept', { offer_id: next.b.offer_id })).t).toBe('ok');
    const r = await contactInRedis(cust2.id);
    expect(r.state).toBe('assigned');
    expect(r.agent).toBe(other === ana ? 'ana' : 'bo');
    await other.request('contact.end', { contact_id: cust2.id });
    await other.request('contact.wrapup', { contact_id: cust2.id, disposition: 'resolved', service_codes: [] });
    for (const c of [ana, bo]) await offline(c);
    ana.close();
    bo.close();
    cust.client.close();
    cust2.client.close();
  });

  it('sets an agent away after offers time out twice in a row', async () => {
    const bo = await agent('bo');
    for (let i = 0; i < 2; i++) {
      const cust = await ask();
      const o = await bo.take('offer', (e) => e.b.contact_id === cust.id);
      await server.advance((o.b.remaining_ms as number) + 1);
      await bo.take('offer.gone', (e) => e.b.offer_id === o.b.offer_id);
      await cust.client.request('contact.cancel', { contact_id: cust.id });
      cust.client.close();
    }
    const st = await bo.take('agent.state', (e) => e.b.status === 'away');
    expect(st.b.reason).toBe('Missed offers');
    await offline(bo);
    bo.close();
  });
});

describe('agents who vanish', () => {
  it('re-queues what an agent held after the grace period, at its original place', async () => {
    const ana = await agent('ana');
    const cust = await ask();
    const o = await ana.take('offer', (e) => e.b.contact_id === cust.id);
    expect((await ana.request('offer.accept', { offer_id: o.b.offer_id })).t).toBe('ok');
    await cust.client.take('contact.status', (e) => e.b.state === 'assigned');
    const enqueued = Number((await contactInRedis(cust.id)).enq_ms);
    ana.ws.terminate(); // no close handshake: the connection just goes
    await waitFor('the server to notice', async () => (await server.metric('sb_connections', { role: 'agent' })) === 0);
    // within the grace nothing moves
    await server.advance(GRACE_S * 1000 - 1000);
    expect((await contactInRedis(cust.id)).state).toBe('assigned');
    await server.advance(2000);
    const back = await cust.client.take('contact.status', (e) => e.b.state === 'queued' && e.b.reason !== undefined);
    expect(back.b.reason).toBe('agent_unavailable');
    const r = await contactInRedis(cust.id);
    expect(r).toMatchObject({ state: 'queued', agent: '' });
    expect(Number(r.enq_ms)).toBe(enqueued);
    // the next agent gets it
    const bo = await agent('bo');
    await bo.take('offer', (e) => e.b.contact_id === cust.id);
    await offline(bo);
    await cust.client.request('contact.cancel', { contact_id: cust.id });
    bo.close();
    cust.client.close();
  });

  it('keeps everything for an agent who comes back within the grace period', async () => {
    const ana = await agent('ana');
    const cust = await ask();
    const o = await ana.take('offer', (e) => e.b.contact_id === cust.id);
    await ana.request('offer.accept', { offer_id: o.b.offer_id });
    ana.ws.terminate();
    await server.advance(GRACE_S * 1000 - 5000);
    const again = await agent('ana');
    const work = await again.take('agent.work', (e) => (e.b.items as unknown[]).length === 1);
    expect((work.b.items as Record<string, unknown>[])[0]).toMatchObject({ contact_id: cust.id, state: 'assigned' });
    await server.advance(10_000);
    expect((await contactInRedis(cust.id)).state).toBe('assigned');
    await again.request('contact.end', { contact_id: cust.id });
    await again.request('contact.wrapup', { contact_id: cust.id, disposition: 'resolved', service_codes: [] });
    await offline(again);
    again.close();
    cust.client.close();
  });

  it('lets the newer session of an agent take over and tells the older one why', async () => {
    const first = await agent('ana');
    const second = await agent('ana');
    const closed = await first.closed;
    expect(closed.code).toBe(4002);
    expect(closed.reason).toMatch(/another screen/);
    await offline(second);
    second.close();
  });
});

describe('tasks pushed by the server', () => {
  async function push(cookie: string, body: Record<string, unknown>) {
    const r = await fetch(`${server.base}/api/tasks`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: r.status, body: await r.json() };
  }

  it('routes tasks by due time, only to an agent with no live contact, and creates each once', async () => {
    const { login } = await import('../support/client.ts');
    const sup = await login(server, 'sam');
    const agentLogin = await login(server, 'bo');
    expect((await push(agentLogin.cookie!, { queue: 'reviews', external_id: 'x', due_in_s: 1 })).status).toBe(403);
    expect((await push(sup.cookie!, { queue: 'claims', external_id: 'x', due_in_s: 1 })).status).toBe(400);
    // Ana takes a chat first; tasks pushed meanwhile wait: she holds a live contact
    const ana = await agent('ana');
    const cust = await ask();
    const chat = await ana.take('offer', (e) => e.b.contact_id === cust.id);
    await ana.request('offer.accept', { offer_id: chat.b.offer_id });
    const now = Date.now();
    const late = await push(sup.cookie!, { queue: 'reviews', external_id: 'RESEA-2', due_at_ms: now + 7200_000, title: 'Review B' });
    const soon = await push(sup.cookie!, { queue: 'reviews', external_id: 'RESEA-1', due_at_ms: now + 3600_000, title: 'Review A' });
    expect(late).toMatchObject({ status: 201, body: { created: true } });
    expect(soon.status).toBe(201);
    const again = await push(sup.cookie!, { queue: 'reviews', external_id: 'RESEA-1', due_in_s: 5 });
    expect(again).toMatchObject({ status: 200, body: { task_id: soon.body.task_id, created: false } });
    expect(await contactInRedis(soon.body.task_id)).toMatchObject({ state: 'queued', channel: 'task', title: 'Review A' });
    await ana.take('agent.work');
    expect(ana.events.some((e) => e.t === 'offer' && e.b.channel === 'task')).toBe(false);
    await ana.request('contact.end', { contact_id: cust.id });
    await ana.request('contact.wrapup', { contact_id: cust.id, disposition: 'resolved', service_codes: [] });
    // then the task due first, although it was pushed second
    const t1 = await ana.take('offer', (e) => e.b.channel === 'task');
    expect(t1.b.contact_id).toBe(soon.body.task_id);
    expect((await ana.request('offer.accept', { offer_id: t1.b.offer_id })).t).toBe('ok');
    await ana.request('contact.end', { contact_id: t1.b.contact_id });
    await ana.request('contact.wrapup', { contact_id: t1.b.contact_id, disposition: 'resolved', service_codes: [] });
    const t2 = await ana.take('offer', (e) => e.b.channel === 'task');
    expect(t2.b.contact_id).toBe(late.body.task_id);
    await ana.request('offer.decline', { offer_id: t2.b.offer_id });
    await offline(ana);
    ana.close();
    cust.client.close();
  });
});

describe('a server killed with kill -9', () => {
  it('finds the same contacts in the same order after a restart, nothing lost or doubled', async () => {
    const custs: Awaited<ReturnType<typeof ask>>[] = [];
    for (let i = 0; i < 4; i++) custs.push(await ask(i % 2 ? 'es' : 'en'));
    const tokens = custs.map((c) => c.hello.b.resume_token as string);
    // one of them is offered to an agent when the server dies
    const ana = await agent('ana');
    const offered = await ana.take('offer');
    const before = await redis.command('SMEMBERS', 'sb:{routing-it}:live');
    server.proc.kill('SIGKILL');
    await server.exit;
    for (const c of custs) c.client.close();
    ana.close();
    server = await boot();
    // every customer comes back to the same contact
    const back = [];
    for (let i = 0; i < custs.length; i++) {
      const r = await customer(server, { resumeToken: tokens[i] });
      expect(r.hello.b.contact_id).toBe(custs[i].id);
      back.push(r);
    }
    expect(await redis.command('SMEMBERS', 'sb:{routing-it}:live')).toBe(before);
    // the waiting ones keep their order: positions follow arrival (English and Spanish lines)
    const waiting = back.filter((_, i) => custs[i].id !== offered.b.contact_id);
    const positions: { id: unknown; pos: unknown }[] = [];
    for (const w of waiting) {
      const st = await w.client.take('contact.status', (e) => e.b.position !== undefined);
      positions.push({ id: w.hello.b.contact_id, pos: st.b.position });
    }
    // positions are counted per language line, in arrival order, from 1
    for (const lang of ['en', 'es']) {
      const line = custs
        .map((c, i) => ({ id: c.id, lang: i % 2 ? 'es' : 'en' }))
        .filter((c) => c.lang === lang && c.id !== offered.b.contact_id)
        .map((c) => positions.find((p) => p.id === c.id)!.pos);
      expect(line).toEqual(line.map((_, i) => i + 1));
    }
    expect(positions.length).toBe(3);
    // the unexpired offer stays valid: the agent finds it when reconnecting
    const again = await agent('ana', 'available');
    const work = await again.take('agent.work', (e) =>
      (e.b.items as Record<string, unknown>[]).some((i) => i.contact_id === offered.b.contact_id),
    );
    expect(work).toBeTruthy();
    const acc = await again.request('offer.accept', { offer_id: offered.b.offer_id });
    expect(acc.t).toBe('ok');
    expect(await contactInRedis(offered.b.contact_id as string)).toMatchObject({ state: 'assigned', agent: 'ana' });
    await again.request('contact.end', { contact_id: offered.b.contact_id });
    await again.request('contact.wrapup', { contact_id: offered.b.contact_id, disposition: 'resolved', service_codes: [] });
    await offline(again);
    for (const b of back) {
      await b.client.request('contact.cancel', { contact_id: b.hello.b.contact_id });
      b.client.close();
    }
    again.close();
  });
});
