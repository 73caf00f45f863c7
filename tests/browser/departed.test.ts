// A customer who closes the widget during an answered chat, seen from the console in Chromium:
// the work list says at once when they left and until when they can come back, in words (not
// colour alone), screen readers hear it, and the chat can be ended without waiting.
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  agentPage,
  askForChat,
  axeViolations,
  launchChromium,
  Pages,
  screenshot,
  widgetPage,
} from '../support/browser.ts';
import { ROOT, sanitizerReports, startServer, testPasswordHash, type Server } from '../support/harness.ts';

function config(port: number, redis: string): string {
  const hash = testPasswordHash();
  return `
deployment: departed-browser
listen: {host: 127.0.0.1, port: ${port}, static_dir: ${join(ROOT, 'agent-client', 'dist')}}
redis: {address: ${redis}}
allowed_origins: [http://127.0.0.1:${port}]
widget_origins: [http://127.0.0.1:${port}]
auth: {resume_ttl_s: 900}
languages: [en]
skills: [{id: claims}]
queues:
  - {id: claims, name: Claim questions, channels: [chat], skills: [{skill: claims, min: 1}], languages: [en]}
topics:
  - {id: claim, queue: claims, label: {en: A question about my claim}}
staff:
  - {username: ana, display_name: Ana Agent, role: agent, password_hash: "${hash}", skills: {claims: 3}, languages: [en], queues: [claims], capacity: {chat: 3}}
dispositions: [{code: resolved, label: Resolved}]
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

afterAll(async () => {
  await pages?.closeAll();
  await browser?.close();
  const r = await server.stop();
  expect(sanitizerReports(server)).toEqual([]);
  expect(r.code).toBe(0);
});

describe('an answered customer who leaves', () => {
  it('is shown in the work list with when they left and until when, and the chat ends at once', async () => {
    const ana = await agentPage(pages, server, 'ana');
    const cust = await askForChat(await widgetPage(pages, server), 'Lee');
    await ana.locator('#offer-accept').click();
    const item = ana.locator('#work-list > li[data-state=assigned]');
    await expect.poll(() => item.count()).toBe(1);
    const contact = (await item.getAttribute('data-contact-id'))!;
    const away = ana.locator(`#work-${contact}-away`);
    expect(await away.isVisible()).toBe(false);
    await expect.poll(() => cust.locator('switchboard-chat #sb-message').isVisible()).toBe(true);

    await cust.close(); // the customer closes the tab
    await expect.poll(() => away.isVisible()).toBe(true);
    const text = (await away.textContent()) ?? '';
    expect(text).toMatch(/^Customer left at \d{1,2}:\d{2}.*; they can come back until \d{1,2}:\d{2}/);
    // fifteen minutes of resume window between the two times
    const [left, until] = [...text.matchAll(/(\d{1,2}):(\d{2})/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
    expect((until - left + 24 * 60) % (24 * 60)).toBe(15);
    await expect.poll(() => ana.locator('#console-announcer').textContent()).toContain('the customer left at');
    // and in the chat itself, above the message box
    const status = ana.locator('.chat-status').filter({ hasText: 'Lee left at' });
    await expect.poll(() => status.count()).toBe(1);
    expect(await status.textContent()).toContain('You can end the chat now.');
    await screenshot(ana, 'console-customer-left');
    expect(await axeViolations(ana)).toEqual([]);

    // End works now, without waiting for the window
    await ana.locator(`#work-${contact}-end`).click();
    await expect.poll(() => ana.locator(`#work-${contact}`).getAttribute('data-state')).toBe('wrapping');
    expect(await away.isVisible()).toBe(false);
  });
});
