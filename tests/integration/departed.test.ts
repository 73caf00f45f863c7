// Customers who leave, and what staff can learn about work that is not theirs.
//
// Nobody is assigned to a customer who is gone: a customer who closes the widget keeps the place
// for the resume window, but is not offered to anyone until back, and an offer already out is
// withdrawn at once (a late accept hears OFFER_WITHDRAWN). An agent whose answered customer left
// sees when, and until when they can come back, and can end the chat at once.
//
// No existence oracle: every staff request on a contact, offer or conversation that is not theirs
// answers exactly as for one that does not exist.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sanitizerReports, startServer, testPasswordHash, type Server } from '../support/harness.ts';
import type { Envelope } from '../../agent-client/src/proto/codec.ts';
import { customer, staff, type Client } from '../support/client.ts';

const RESUME_S = 600;

function config(port: number, redis: string): string {
  const hash = testPasswordHash();
  return `
deployment: departed-it
listen: {host: 127.0.0.1, port: ${port}}
redis: {address: ${redis}}
allowed_origins: [http://127.0.0.1:${port}]
widget_origins: [http://agency.example]
auth: {resume_ttl_s: ${RESUME_S}}
languages: [en]
skills: [{id: claims}]
queues:
  - {id: claims, name: Claim questions, channels: [chat], skills: [{skill: claims, min: 1}], languages: [en]}
topics:
  - {id: claim, queue: claims, label: {en: A claim question}}
staff:
  - {username: ana, display_name: Ana Agent, role: agent, password_hash: "${hash}", skills: {claims: 3}, languages: [en], queues: [claims], capacity: {chat: 2}}
  - {username: bo, display_name: Bo Agent, role: agent, password_hash: "${hash}", skills: {claims: 3}, languages: [en], queues: [claims], capacity: {chat: 2}}
dispositions: [{code: resolved, label: Resolved}]
identity_methods: [Claim ID + date of birth]
`;
}

let server: Server;

beforeAll(async () => {
  server = await startServer({ yaml: config });
});

afterAll(async () => {
  const r = await server.stop();
  expect(sanitizerReports(server)).toEqual([]);
  expect(r.code).toBe(0);
});

async function agent(name: string, status = 'available'): Promise<Client> {
  const { client } = await staff(server, name);
  await client.take('staff.setup');
  expect((await client.request('agent.state.set', { status })).t).toBe('ok');
  return client;
}

async function ask(name = 'Pat') {
  const { client, hello } = await customer(server);
  await client.take('customer.setup');
  const r = await client.request('contact.request', { topic: 'claim', channel: 'chat', lang: 'en', name });
  expect(r.t).toBe('ok');
  return {
    client,
    id: r.b.contact_id as string,
    conv: r.b.conversation_id as string,
    token: hello.b.resume_token as string,
  };
}

async function closeAndWait(c: Client) {
  c.close();
  await c.closed;
}

type Item = Record<string, unknown>;
const items = (e: Envelope) => e.b.items as Item[];

describe('a customer who leaves the line', () => {
  it('is not offered while gone, and is offered at once when back, in the same place', async () => {
    const first = await ask('First');
    const second = await ask('Second');
    await closeAndWait(first.client);
    const ana = await agent('ana');
    // the one behind is offered; the one who left keeps the place but is not offered
    const offer = await ana.take('offer');
    expect(offer.b.contact_id).toBe(second.id);
    expect((await ana.request('offer.decline', { offer_id: offer.b.offer_id })).t).toBe('ok');
    await ana.take('agent.work', (e) => items(e).length === 0);
    await server.advance(5000);
    expect(ana.events.some((e) => e.t === 'offer' && e.b.contact_id === first.id)).toBe(false);
    // back within the resume window: offered now
    const back = await customer(server, { resumeToken: first.token });
    expect(back.hello.b.contact_id).toBe(first.id);
    const again = await ana.take('offer', (e) => e.b.contact_id === first.id);
    expect((await ana.request('offer.decline', { offer_id: again.b.offer_id })).t).toBe('ok');
    // not back in time: abandoned as before
    await closeAndWait(back.client);
    await server.advance(RESUME_S * 1000 + 1000);
    await closeAndWait(second.client);
    await server.advance(RESUME_S * 1000 + 1000);
    expect((await ana.request('agent.state.set', { status: 'offline' })).t).toBe('ok');
    ana.close();
  });

  it('withdraws an offer out when the customer leaves, and a late accept says why', async () => {
    const ana = await agent('ana');
    const cust = await ask('Leaving Lee');
    const offer = await ana.take('offer', (e) => e.b.contact_id === cust.id);
    await closeAndWait(cust.client);
    const gone = await ana.take('offer.gone', (e) => e.b.offer_id === offer.b.offer_id);
    expect(gone.b.reason).toBe('withdrawn');
    const late = await ana.request('offer.accept', { offer_id: offer.b.offer_id });
    expect(late.b).toMatchObject({ code: 'OFFER_WITHDRAWN' });
    // nobody else is offered the customer meanwhile, and Ana missed nothing
    const bo = await agent('bo');
    await bo.take('agent.work');
    expect(bo.events.some((e) => e.t === 'offer' && e.b.contact_id === cust.id)).toBe(false);
    expect(ana.last('agent.state')?.b.status).toBe('available');
    const back = await customer(server, { resumeToken: cust.token });
    const who = await Promise.race([
      ana.take('offer', (e) => e.b.contact_id === cust.id).then(() => ana),
      bo.take('offer', (e) => e.b.contact_id === cust.id).then(() => bo),
    ]);
    expect([ana, bo]).toContain(who);
    expect((await back.client.request('contact.cancel', { contact_id: cust.id })).t).toBe('ok');
    for (const a of [ana, bo]) {
      expect((await a.request('agent.state.set', { status: 'offline' })).t).toBe('ok');
      a.close();
    }
    back.client.close();
  });

  it('shows the agent when an answered customer left and until when, and the chat can end now', async () => {
    const ana = await agent('ana');
    const cust = await ask('Gone Gale');
    const offer = await ana.take('offer', (e) => e.b.contact_id === cust.id);
    expect((await ana.request('offer.accept', { offer_id: offer.b.offer_id })).t).toBe('ok');
    await cust.client.take('contact.status', (e) => e.b.state === 'assigned');
    const leftAt = await server.advance(0);
    await closeAndWait(cust.client);
    const w = await ana.take('agent.work', (e) => items(e).some((i) => i.customer_left_ms !== undefined));
    const item = items(w).find((i) => i.contact_id === cust.id)!;
    expect(item.customer_left_ms as number).toBeGreaterThanOrEqual(leftAt);
    expect((item.customer_back_by_ms as number) - (item.customer_left_ms as number)).toBe(RESUME_S * 1000);
    // back: the agent sees it cleared
    const back = await customer(server, { resumeToken: cust.token });
    await ana.take('agent.work', (e) =>
      items(e).some((i) => i.contact_id === cust.id && i.customer_left_ms === undefined),
    );
    await closeAndWait(back.client);
    await ana.take('agent.work', (e) => items(e).some((i) => i.customer_left_ms !== undefined));
    // ending needs no wait for the window
    expect((await ana.request('contact.end', { contact_id: cust.id })).t).toBe('ok');
    expect(
      (await ana.request('contact.wrapup', { contact_id: cust.id, disposition: 'resolved', service_codes: [] })).t,
    ).toBe('ok');
    expect((await ana.request('agent.state.set', { status: 'offline' })).t).toBe('ok');
    ana.close();
  });
});

describe('work that is not yours', () => {
  it('answers exactly as work that does not exist', async () => {
    const ana = await agent('ana');
    const bo = await agent('bo', 'offline');
    const cust = await ask('Private Pat');
    const offer = await ana.take('offer', (e) => e.b.contact_id === cust.id);
    // Ana's pending offer, named by Bo, and an offer that never was
    const strip = (e: Envelope) => ({ t: e.t, b: e.b });
    const pairs: Array<[string, Record<string, unknown>, Record<string, unknown>]> = [
      ['offer.accept', { offer_id: offer.b.offer_id }, { offer_id: 987654321 }],
      ['offer.decline', { offer_id: offer.b.offer_id }, { offer_id: 987654321 }],
    ];
    for (const [t, mine, none] of pairs)
      expect(strip(await bo.request(t, mine))).toEqual(strip(await bo.request(t, none)));
    expect((await ana.request('offer.accept', { offer_id: offer.b.offer_id })).t).toBe('ok');
    await cust.client.take('contact.status', (e) => e.b.state === 'assigned');
    const other = { contact: 'k-000000000000000000000000', conv: 'v-000000000000000000000000' };
    const requests = (contact: string, conv: string): Array<[string, Record<string, unknown>]> => [
      ['contact.end', { contact_id: contact }],
      ['contact.wrapup', { contact_id: contact, disposition: 'resolved', service_codes: [] }],
      ['chat.send', { conversation_id: conv, client_msg_id: 'x-1', text: 'hello' }],
      ['chat.sync', { conversation_id: conv, after_seq: 0 }],
      ['chat.typing', { conversation_id: conv, typing: true }],
      ['chat.receipt', { conversation_id: conv, read_seq: 1 }],
      ['chat.verify', { conversation_id: conv, method: 'Claim ID + date of birth' }],
      ['chat.transfer', { conversation_id: conv, to_queue: 'claims', note: 'x' }],
      ['chat.block', { conversation_id: conv, reason: 'abuse' }],
    ];
    const check = async () => {
      const theirs = requests(cust.id, cust.conv);
      const nothing = requests(other.contact, other.conv);
      for (let i = 0; i < theirs.length; i++) {
        const a = strip(await bo.request(theirs[i][0], theirs[i][1]));
        const b = strip(await bo.request(nothing[i][0], nothing[i][1]));
        expect({ type: theirs[i][0], reply: a }).toEqual({ type: theirs[i][0], reply: b });
        expect(a.t).toBe('error');
      }
    };
    await check(); // while Ana holds it
    expect((await ana.request('contact.end', { contact_id: cust.id })).t).toBe('ok');
    await check(); // and while she wraps it up
    expect(
      (await ana.request('contact.wrapup', { contact_id: cust.id, disposition: 'resolved', service_codes: [] })).t,
    ).toBe('ok');
    for (const a of [ana, bo]) {
      expect((await a.request('agent.state.set', { status: 'offline' })).t).toBe('ok');
      a.close();
    }
    cust.client.close();
  });
});
