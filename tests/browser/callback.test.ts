// A queue whose overflow is `callback`: after its maximum wait (moved on the server's test clock)
// the widget says what the server says, offers the form in callback mode, refuses it without a
// phone number (next to that field), and sends the number; the export stream then holds a record
// of type callback with it. Real Chromium, the real server and Redis.
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations, launchChromium, Pages, widgetPage } from '../support/browser.ts';
import { respMap, ROOT, sanitizerReports, startServer, type Resp, type Server } from '../support/harness.ts';

function config(port: number, redis: string): string {
  return `
deployment: callback-browser
listen: {host: 127.0.0.1, port: ${port}, static_dir: ${join(ROOT, 'agent-client', 'dist')}}
redis: {address: ${redis}}
allowed_origins: [http://127.0.0.1:${port}]
widget_origins: [http://127.0.0.1:${port}]
languages: [en, es]
skills: [{id: claims}]
queues:
  - id: claims
    name: Claim questions
    channels: [chat]
    skills: [{skill: claims, min: 1}]
    languages: [en, es]
    max_wait_s: 60
    overflow: {kind: callback}
topics:
  - {id: claim, queue: claims, label: {en: A question about my claim, es: Una pregunta sobre mi reclamo}}
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

async function exportRecords(type: string): Promise<Record<string, unknown>[]> {
  const entries = (await server.redis.query('XRANGE', 'sb:{callback-browser}:export', '-', '+')) as Resp[];
  return entries
    .map((e) => respMap((e as Resp[])[1]))
    .filter((f) => f.type === type)
    .map((f) => JSON.parse(f.json) as Record<string, unknown>);
}

describe('a line that overflows to a call back', () => {
  it.each([
    ['en', 390, 844],
    ['es', 1440, 900],
  ] as const)('takes the number to call back (%s, %d px wide)', async (lang, width, height) => {
    const page = await widgetPage(pages, server, { width, height });
    const w = (sel: string) => page.locator(`switchboard-chat ${sel}`);
    if (lang === 'es')
      await page.evaluate(() => document.querySelector('switchboard-chat')?.setAttribute('lang', 'es'));
    await w('#sb-topic-claim').check();
    await w('#sb-language').selectOption(lang);
    await w('#sb-name').fill('Pat Smith');
    await w('#sb-start').click();
    await expect.poll(() => w('#sb-waiting').isVisible()).toBe(true);

    // nobody answers within the queue's maximum wait
    await server.advance(61_000);
    await expect.poll(() => w('#sb-ended').isVisible()).toBe(true);
    expect(await w('#sb-ended').getAttribute('data-reason')).toBe('callback');
    const said = await w('#sb-end-reason').textContent();
    if (lang === 'en') {
      // the widget and the server say the same thing, once
      expect(said).toBe('Everyone is busy. Leave your number and a specialist will call you back.');
      expect(await w('#sb-end-message').isVisible()).toBe(false);
    } else {
      expect(said).toBe(
        'Todos los especialistas están ocupados. Deje su número y un especialista le devolverá la llamada.',
      );
    }
    expect(said).not.toMatch(/possible soon|pronto podrá/i);
    await w('#sb-leave-message').click();

    // the form, in callback mode, with the number first and focused
    await expect.poll(() => w('#sb-lm').getAttribute('data-kind')).toBe('callback');
    expect(
      await page.evaluate(() => document.querySelector('switchboard-chat')?.shadowRoot?.activeElement?.id),
    ).toBe('sb-lm-reply');
    expect(await w('#sb-lm-reply').getAttribute('type')).toBe('tel');
    expect(await axeViolations(page)).toEqual([]);

    // no number: refused next to the field, which names it; nothing is recorded
    const recorded = (await exportRecords('callback')).length;
    await w('#sb-lm-text').fill('About my payment');
    await w('#sb-start').click();
    const error = (await w('#sb-lm-reply-error').textContent()) ?? '';
    expect(error).toMatch(lang === 'en' ? /phone number/ : /número de teléfono/);
    expect(await w('#sb-lm-reply').getAttribute('aria-invalid')).toBe('true');
    expect(await w('#sb-lm-reply').getAttribute('aria-describedby')).toContain('sb-lm-reply-error');
    expect(await exportRecords('callback')).toHaveLength(recorded);

    await w('#sb-lm-reply').fill('(360) 555-0100');
    await w('#sb-start').click();
    await expect.poll(() => w('#sb-lm-done').isVisible()).toBe(true);
    const done = (await w('#sb-lm-done-text').textContent()) ?? '';
    expect(done).toContain('(360) 555-0100');
    const ref = /(cb-[0-9a-f]{24})/.exec(done)?.[1];
    expect(ref).toBeTruthy();
    const rec = (await exportRecords('callback')).find((r) => r.reference === ref);
    expect(rec).toMatchObject({
      type: 'callback',
      topic: 'claim',
      queue: 'claims',
      language: lang,
      customer_name: 'Pat Smith',
      text: 'About my payment',
      reply_to: '(360) 555-0100',
    });
    expect(await axeViolations(page)).toEqual([]);
  });
});
