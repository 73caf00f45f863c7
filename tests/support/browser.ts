// Helpers for the browser tests: Debian's Chromium through playwright-core, axe-core, the agent
// console signed in and available, the chat widget on the demo host page.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { sanitizerReports, startServer, TEST_PASSWORD, type Server } from './harness.ts';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
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
}

/** Pages opened by a test, closed after it. */
export class Pages {
  private readonly contexts: BrowserContext[] = [];
  constructor(private readonly browser: Browser) {}

  async open(opts: { width?: number; height?: number; acceptDownloads?: boolean } = {}): Promise<Page> {
    const ctx = await this.browser.newContext({
      viewport: { width: opts.width ?? 1280, height: opts.height ?? 800 },
      acceptDownloads: opts.acceptDownloads ?? false,
    });
    this.contexts.push(ctx);
    return ctx.newPage();
  }

  async closeAll(): Promise<void> {
    for (const c of this.contexts.splice(0)) await c.close().catch(() => undefined);
  }
}

/**
 * The server (configured by `yaml`) and Chromium for the tests of one file: started before them,
 * stopped after them, with the server checked for sanitizer reports and a clean exit.
 */
export function serverAndBrowser(yaml: (port: number, redis: string) => string): {
  server: () => Server;
  pages: () => Pages;
} {
  let server: Server | undefined;
  let browser: Browser | undefined;
  let pages: Pages | undefined;
  beforeAll(async () => {
    server = await startServer({ yaml });
    browser = await launchChromium();
    pages = new Pages(browser);
  });
  afterAll(async () => {
    await pages?.closeAll();
    await browser?.close();
    if (!server) return;
    const r = await server.stop();
    expect(sanitizerReports(server)).toEqual([]);
    expect(r.code).toBe(0);
  });
  return {
    server: () => server!,
    pages: () => pages!,
  };
}

/** axe-core's serious and critical violations (WCAG 2.1 A and AA rules). */
export async function axeViolations(page: Page): Promise<string[]> {
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

/** The agent console, signed in as `username` and set Available. */
export async function agentPage(pages: Pages, server: Server, username: string): Promise<Page> {
  const page = await pages.open({ width: 1440, height: 900 });
  await page.goto(`${server.base}/console/`);
  await page.locator('#login-username').fill(username);
  await page.locator('#login-password').fill(TEST_PASSWORD);
  await page.keyboard.press('Enter');
  await expect.poll(() => page.locator('#connection-status-text').textContent()).toBe('Connected');
  await page.locator('#agent-status-available').check();
  await page.locator('#agent-state-submit').click();
  await expect.poll(() => page.locator('#agent-state-current').textContent()).toContain('Available');
  return page;
}

/** The chat widget on the demo host page, opened and connected. */
export async function widgetPage(
  pages: Pages,
  server: Server,
  opts: { width?: number; height?: number; acceptDownloads?: boolean } = {},
): Promise<Page> {
  const page = await pages.open(opts);
  await page.goto(`${server.base}/widget-demo/`);
  await page.locator('switchboard-chat #sb-launcher').click();
  await expect.poll(() => page.locator('switchboard-chat #sb-status').textContent()).toBe('Connected');
  return page;
}

/** The widget asking for a chat on the `claim` topic as `name`. */
export async function askForChat(page: Page, name: string, lang = 'en'): Promise<Page> {
  await page.locator('switchboard-chat #sb-topic-claim').check();
  await page.locator('switchboard-chat #sb-language').selectOption(lang);
  await page.locator('switchboard-chat #sb-name').fill(name);
  await page.locator('switchboard-chat #sb-start').click();
  return page;
}

/** Saves a screenshot under $SB_SCREENSHOTS (when set) for a person to look at; tests never
 * compare pixels. */
export async function screenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.SB_SCREENSHOTS;
  if (dir) await page.screenshot({ path: `${dir}/${name}.png`, fullPage: false });
}
