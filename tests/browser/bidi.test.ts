// Text written right to left, or holding a RIGHT-TO-LEFT OVERRIDE (U+202E), never reverses the
// apps' own words beside it: in the agent console, in the chat widget and in the transcript, every
// piece of text someone else wrote is isolated (<bdi>, dir="auto", or U+2068 ... U+2069 in plain
// text), and the times and labels next to it still read left to right. Real Chromium, the real
// server and Redis.
import { readFileSync } from 'node:fs';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { agentPage, axeViolations, launchChromium, Pages, widgetPage } from '../support/browser.ts';
import { ROOT, sanitizerReports, startServer, testPasswordHash, type Server } from '../support/harness.ts';
import { join } from 'node:path';

const RLO = '\u202E';
const FSI = '\u2068';
const PDI = '\u2069';
/** A customer's name and message, and a specialist's display name, with an override and RTL letters. */
const CUSTOMER = `${RLO}Pat שרה`;
const MESSAGE = `${RLO}مرحبا, I need help with my claim`;
const AGENT = `${RLO}Noa נועה`;

function config(port: number, redis: string): string {
  const hash = testPasswordHash();
  return `
deployment: bidi-browser
listen: {host: 127.0.0.1, port: ${port}, static_dir: ${join(ROOT, 'agent-client', 'dist')}}
redis: {address: ${redis}}
allowed_origins: [http://127.0.0.1:${port}]
widget_origins: [http://127.0.0.1:${port}]
languages: [en, es]
skills: [{id: claims}]
queues:
  - {id: claims, name: Claim questions, channels: [chat], skills: [{skill: claims, min: 1}], languages: [en, es]}
topics:
  - {id: claim, queue: claims, label: {en: A question about my claim, es: Una pregunta sobre mi reclamo}}
staff:
  - {username: noa, display_name: "${AGENT}", role: agent, password_hash: "${hash}", skills: {claims: 3}, languages: [en, es], queues: [claims], capacity: {chat: 3}}
dispositions: [{code: resolved, label: Resolved}]
service_codes: [{code: claim-status, label: Claim status}]
away_reasons: [Break]
`;
}

let server: Server;
let browser: Browser;
let pages: Pages;

beforeAll(async () => {
  server = await startServer({ yaml: config });
  browser = await launchChromium();
  pages = new Pages(browser);
});

afterEach(async () => {
  await pages.closeAll();
});

afterAll(async () => {
  await browser?.close();
  const r = await server.stop();
  expect(sanitizerReports(server)).toEqual([]);
  expect(r.code).toBe(0);
});

/**
 * Text nodes (in the page and in open shadow roots) holding an override or right-to-left letters
 * that are not isolated: neither inside an element whose computed unicode-bidi isolates (a <bdi>,
 * an element with dir="auto") nor wrapped in U+2068 ... U+2069 themselves.
 */
function unisolated(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const marker = /[\u202E\u0590-\u08FF]/;
    const isolating = new Set(['isolate', 'isolate-override', 'plaintext']);
    const bad: string[] = [];
    const visit = (root: Node): void => {
      const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT | NodeFilter.SHOW_ELEMENT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        if (n instanceof Element) {
          if (n.shadowRoot) visit(n.shadowRoot);
          continue;
        }
        const text = (n as Text).data;
        if (!marker.test(text)) continue;
        const parent = n.parentElement;
        if (!parent || parent.closest('script, style, title')) continue;
        // plain-text isolates: every marked character between U+2068 and its U+2069
        const outside = text.replace(/\u2068[^\u2069]*\u2069/g, '');
        if (!marker.test(outside)) continue;
        if (isolating.has(getComputedStyle(parent).unicodeBidi)) continue;
        bad.push(`<${parent.tagName.toLowerCase()} id="${parent.id}" class="${parent.className}">: ${text}`);
      }
    };
    visit(document);
    return bad;
  });
}

/** Whether the text of `loc` (its first text node) is laid out left to right: its first character
 * is left of its last one (an override would put "5:21 AM" on screen as "MA 12:5"). */
function readsLeftToRight(loc: Locator): Promise<boolean> {
  return loc.evaluate((el) => {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    const t = walker.nextNode() as Text | null;
    if (!t || t.data.trim().length < 2) throw new Error('no text to measure');
    const at = (i: number) => {
      const r = document.createRange();
      r.setStart(t, i);
      r.setEnd(t, i + 1);
      return r.getBoundingClientRect().left;
    };
    const first = t.data.search(/\S/);
    const last = t.data.length - 1 - [...t.data].reverse().join('').search(/\S/);
    return at(first) < at(last);
  });
}

/** Whether `a` ends left of where `b` starts (both on one line). */
async function leftOf(a: Locator, b: Locator): Promise<boolean> {
  const [ra, rb] = [await a.boundingBox(), await b.boundingBox()];
  if (!ra || !rb) throw new Error('element not laid out');
  return ra.x + ra.width <= rb.x + 1;
}

/** Whether the first text node of `el` (our words) starts left of the <bdi> after it. */
function wordsBeforeName(loc: Locator): Promise<boolean> {
  return loc.evaluate((el) => {
    const t = [...el.childNodes].find((n) => n.nodeType === Node.TEXT_NODE && n.textContent?.trim());
    const b = el.querySelector('bdi');
    if (!t || !b) throw new Error(`no words and name in ${el.id}`);
    const r = document.createRange();
    r.selectNodeContents(t);
    return r.getBoundingClientRect().left < b.getBoundingClientRect().left;
  });
}

describe('right-to-left text and overrides', () => {
  it('are isolated in the console, the widget and the transcript', async () => {
    const noa = await agentPage(pages, server, 'noa');
    const cust = await widgetPage(pages, server, { width: 390, height: 844, acceptDownloads: true });
    const w = (sel: string) => cust.locator(`switchboard-chat ${sel}`);
    await w('#sb-topic-claim').check();
    await w('#sb-language').selectOption('en');
    await w('#sb-name').fill(CUSTOMER);
    await w('#sb-start').click();

    await noa.locator('#offer-accept').click();
    const tab = noa.locator('#chat-tabs [role=tab]');
    await expect.poll(() => tab.count()).toBe(1);
    const cid = ((await tab.getAttribute('id')) ?? '').replace(/^chat-tab-/, '');

    await expect.poll(() => w('#sb-message').isVisible()).toBe(true);
    await w('#sb-message').fill(MESSAGE);
    await cust.keyboard.press('Enter');
    await noa.locator(`#chat-${cid}-message`).fill('Hello, how can I help?');
    await noa.locator(`#chat-${cid}-send`).click();

    // --- the console ----------------------------------------------------------------------------
    const custLine = noa.locator(`#chat-${cid}-log li[data-kind=message].chat-msg-customer`);
    await expect.poll(() => custLine.count()).toBe(1);
    // the time beside the name reads "5:21 AM", after the name, not "MA 12:5" before it
    expect(await readsLeftToRight(custLine.locator('time'))).toBe(true);
    expect(await leftOf(custLine.locator('.chat-msg-who'), custLine.locator('time'))).toBe(true);
    expect(await custLine.locator('.chat-msg-who bdi').allTextContents()).toEqual([CUSTOMER]);
    // the message takes its own direction, isolated
    const body = custLine.locator('.chat-msg-text');
    expect(await body.getAttribute('dir')).toBe('auto');
    expect(await body.evaluate((e) => getComputedStyle(e).unicodeBidi)).toBe('isolate');
    // "Chat with NAME", "Message to NAME": our words first
    expect(await wordsBeforeName(noa.locator(`#chat-${cid}-heading`))).toBe(true);
    expect(await noa.locator(`#chat-tab-${cid} .chat-tab-name bdi`).allTextContents()).toEqual([CUSTOMER]);
    // the screen reader hears the name isolated too
    expect(await noa.locator('#chat-announcer').textContent()).toContain(`${FSI}${CUSTOMER}${PDI}`);
    expect(await noa.locator(`#chat-${cid}-log`).getAttribute('aria-label')).toBe(
      `Conversation with ${FSI}${CUSTOMER}${PDI}`,
    );
    // the agent's own name in the header and the log
    expect(await noa.locator('#signed-in-as bdi').allTextContents()).toEqual([AGENT]);
    const ownLine = noa.locator(`#chat-${cid}-log li.chat-msg-own`);
    expect(await readsLeftToRight(ownLine.locator('time'))).toBe(true);
    expect(await unisolated(noa)).toEqual([]);

    // --- the widget -----------------------------------------------------------------------------
    const agentLine = w('#sb-messages li.msg-agent');
    await expect.poll(() => agentLine.count()).toBe(1);
    expect(await readsLeftToRight(agentLine.locator('time'))).toBe(true);
    expect(await leftOf(agentLine.locator('.msg-who'), agentLine.locator('time'))).toBe(true);
    expect(await agentLine.locator('.msg-who bdi').allTextContents()).toEqual([AGENT]);
    // "Connected with NAME"
    expect(await wordsBeforeName(w('#sb-wait-status'))).toBe(true);
    const own = w('#sb-messages li.msg-own .msg-text');
    expect(await own.getAttribute('dir')).toBe('auto');
    expect(await unisolated(cust)).toEqual([]);
    expect(await axeViolations(cust)).toEqual([]);
    expect(await axeViolations(noa)).toEqual([]);

    // --- the transcript -------------------------------------------------------------------------
    await noa.locator(`#chat-${cid}-end`).click();
    await expect.poll(() => w('#sb-save-transcript').isVisible()).toBe(true);
    const [download] = await Promise.all([cust.waitForEvent('download'), w('#sb-save-transcript').click()]);
    const file = readFileSync((await download.path())!, 'utf8');
    const lines = file.split('\r\n');
    expect(lines).toContain(`Your name: ${FSI}${CUSTOMER}${PDI}`);
    expect(lines).toContain(`Specialist: ${FSI}${AGENT}${PDI}`);
    // "[5:21 AM] NAME: TEXT" with the name and the text isolated
    expect(
      lines.some(
        (l) => /^\[[^\]]+\] /.test(l) && l.endsWith(`${FSI}${CUSTOMER}${PDI}: ${FSI}${MESSAGE}${PDI}`),
      ),
    ).toBe(true);
    expect(lines.some((l) => l.endsWith(`${FSI}${AGENT}${PDI} joined the chat.`))).toBe(true);
    // the printable copy: the time before the name, each isolated
    await w('#sb-print').click();
    const printed = w('#sb-print-transcript li.print-line').filter({ hasText: 'I need help' });
    await expect.poll(() => printed.count()).toBe(1);
    expect(await printed.locator('.print-who bdi').textContent()).toBe(CUSTOMER);
    expect(await printed.locator('.print-text bdi').textContent()).toBe(MESSAGE);
    expect(await unisolated(cust)).toEqual([]);
  });
});
