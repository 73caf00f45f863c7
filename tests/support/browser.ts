// Browser test support: Debian's Chromium through playwright-core, axe-core, and the steps a
// specialist and a customer take in the console and the widget. New browser tests use these;
// the older files still carry their own copies.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { TEST_PASSWORD, type Server } from './harness.ts';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** Headless Chromium with the flags this closed network needs; playwright gives every launch a
 * fresh, empty profile. */
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

/** Pages in their own contexts (cookies, storage), closed together. */
export class Pages {
  private readonly contexts: BrowserContext[] = [];
  constructor(private readonly browser: Browser) {}
  async open(): Promise<Page> {
    const ctx = await this.browser.newContext();
    this.contexts.push(ctx);
    return ctx.newPage();
  }
  async closeAll(): Promise<void> {
    for (const c of this.contexts.splice(0)) await c.close().catch(() => undefined);
  }
}

/** axe-core's serious and critical violations of the WCAG 2.1 A and AA rules. */
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

/** A specialist signed in to the console and available. */
export async function consolePage(server: Server, page: Page, username: string): Promise<Page> {
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

/** A customer in the widget on the demo host page, asking for a chat. */
export async function widgetPage(server: Server, page: Page, name: string, lang = 'en'): Promise<Page> {
  await page.goto(`${server.base}/widget-demo/`);
  await page.locator('switchboard-chat #sb-launcher').click();
  await expect.poll(() => page.locator('switchboard-chat #sb-status').textContent()).toBe('Connected');
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
