// The one clock under wall-clock steps: the real server binary runs under Debian's libfaketime,
// whose offset file this test rewrites to step the wall clock an hour forward and then ten minutes
// behind true time, while an offer is pending, a customer waits, an answered chat is idle and a
// client sends at its rate limit. The server's clock must neither jump with the wall clock
// (expiring the offer, overflowing the customer, warning the idle chat at once) nor freeze when it
// goes back (the offer must still lapse on time, the rate limiter must keep refilling).
//
// This is the one test that runs on real time rather than the test clock: the wall clock itself is
// what is under test. Its waits are a few seconds, each bounded.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SANITIZER_OPTIONS,
  sanitizerReports,
  startServer,
  testPasswordHash,
  type Server,
} from '../support/harness.ts';
import { customer, staff, type Client } from '../support/client.ts';

const FAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';
const OFFER_S = 10;

function config(port: number, redis: string): string {
  const hash = testPasswordHash();
  return `
deployment: clock-it
listen: {host: 127.0.0.1, port: ${port}}
redis: {address: ${redis}}
allowed_origins: [http://127.0.0.1:${port}]
widget_origins: [http://agency.example]
limits: {messages_per_s: 4, messages_burst: 8}
chat: {inactivity_warn_s: 30, inactivity_end_s: 10}
languages: [en]
skills: [{id: claims}]
queues:
  - {id: claims, name: Claim questions, channels: [chat], skills: [{skill: claims, min: 1}],
     languages: [en], offer_timeout_s: ${OFFER_S}, max_wait_s: 60, overflow: {kind: message}}
topics:
  - {id: claim, queue: claims, label: {en: A claim question}}
staff:
  - {username: ana, display_name: Ana Agent, role: agent, password_hash: "${hash}", skills: {claims: 3}, languages: [en], queues: [claims], capacity: {chat: 2}}
dispositions: [{code: resolved, label: Resolved}]
`;
}

let server: Server;
let dir: string;
let offsetFile: string;

/** Sets libfaketime's offset (seconds from true time); the server reads it within a second. */
function stepWallClock(seconds: number) {
  writeFileSync(offsetFile, `${seconds >= 0 ? '+' : ''}${seconds}\n`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sb-it-clock-'));
  offsetFile = join(dir, 'faketime');
  stepWallClock(0);
  server = await startServer({
    yaml: config,
    testClock: false,
    env: {
      LD_PRELOAD: FAKETIME,
      FAKETIME_TIMESTAMP_FILE: offsetFile,
      FAKETIME_CACHE_DURATION: '1',
      // libuv, lws and the server's steady clock keep true time: only the wall clock steps
      DONT_FAKE_MONOTONIC: '1',
      // the sanitizer runtime is linked into the binary; libfaketime is preloaded ahead of it
      ASAN_OPTIONS: `${SANITIZER_OPTIONS}:verify_asan_link_order=0`,
    },
  });
});

afterAll(async () => {
  const r = await server.stop();
  expect(sanitizerReports(server)).toEqual([]);
  expect(r.code).toBe(0);
  rmSync(dir, { recursive: true, force: true });
});

async function ask(name: string) {
  const { client } = await customer(server);
  await client.take('customer.setup');
  const r = await client.request('contact.request', { topic: 'claim', channel: 'chat', lang: 'en', name });
  expect(r.t).toBe('ok');
  return { client, id: r.b.contact_id as string };
}

/** Sends `ping` every 250 ms (the limit is 4 a second) until stopped; collects refusals. */
function sendAtLimit(c: Client) {
  const refused: unknown[] = [];
  let sent = 0;
  let stop = false;
  const done = (async () => {
    while (!stop) {
      const r = await c.request('ping', {});
      sent++;
      if (r.t !== 'ok') refused.push(r.b);
      await sleep(250);
    }
  })();
  return {
    refused,
    get sent() {
      return sent;
    },
    async stop() {
      stop = true;
      await done;
    },
  };
}

describe('wall-clock steps', () => {
  it('libfaketime is installed', () => {
    expect(existsSync(FAKETIME)).toBe(true);
  });

  it('neither fire every timer at once nor freeze them', async () => {
    const { client: ana } = await staff(server, 'ana');
    await ana.take('staff.setup');
    expect((await ana.request('agent.state.set', { status: 'available' })).t).toBe('ok');

    // an answered chat that stays idle
    const idle = await ask('Idle Ivy');
    const first = await ana.take('offer', (e) => e.b.contact_id === idle.id);
    expect((await ana.request('offer.accept', { offer_id: first.b.offer_id })).t).toBe('ok');
    await idle.client.take('contact.status', (e) => e.b.state === 'assigned');
    // an offer pending with Ana, and a customer waiting behind it
    const offered = await ask('Offered Otto');
    const pending = await ana.take('offer', (e) => e.b.contact_id === offered.id);
    const offerAt = Date.now();
    const waiting = await ask('Waiting Wren');
    await waiting.client.take('contact.status', (e) => e.b.state === 'queued');
    const sender = sendAtLimit(waiting.client);

    // an hour forward
    stepWallClock(3600);
    await sleep(3000);
    expect(ana.last('offer.gone')).toBeUndefined();
    expect(waiting.client.last('contact.status')?.b.state).toBe('queued');
    const warned = (c: Client) =>
      c.events.some((e) => e.t === 'chat.event' && JSON.stringify(e.b).includes('inactive_warning'));
    expect(warned(idle.client)).toBe(false);
    expect(await server.metric('sb_clock_offset_seconds')).toBeGreaterThan(3500);

    // ten minutes behind true time
    stepWallClock(-600);
    // the offer still lapses about when it should (its 10 s, give or take the 10% slew and the
    // one-second cache of the offset file), not ten minutes later
    const gone = await ana.take('offer.gone', (e) => e.b.offer_id === pending.b.offer_id, 20_000);
    expect(gone.b.reason).toBe('expired');
    const lapsed = Date.now() - offerAt;
    expect(lapsed).toBeGreaterThan((OFFER_S - 2) * 1000);
    expect(lapsed).toBeLessThan((OFFER_S + 5) * 1000);
    await sleep(2000);
    await sender.stop();
    // the rate limiter kept refilling through both steps
    expect(sender.sent).toBeGreaterThan(30);
    expect(sender.refused).toEqual([]);
    expect(waiting.client.last('contact.status')?.b.state).not.toBe('canceled');
    expect(warned(idle.client)).toBe(false);
    expect(await server.metric('sb_clock_offset_seconds')).toBeLessThan(-500);
    await server.waitForLog(/the wall clock stepped/);

    idle.client.close();
    offered.client.close();
    waiting.client.close();
    ana.close();
  }, 60_000);
});
