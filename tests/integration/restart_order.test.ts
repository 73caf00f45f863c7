// Order survives a restart exactly. With the clock frozen, every contact arrives in the same
// millisecond, so only the arrival order tells them apart; that order lived only in memory, and
// a restart (which reads the live set, in Redis' own order) re-ordered them. After kill -9 and a
// restart every queue keeps its order and every customer is told the same place in line; tasks
// keep their due time (POST /api/tasks once stored 0) and their order among equal due times.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  sanitizerReports,
  startRedis,
  startServer,
  testPasswordHash,
  type Redis,
  type Server,
} from '../support/harness.ts';
import { customer, login, staff, type Client } from '../support/client.ts';

function config(port: number, redis: string): string {
  const hash = testPasswordHash();
  return `
deployment: order-it
listen: {host: 127.0.0.1, port: ${port}}
redis: {address: ${redis}}
allowed_origins: [http://127.0.0.1:${port}]
widget_origins: [http://agency.example]
languages: [en]
skills: [{id: claims}]
queues:
  - {id: claims, name: Claim questions, channels: [chat], skills: [{skill: claims, min: 1}], languages: [en]}
  - {id: reviews, name: RESEA work-search reviews, channels: [task], languages: [en]}
topics:
  - {id: claim, queue: claims, label: {en: A claim question}}
staff:
  - {username: ana, display_name: Ana Agent, role: agent, password_hash: "${hash}", skills: {claims: 3}, languages: [en], queues: [claims], capacity: {chat: 1}}
  - {username: bo, display_name: Bo Agent, role: agent, password_hash: "${hash}", languages: [en], queues: [reviews], capacity: {task: 1}}
  - {username: sam, display_name: Sam Supervisor, role: supervisor, password_hash: "${hash}", languages: [en]}
dispositions: [{code: resolved, label: Resolved}]
`;
}

let redis: Redis;
let server: Server;
const boot = () => startServer({ redis, yaml: config, frozenClock: true });

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

/** The last place in line a customer was told, once it has been told one. */
async function position(c: Client): Promise<number> {
  await c.take('contact.status', (e) => e.b.position !== undefined);
  const all = c.events.filter((e) => e.t === 'contact.status' && e.b.position !== undefined);
  return all[all.length - 1].b.position as number;
}

async function pushTask(cookie: string, body: Record<string, unknown>) {
  const r = await fetch(`${server.base}/api/tasks`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(r.status).toBe(201);
  return (await r.json()).task_id as string;
}

async function work(agent: Client, channel: string, n: number): Promise<string[]> {
  const got: string[] = [];
  for (let i = 0; i < n; i++) {
    const o = await agent.take('offer', (e) => e.b.channel === channel);
    got.push(o.b.contact_id as string);
    expect((await agent.request('offer.accept', { offer_id: o.b.offer_id })).t).toBe('ok');
    expect((await agent.request('contact.end', { contact_id: o.b.contact_id })).t).toBe('ok');
    const done = await agent.request('contact.wrapup', {
      contact_id: o.b.contact_id,
      disposition: 'resolved',
      service_codes: [],
    });
    expect(done.t).toBe('ok');
  }
  return got;
}

describe('kill -9 and a restart', () => {
  it('keep every queue in order, ties of the same millisecond included, and tasks in due order', async () => {
    const N = 10; // positions are exact up to 10
    const custs: { client: Client; id: string; token: string }[] = [];
    for (let i = 0; i < N; i++) {
      const { client, hello } = await customer(server);
      await client.take('customer.setup');
      const r = await client.request('contact.request', { topic: 'claim', channel: 'chat', lang: 'en', name: `P${i}` });
      expect(r.t).toBe('ok');
      custs.push({ client, id: r.b.contact_id as string, token: hello.b.resume_token as string });
    }
    const sup = await login(server, 'sam');
    const due = Date.now() + 3600_000;
    // two tasks due at the same moment, pushed in this order, and one due earlier pushed last
    const t1 = await pushTask(sup.cookie!, { queue: 'reviews', external_id: 'R-1', due_at_ms: due, title: 'First' });
    const t2 = await pushTask(sup.cookie!, { queue: 'reviews', external_id: 'R-2', due_at_ms: due, title: 'Second' });
    const t0 = await pushTask(sup.cookie!, { queue: 'reviews', external_id: 'R-0', due_at_ms: due - 600_000, title: 'Earlier' });
    expect(await redis.command('HGET', `sb:{order-it}:c:${t1}`, 'due_ms')).toBe(`$${String(due).length}\r\n${due}\r\n`);
    // every contact arrived in the same millisecond of the frozen clock
    const created = new Set<string>();
    for (const c of custs) created.add(await redis.command('HGET', `sb:{order-it}:c:${c.id}`, 'created_ms'));
    expect(created.size).toBe(1);
    await server.advance(1100);
    const before = [];
    for (const c of custs) before.push(await position(c.client));
    expect(before).toEqual(custs.map((_, i) => i + 1));

    server.proc.kill('SIGKILL');
    await server.exit;
    for (const c of custs) c.client.close();
    server = await boot();

    const back: Client[] = [];
    for (const c of custs) {
      const r = await customer(server, { resumeToken: c.token });
      expect(r.hello.b.contact_id).toBe(c.id);
      back.push(r.client);
    }
    await server.advance(1100);
    const after = [];
    for (const b of back) after.push(await position(b));
    expect(after).toEqual(before);

    // served in that order, and the tasks by due time, then in the order they came
    const { client: ana } = await staff(server, 'ana');
    await ana.take('staff.setup');
    await ana.request('agent.state.set', { status: 'available' });
    expect(await work(ana, 'chat', 4)).toEqual(custs.slice(0, 4).map((c) => c.id));
    const { client: bo } = await staff(server, 'bo');
    await bo.take('staff.setup');
    await bo.request('agent.state.set', { status: 'available' });
    expect(await work(bo, 'task', 3)).toEqual([t0, t1, t2]);
    for (const b of back) b.close();
    ana.close();
    bo.close();
  }, 60_000);
});
