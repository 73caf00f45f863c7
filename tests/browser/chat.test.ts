// Chat end to end in real Chromium: customers in the widget on the plain demo host page, agents in
// the console, against the real server (sanitizer build) and Redis. A full chat both ways, a reload
// of the customer page mid-chat, one agent holding three chats, transfers to a queue and to a
// named colleague with their notes, wrap-up freeing the slot, and axe-core on both apps with
// chats open.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  respMap,
  ROOT,
  sanitizerReports,
  startServer,
  TEST_PASSWORD,
  testPasswordHash,
  type Resp,
  type Server,
} from '../support/harness.ts';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

function day(offset: number): string {
  return new Date(Date.now() + offset * 86400_000).toISOString().slice(0, 10);
}

function config(port: number, redis: string): string {
  const hash = testPasswordHash();
  return `
deployment: chat-browser
listen: {host: 127.0.0.1, port: ${port}, static_dir: ${join(ROOT, 'agent-client', 'dist')}}
redis: {address: ${redis}}
allowed_origins: [http://127.0.0.1:${port}]
widget_origins: [http://127.0.0.1:${port}]
languages: [en, es]
skills: [{id: claims}, {id: resea}]
queues:
  - {id: claims, name: Claim questions, channels: [chat], skills: [{skill: claims, min: 1}], languages: [en, es]}
  - {id: resea, name: RESEA reviews, channels: [chat], skills: [{skill: resea, min: 1}], languages: [en, es]}
  - id: employers
    name: Employer services
    channels: [chat]
    languages: [en, es]
    hours:
      timezone: UTC
      weekly: {sun: "00:00-24:00", mon: "00:00-24:00", tue: "00:00-24:00", wed: "00:00-24:00", thu: "00:00-24:00", fri: "00:00-24:00", sat: "00:00-24:00"}
      holidays: ["${day(0)}", "${day(1)}"]
topics:
  - {id: claim, queue: claims, label: {en: A question about my claim, es: Una pregunta sobre mi reclamo}}
  - {id: hiring, queue: employers, label: {en: Hiring and job postings, es: Contratación y ofertas de empleo}}
staff:
  - {username: ana, display_name: Ana Agent, role: agent, password_hash: "${hash}", skills: {claims: 3}, languages: [en, es], queues: [claims], capacity: {chat: 3}}
  - {username: bo, display_name: Bo Agent, role: agent, password_hash: "${hash}", skills: {claims: 2}, languages: [en, es], queues: [claims], capacity: {chat: 3}}
  - {username: cy, display_name: Cy Reviewer, role: agent, password_hash: "${hash}", skills: {resea: 3}, languages: [en, es], queues: [resea], capacity: {chat: 2}}
identity_methods: [Claim ID + date of birth]
canned:
  - {id: hello-en, title: Greeting, language: en, text: "Hello {customer_name}, I am {agent_name}."}
dispositions: [{code: resolved, label: Resolved}]
service_codes: [{code: claim-status, label: Claim status}]
away_reasons: [Break]
`;
}

let server: Server;
let browser: Browser;

beforeAll(async () => {
  server = await startServer({ yaml: config });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  const r = await server.stop();
  expect(sanitizerReports(server)).toEqual([]);
  expect(r.code).toBe(0);
});

const contexts: BrowserContext[] = [];
const agents: Page[] = [];

// every test starts with nobody signed in: agents go offline, pages close
afterEach(async () => {
  for (const a of agents.splice(0)) {
    if (a.isClosed()) continue;
    await a
      .locator('#agent-status-offline')
      .check()
      .catch(() => undefined);
    await a
      .locator('#agent-state-submit')
      .click()
      .catch(() => undefined);
  }
  for (const c of contexts.splice(0)) await c.close().catch(() => undefined);
});

async function newPage(): Promise<Page> {
  const ctx = await browser.newContext();
  contexts.push(ctx);
  return ctx.newPage();
}

/** axe-core's serious and critical violations (WCAG 2.1 A and AA rules). */
async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE);
  return (await page.evaluate(async () => {
    // @ts-expect-error axe is injected above
    const r = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return r.violations
      .filter((v: { impact: string }) => v.impact === 'serious' || v.impact === 'critical')
      .map(
        (v: { id: string; nodes: { target: string[] }[] }) =>
          `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
      );
  })) as string[];
}

/** How many of the elements hold `text` (in their text content, shown or not: a chat in a tab
 * that is not selected still holds its messages). */
function countText(loc: Locator, text: string): Promise<number> {
  return loc.evaluateAll((els, t) => els.filter((e) => (e.textContent ?? '').includes(t)).length, text);
}

// ------------------------------------------------------------------------------------------------
// The agent console

async function agentPage(username: string): Promise<Page> {
  const page = await newPage();
  await page.goto(`${server.base}/console/`);
  await page.locator('#login-username').fill(username);
  await page.locator('#login-password').fill(TEST_PASSWORD);
  await page.keyboard.press('Enter');
  await expect.poll(() => page.locator('#connection-status-text').textContent()).toBe('Connected');
  await page.locator('#agent-status-available').check();
  await page.locator('#agent-state-submit').click();
  await expect.poll(() => page.locator('#agent-state-current').textContent()).toContain('Available');
  agents.push(page);
  return page;
}

/** Accepts the next offer; resolves with the conversation id of the chat that opens. */
async function acceptOffer(page: Page, known: string[] = []): Promise<string> {
  await page.locator('#offer-accept').click();
  let cid = '';
  await expect
    .poll(async () => {
      const ids = await page.locator('#chat-tabs [role=tab]').evaluateAll((tabs) => tabs.map((t) => t.id));
      cid = ids.map((id) => id.replace(/^chat-tab-/, '')).find((c) => !known.includes(c)) ?? '';
      return cid;
    })
    .not.toBe('');
  return cid;
}

async function agentSay(page: Page, cid: string, text: string) {
  await page.locator(`#chat-tab-${cid}`).click();
  await page.locator(`#chat-${cid}-message`).fill(text);
  await page.locator(`#chat-${cid}-send`).click();
}

/** Ends the chat from its panel and submits the wrap-up form: the slot frees. */
async function endAndWrapUp(page: Page, cid: string) {
  const wrapping = () =>
    page
      .locator('#work-list > li[data-state=wrapping]')
      .evaluateAll((li) => li.map((l) => l.getAttribute('data-contact-id')!));
  const before = await wrapping();
  const items = await page.locator('#work-list > li').count();
  await page.locator(`#chat-tab-${cid}`).click();
  await page.locator(`#chat-${cid}-end`).click();
  let contact = '';
  await expect
    .poll(async () => (contact = (await wrapping()).find((c) => !before.includes(c)) ?? ''))
    .not.toBe('');
  await page.locator(`#wrapup-${contact}-disposition`).selectOption('resolved');
  await page.locator(`#wrapup-${contact}-submit`).click();
  await expect.poll(() => page.locator('#work-list > li').count()).toBe(items - 1);
}

function agentLog(page: Page, cid: string) {
  return page.locator(`#chat-${cid}-log li[data-kind=message]`);
}

// ------------------------------------------------------------------------------------------------
// The widget

async function customerPage(name: string, lang = 'en'): Promise<Page> {
  const page = await newPage();
  await page.goto(`${server.base}/widget-demo/`);
  await page.locator('switchboard-chat #sb-launcher').click();
  await expect.poll(() => page.locator('switchboard-chat #sb-status').textContent()).toBe('Connected');
  await page.locator('switchboard-chat #sb-topic-claim').check();
  await page.locator('switchboard-chat #sb-language').selectOption(lang);
  await page.locator('switchboard-chat #sb-name').fill(name);
  await page.locator('switchboard-chat #sb-start').click();
  return page;
}

function customerMessages(page: Page) {
  return page.locator('switchboard-chat #sb-messages li.msg');
}

async function customerSay(page: Page, text: string) {
  // the composer is there once a specialist has joined
  await expect.poll(() => page.locator('switchboard-chat #sb-message').isVisible()).toBe(true);
  await page.locator('switchboard-chat #sb-message').fill(text);
  await page.keyboard.press('Enter');
}

// ------------------------------------------------------------------------------------------------

describe('a chat in the widget and the console', () => {
  it('carries messages both ways, as text, survives a reload, and frees the slot after wrap-up', async () => {
    const ana = await agentPage('ana');
    const cust = await customerPage('<img src=x onerror="window.pwned=1">Pat');
    const cid = await acceptOffer(ana);
    // the customer's details, shown as text
    await expect
      .poll(() => ana.locator(`#chat-${cid}-customer`).textContent())
      .toContain('<img src=x onerror="window.pwned=1">Pat');
    await expect.poll(() => cust.locator('switchboard-chat #sb-chat').isVisible()).toBe(true);

    await agentSay(ana, cid, 'Hello, see https://esd.example.gov/claims');
    await expect.poll(() => countText(customerMessages(cust), 'Hello, see')).toBe(1);
    // a link the agent wrote is clickable, with its full address showing
    const link = cust.locator('switchboard-chat #sb-messages a[href="https://esd.example.gov/claims"]');
    expect(await link.textContent()).toMatch(/^https:\/\/esd\.example\.gov\/claims\b/);

    await customerSay(cust, '<b>bold?</b> https://evil.example/ and my SSN 123-45-6789');
    await expect.poll(() => countText(agentLog(ana, cid), 'bold?')).toBe(1);
    const got = agentLog(ana, cid).filter({ hasText: 'bold?' });
    expect(await got.textContent()).toContain('<b>bold?</b>');
    expect(await got.textContent()).toContain('XXX-XX-6789');
    expect(await got.locator('b').count()).toBe(0);
    expect(await got.locator('a').count()).toBe(0); // a customer's link stays text
    expect(await cust.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    expect(await ana.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    // the own message is marked delivered, then read, in words
    await expect
      .poll(() => cust.locator('switchboard-chat li.msg-own .msg-mark').last().getAttribute('data-mark'))
      .toMatch(/delivered|read/);

    // a private note never reaches the customer
    await ana.locator(`#chat-${cid}-private`).check();
    await agentSay(ana, cid, 'Private: customer sounds worried');
    await expect.poll(() => ana.locator(`#chat-${cid}-log li[data-kind=note]`).count()).toBe(1);
    await ana.locator(`#chat-${cid}-private`).uncheck();

    expect(await axeViolations(cust)).toEqual([]);
    expect(await axeViolations(ana)).toEqual([]);

    // a reload of the customer page keeps the conversation: nothing lost, nothing twice
    await cust.reload();
    await expect.poll(() => cust.locator('switchboard-chat #sb-status').count()).toBe(1);
    if (await cust.locator('switchboard-chat #sb-panel').isHidden())
      await cust.locator('switchboard-chat #sb-launcher').click();
    await expect.poll(() => countText(customerMessages(cust), 'Hello, see')).toBe(1);
    await expect.poll(() => countText(customerMessages(cust), 'bold?')).toBe(1);
    await customerSay(cust, 'still here after the reload');
    await expect.poll(() => countText(agentLog(ana, cid), 'still here after the reload')).toBe(1);
    await agentSay(ana, cid, 'Good to have you back');
    await expect.poll(() => countText(customerMessages(cust), 'Good to have you back')).toBe(1);
    expect(await countText(customerMessages(cust), 'Private:')).toBe(0);

    // the agent ends; the wrap-up form frees the slot
    await ana.locator(`#chat-${cid}-end`).click();
    const item = ana.locator('#work-list > li[data-state=wrapping]');
    await expect.poll(() => item.count()).toBe(1);
    const contact = (await item.getAttribute('data-contact-id'))!;
    await ana.locator(`#wrapup-${contact}-disposition`).selectOption('resolved');
    await ana.locator(`#wrapup-${contact}-code-claim-status`).check();
    await ana.locator(`#wrapup-${contact}-submit`).click();
    await expect.poll(() => ana.locator('#work-list > li').count()).toBe(0);
    // the customer can rate it
    await expect.poll(() => cust.locator('switchboard-chat #sb-rating-form').isVisible()).toBe(true);
    await cust.locator('switchboard-chat #sb-rate-5').check();
    await cust.locator('switchboard-chat #sb-rate-submit').click();
    await expect.poll(() => cust.locator('switchboard-chat #sb-rate-thanks').isVisible()).toBe(true);
    expect(await axeViolations(cust)).toEqual([]);
  });

  it('lets one agent hold three chats at once', async () => {
    const bo = await agentPage('bo');
    const custs = [await customerPage('One'), await customerPage('Two'), await customerPage('Three')];
    const cids: string[] = [];
    for (let i = 0; i < 3; i++) cids.push(await acceptOffer(bo, cids));
    expect(await bo.locator('#chat-tabs [role=tab]').count()).toBe(3);
    for (const [i, c] of custs.entries()) await customerSay(c, `message from customer ${i + 1}`);
    for (const [i, cid] of cids.entries())
      await expect.poll(() => countText(agentLog(bo, cid), `message from customer ${i + 1}`)).toBe(1);
    // chats not shown count their unread messages
    await bo.locator(`#chat-tab-${cids[0]}`).click();
    await expect.poll(() => bo.locator(`#chat-tab-${cids[1]}`).getAttribute('data-unread')).not.toBe('0');
    for (const [i, cid] of cids.entries()) {
      await agentSay(bo, cid, `answer ${i + 1}`);
      await expect.poll(() => countText(customerMessages(custs[i]), `answer ${i + 1}`)).toBe(1);
    }
    expect(await axeViolations(bo)).toEqual([]);
    // wrap-up frees each slot
    for (const cid of cids) await endAndWrapUp(bo, cid);
    expect(await bo.locator('#work-list > li').count()).toBe(0);
  });

  it('leaves a message for a team that is closed', async () => {
    const page = await newPage();
    await page.goto(`${server.base}/widget-demo/`);
    await page.locator('switchboard-chat #sb-launcher').click();
    await expect.poll(() => page.locator('switchboard-chat #sb-status').textContent()).toBe('Connected');
    await page.locator('switchboard-chat #sb-topic-hiring').check();
    await expect
      .poll(() => page.locator('switchboard-chat #sb-topic-note').textContent())
      .toContain('You can leave a message for this team below.');
    await page.locator('switchboard-chat #sb-name').fill('Lee <Employer>');
    await page.locator('switchboard-chat #sb-lm-text').fill('We want to post 3 warehouse jobs.');
    await page.locator('switchboard-chat #sb-lm-reply').fill('(360) 555-0100');
    expect(await axeViolations(page)).toEqual([]);
    await page.locator('switchboard-chat #sb-start').click();
    await expect.poll(() => page.locator('switchboard-chat #sb-lm-done').isVisible()).toBe(true);
    const text = (await page.locator('switchboard-chat #sb-lm-done-text').textContent()) ?? '';
    const ref = /reference is (m-[0-9a-f]+)/.exec(text)?.[1];
    expect(ref).toBeTruthy();
    // the team finds it in the export stream
    const entries = (await server.redis.query('XRANGE', 'sb:{chat-browser}:export', '-', '+')) as unknown[][];
    const records = entries.map((e) => respMap(e[1] as Resp)).filter((f) => f.type === 'message');
    const rec = JSON.parse(records.find((r) => r.reference === ref)!.json) as Record<string, unknown>;
    expect(rec).toMatchObject({
      topic: 'hiring',
      queue: 'employers',
      customer_name: 'Lee <Employer>',
      text: 'We want to post 3 warehouse jobs.',
      reply_to: '(360) 555-0100',
    });
    expect(await axeViolations(page)).toEqual([]);
  });

  it('transfers to a queue and to a named colleague, with the notes', async () => {
    const ana = await agentPage('ana');
    const cust = await customerPage('Rosa', 'es');
    const cid = await acceptOffer(ana);
    await customerSay(cust, 'Necesito una cita');
    await expect.poll(() => agentLog(ana, cid).count()).toBeGreaterThan(0);

    // to the RESEA queue, where Cy picks it up with the note
    const cy = await agentPage('cy');
    await ana.locator(`#chat-tab-${cid}`).click();
    await ana.locator(`#chat-${cid}-transfer`).click();
    await ana.locator('#transfer-kind-queue').check();
    await ana.locator('#transfer-queue').selectOption('resea');
    await ana.locator('#transfer-note').fill('Wants a RESEA appointment');
    await ana.locator('#transfer-submit').click();
    const cid2 = await acceptOffer(cy);
    expect(cid2).toBe(cid); // the same conversation

    await expect
      .poll(() => cy.locator(`#chat-${cid}-transfer-note`).textContent())
      .toContain('Wants a RESEA appointment');
    await expect.poll(() => countText(agentLog(cy, cid), 'Necesito una cita')).toBe(1);
    // the customer was told, and talks to Cy now
    await expect
      .poll(() => cust.locator('switchboard-chat .msg-system[data-system=transferred]').count())
      .toBe(1);
    await agentSay(cy, cid, 'Hola Rosa, soy Cy');
    await expect.poll(() => countText(customerMessages(cust), 'Hola Rosa, soy Cy')).toBe(1);
    // Ana's part went to wrap-up
    await expect.poll(() => ana.locator('#work-list > li[data-state=wrapping]').count()).toBe(1);

    // to a named colleague: Bo accepts and sees the note
    const bo = await agentPage('bo');
    await cy.locator(`#chat-tab-${cid}`).click();
    await cy.locator(`#chat-${cid}-transfer`).click();
    await cy.locator('#transfer-kind-agent').check();
    await cy.locator('#transfer-agent-bo').check();
    await cy.locator('#transfer-note').fill('Booked; needs claim help');
    await cy.locator('#transfer-submit').click();
    await acceptOffer(bo);
    await expect
      .poll(() => bo.locator(`#chat-${cid}-transfer-note`).textContent())
      .toContain('Booked; needs claim help');
    await agentSay(bo, cid, 'Bo here');
    await expect.poll(() => countText(customerMessages(cust), 'Bo here')).toBe(1);
    await expect.poll(() => cy.locator('#work-list > li[data-state=wrapping]').count()).toBe(1);
    expect(await axeViolations(bo)).toEqual([]);
  });
});
