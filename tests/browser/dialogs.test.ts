// The console's modal dialogs and the widget's forms in real Chromium, at a desktop and a phone
// size: each dialog takes the focus, keeps Tab and Shift+Tab inside, says a refusal in its alert,
// closes with Escape and gives the focus back to the button that opened it; axe-core finds nothing
// with it open. The widget's pre-chat form, message form and confirmations are shown the same way.
// With $SB_SCREENSHOTS set, every state is saved for a person to look at (tests never compare
// pixels).
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  agentPage,
  askForChat,
  axeViolations,
  screenshot,
  serverAndBrowser,
  widgetPage,
} from '../support/browser.ts';
import { ROOT, testPasswordHash } from '../support/harness.ts';

function day(offset: number): string {
  return new Date(Date.now() + offset * 86400_000).toISOString().slice(0, 10);
}

function config(port: number, redis: string): string {
  const hash = testPasswordHash();
  return `
deployment: dialogs-browser
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
      holidays: ["${day(-1)}", "${day(0)}", "${day(1)}"]
topics:
  - {id: claim, queue: claims, label: {en: A question about my claim, es: Una pregunta sobre mi reclamo}}
  - {id: hiring, queue: employers, label: {en: Hiring and job postings, es: Contratación y ofertas de empleo}}
staff:
  - {username: ana, display_name: Ana Agent, role: agent, password_hash: "${hash}", skills: {claims: 3}, languages: [en, es], queues: [claims], capacity: {chat: 3}}
  - {username: bo, display_name: Bo Agent, role: agent, password_hash: "${hash}", skills: {claims: 2}, languages: [en, es], queues: [claims], capacity: {chat: 3}}
identity_methods: [Claim ID + date of birth, Last four of SSN + address]
canned:
  - {id: hello-en, title: Greeting, language: en, text: "Hello {customer_name}, I am {agent_name}."}
  - {id: bye-en, title: Closing, language: en, text: "Is there anything else I can help with?"}
dispositions: [{code: resolved, label: Resolved}]
away_reasons: [Break]
`;
}

const { server, pages } = serverAndBrowser(config);

/** The id of the focused element, looking into the widget's shadow root. */
function focusedId(page: Page): Promise<string> {
  return page.evaluate(() => {
    let a = document.activeElement;
    while (a?.shadowRoot?.activeElement) a = a.shadowRoot.activeElement;
    return a?.id ?? '';
  });
}

/** Whether the focus is inside the element with this id. */
function focusInside(page: Page, id: string): Promise<boolean> {
  return page.evaluate((i) => document.getElementById(i)?.contains(document.activeElement) ?? false, id);
}

interface DialogCase {
  name: string;
  id: string;
  title: string;
  opener: (cid: string) => string;
  /** What has the focus once it is open. */
  focus: string;
  /** Shows a refusal: what to do, and the alert that then says why. */
  refuse?: { act: (page: Page) => Promise<void>; error: string; invalid?: string };
  /** Makes the dialog show what it is for (a list loaded, a choice made). */
  fill?: (page: Page) => Promise<void>;
}

const DIALOGS: DialogCase[] = [
  {
    name: 'canned',
    id: 'canned-dialog',
    title: 'Canned responses',
    opener: (cid) => `#chat-${cid}-canned`,
    focus: 'canned-search',
  },
  {
    name: 'verify',
    id: 'verify-dialog',
    title: 'Verify identity',
    opener: (cid) => `#chat-${cid}-verify`,
    focus: 'verify-method',
    refuse: {
      act: (p) => p.locator('#verify-submit').click(),
      error: 'Choose how the identity was verified.',
      invalid: '#verify-method',
    },
  },
  {
    name: 'transfer',
    id: 'transfer-dialog',
    title: 'Transfer chat',
    opener: (cid) => `#chat-${cid}-transfer`,
    focus: 'transfer-kind-queue',
    fill: async (p) => {
      await p.locator('#transfer-kind-agent').check();
      await expect.poll(() => p.locator('#transfer-agent-bo').count()).toBe(1);
    },
    refuse: {
      act: async (p) => {
        await p.locator('#transfer-agent-bo').check();
        await p.locator('#transfer-submit').click();
      },
      error: 'Write a note for the next specialist.',
      invalid: '#transfer-note',
    },
  },
  {
    name: 'block',
    id: 'block-dialog',
    title: 'End the chat and block this customer?',
    opener: (cid) => `#chat-${cid}-block`,
    focus: 'block-cancel',
    refuse: {
      act: (p) => p.locator('#block-submit').click(),
      error: 'Give the reason for blocking this customer.',
      invalid: '#block-reason',
    },
  },
];

async function checkDialog(page: Page, cid: string, d: DialogCase, size: string): Promise<void> {
  const dialog = page.locator(`#${d.id}`);
  const opener = d.opener(cid);
  await page.locator(opener).click();
  await expect.poll(() => dialog.evaluate((e) => (e as HTMLDialogElement).open)).toBe(true);
  expect(await focusedId(page)).toBe(d.focus);
  expect(await dialog.getAttribute('aria-modal')).toBe('true');
  const heading = await dialog.getAttribute('aria-labelledby');
  expect(await page.locator(`#${heading}`).textContent()).toBe(d.title);
  await d.fill?.(page);

  // Tab and Shift+Tab go round inside the dialog
  for (const key of ['Tab', 'Shift+Tab']) {
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press(key);
      expect(await focusInside(page, d.id)).toBe(true);
    }
  }
  await screenshot(page, `dialog-${d.name}-${size}`);
  expect(await axeViolations(page)).toEqual([]);

  if (d.refuse) {
    await d.refuse.act(page);
    const error = page.locator(`#${d.id} [role=alert]`);
    await expect.poll(() => error.textContent()).toBe(d.refuse.error);
    if (d.refuse.invalid)
      expect(await page.locator(d.refuse.invalid).getAttribute('aria-invalid')).toBe('true');
    expect(await dialog.evaluate((e) => (e as HTMLDialogElement).open)).toBe(true);
    await screenshot(page, `dialog-${d.name}-error-${size}`);
    expect(await axeViolations(page)).toEqual([]);
  }

  // Escape closes it, and the button that opened it has the focus again
  await page.keyboard.press('Escape');
  await expect.poll(() => dialog.evaluate((e) => (e as HTMLDialogElement).open)).toBe(false);
  expect(`#${await focusedId(page)}`).toBe(opener);
}

describe('the console dialogs', () => {
  it('take the focus, keep it, say refusals, close with Escape and give it back', async () => {
    const ana = await agentPage(pages(), server(), 'ana');
    const cust = await askForChat(await widgetPage(pages(), server()), 'Lee Customer');
    await ana.locator('#offer-accept').click();
    const tab = ana.locator('#chat-tabs [role=tab]');
    await expect.poll(() => tab.count()).toBe(1);
    const cid = (await tab.getAttribute('id'))!.replace(/^chat-tab-/, '');
    await expect.poll(() => cust.locator('switchboard-chat #sb-message').isVisible()).toBe(true);
    // a colleague to transfer to, signed in once the chat is Ana's
    await agentPage(pages(), server(), 'bo');

    for (const d of DIALOGS) await checkDialog(ana, cid, d, 'desktop');
    await ana.setViewportSize({ width: 390, height: 844 });
    for (const d of DIALOGS) await checkDialog(ana, cid, d, 'phone');
  });
});

describe('the widget forms and confirmations', () => {
  it.each([
    ['desktop', 1440, 900],
    ['phone', 390, 844],
  ] as const)('say what is wrong next to each field (%s)', async (size, width, height) => {
    const page = await widgetPage(pages(), server(), { width, height });
    const w = (sel: string) => page.locator(`switchboard-chat ${sel}`);

    // the pre-chat form, sent empty
    await w('#sb-start').click();
    await expect.poll(() => w('#sb-name-error').textContent()).not.toBe('');
    expect(await focusedId(page)).toBe('sb-name');
    expect(await w('#sb-name').getAttribute('aria-invalid')).toBe('true');
    await screenshot(page, `widget-prechat-error-${size}`);
    expect(await axeViolations(page)).toEqual([]);

    // a closed line: the form leaves a message
    await w('#sb-topic-hiring').check();
    await expect.poll(() => w('#sb-lm').isVisible()).toBe(true);
    await w('#sb-name').fill('Pat Smith');
    await w('#sb-start').click();
    await expect.poll(() => w('#sb-lm-text-error').textContent()).not.toBe('');
    expect(await focusedId(page)).toBe('sb-lm-text');
    await screenshot(page, `widget-leave-message-error-${size}`);
    expect(await axeViolations(page)).toEqual([]);

    // waiting: "Leave the line" asks first
    await w('#sb-topic-claim').check();
    await w('#sb-language').selectOption('en');
    await w('#sb-start').click();
    await expect.poll(() => w('#sb-waiting').isVisible()).toBe(true);
    await w('#sb-leave').click();
    expect(await focusedId(page)).toBe('sb-leave-no');
    await screenshot(page, `widget-leave-confirm-${size}`);
    expect(await axeViolations(page)).toEqual([]);
    await w('#sb-leave-no').click();
    expect(await focusedId(page)).toBe('sb-leave');
    await w('#sb-leave').click();
    await w('#sb-leave-yes').click();
    await expect.poll(() => w('#sb-ended').isVisible()).toBe(true);
    await screenshot(page, `widget-ended-${size}`);
    expect(await axeViolations(page)).toEqual([]);
  });
});
