// The three browser apps in real Chromium against the real server (sanitizer build) and Redis:
// an agent signs in to the console and sees the connected state, a supervisor opens the
// dashboard, a customer opens the chat widget on the demo host page and sees it connect.
// Each page is checked with axe-core (WCAG 2.1 AA rules) and for CSP violations.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sanitizerReports, startServer, TEST_PASSWORD, type Server } from '../support/harness.ts';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

let server: Server;
let browser: Browser;

beforeAll(async () => {
  server = await startServer();
  // playwright gives every launch a fresh, empty profile of its own
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

/** A fresh context (own cookies and storage) and page that records CSP violations. */
async function newPage(): Promise<{ ctx: BrowserContext; page: Page; csp: string[] }> {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  const csp: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to (load|execute|apply)/i.test(m.text())) csp.push(m.text());
  });
  return { ctx, page, csp };
}

/** Runs axe-core in the page (through DevTools, so the page's CSP does not block it). */
async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE);
  const result = await page.evaluate(async () => {
    // @ts-expect-error axe is injected above
    const r = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return r.violations.map(
      (v: { id: string; nodes: { target: string[] }[] }) =>
        `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
    );
  });
  return result as string[];
}

async function signIn(page: Page, path: string, username: string) {
  await page.goto(`${server.base}${path}`);
  await page.locator('#login-username').fill(username);
  await page.locator('#login-password').fill(TEST_PASSWORD);
  await page.keyboard.press('Enter'); // the form works from the keyboard
}

describe('agent console', () => {
  it('signs in, connects and shows who is signed in', async () => {
    const { ctx, page, csp } = await newPage();
    await page.goto(`${server.base}/console/`);
    expect(await axeViolations(page)).toEqual([]); // the sign-in form
    await signIn(page, '/console/', 'ana');
    await expect.poll(() => page.locator('#connection-status-text').textContent()).toBe('Connected');
    expect(await page.locator('#signed-in-as').textContent()).toContain('Ana Agent (agent)');
    expect(await page.locator('#connection-status').getAttribute('role')).toBe('status');
    expect(await axeViolations(page)).toEqual([]); // the signed-in view
    expect(await server.metric('sb_connections', { role: 'agent' })).toBe(1);

    // a reload keeps the session (HttpOnly cookie) and reconnects without the form
    await page.reload();
    await expect.poll(() => page.locator('#connection-status-text').textContent()).toBe('Connected');
    const cookies = await ctx.cookies();
    const session = cookies.find((c) => c.name === 'sb_session')!;
    expect(session.httpOnly).toBe(true);
    expect(session.sameSite).toBe('Strict');

    // signing out closes the socket and shows the form again
    await page.locator('#sign-out').click();
    await expect.poll(() => page.locator('#login-form').isVisible()).toBe(true);
    await expect.poll(() => server.metric('sb_connections', { role: 'agent' })).toBe(0);
    expect(csp).toEqual([]);
    await ctx.close();
  });

  it('says so when the password is wrong', async () => {
    const { ctx, page } = await newPage();
    await page.goto(`${server.base}/console/`);
    await page.locator('#login-username').fill('ana');
    await page.locator('#login-password').fill('wrong password');
    await page.locator('#login-submit').click();
    await expect.poll(() => page.locator('#login-error').textContent()).toBe('Wrong username or password');
    await ctx.close();
  });
});

describe('supervisor dashboard', () => {
  it('connects a supervisor', async () => {
    const { ctx, page, csp } = await newPage();
    await signIn(page, '/dashboard/', 'sam');
    await expect.poll(() => page.locator('#connection-status-text').textContent()).toBe('Connected');
    expect(await page.locator('#signed-in-as').textContent()).toContain('Sam Supervisor (supervisor)');
    expect(await page.locator('#dashboard-content').isVisible()).toBe(true);
    expect(await axeViolations(page)).toEqual([]);
    expect(csp).toEqual([]);
    await ctx.close();
  });

  it('tells an agent the page is for supervisors', async () => {
    const { ctx, page } = await newPage();
    await signIn(page, '/dashboard/', 'bo');
    await expect.poll(() => page.locator('#role-notice').isVisible()).toBe(true);
    expect(await page.locator('#dashboard-content').isVisible()).toBe(false);
    await ctx.close();
  });
});

describe('chat widget', () => {
  it('opens from the keyboard on the demo page and connects', async () => {
    const { ctx, page, csp } = await newPage();
    await page.goto(`${server.base}/widget-demo/`);
    expect(await axeViolations(page)).toEqual([]);
    const launcher = page.locator('switchboard-chat #sb-launcher');
    await launcher.focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('switchboard-chat #sb-status').textContent()).toBe('Connected');
    expect(await launcher.getAttribute('aria-expanded')).toBe('true');
    expect(await server.metric('sb_connections', { role: 'customer' })).toBe(1);
    const token = await page.evaluate(() => sessionStorage.getItem('switchboard.resume'));
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await axeViolations(page)).toEqual([]);

    // a reload resumes with the same token: the server accepts it and mints no new one
    await page.reload();
    await expect.poll(() => page.locator('switchboard-chat #sb-status').textContent()).toBe('Connected');
    expect(await page.evaluate(() => sessionStorage.getItem('switchboard.resume'))).toBe(token);

    // Escape closes the panel and gives focus back to the launcher
    await page.locator('switchboard-chat #sb-close').focus();
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('switchboard-chat #sb-panel').isHidden()).toBe(true);
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('SWITCHBOARD-CHAT');
    expect(csp).toEqual([]);
    await ctx.close();
  });
});
