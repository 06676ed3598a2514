/// <reference lib="dom" />
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { PaymentResponse } from '@pt/core';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POST_PAYMENT_SENDER } from '../delivery-helpers.js';
import { type System, startSystem } from '../harness.js';
import { type AmbiguousPair, makeAmbiguousPair } from './ambiguous-pair.js';
import { CHROMIUM_ARGS, findChromium } from './chromium.js';

const executablePath = findChromium();
if (!executablePath) console.warn('console-browser.test.ts did NOT run: no `chromium` on the PATH (apt-get install chromium).');

/** `make console-screenshots` sets this: each screen is saved there as console-<name>.png. */
const SCREENSHOTS_DIR = process.env.CONSOLE_SCREENSHOTS_DIR;

/**
 * The operator console in headless Chromium: sign in, find a payment, settle two ambiguous
 * payments (one linked to its gateway entry, one re-queued with force), sign out; a client key
 * is refused. Each step drives the page by its labels and links, as a keyboard user would.
 */
describe.skipIf(!executablePath)('the operator console in Chromium', () => {
  let system: System;
  let browser: Browser;
  let page: Page;
  let opsKey: string;
  let clientKey: string;
  let pair: AmbiguousPair;
  let client: ReturnType<System['as']>;

  async function shot(name: string) {
    if (!SCREENSHOTS_DIR) return;
    mkdirSync(SCREENSHOTS_DIR, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOTS_DIR, `console-${name}.png`), fullPage: true });
  }

  beforeAll(async () => {
    system = await startSystem({ delaySeconds: 0.3, startSyncer: false, env: { GATEWAY_SUBMIT_TIMEOUT_MS: '4000' } });
    const syncer = await system.startSyncer();
    clientKey = await system.createClient('acme', false, { accounts: [POST_PAYMENT_SENDER] });
    client = system.as(clientKey);
    opsKey = await system.createClient('ops', true);
    pair = await makeAmbiguousPair(system, syncer, client);
    browser = await chromium.launch({ executablePath: executablePath ?? undefined, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
    page.setDefaultTimeout(10_000);
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await system?.stop();
  });

  const url = (p: string) => `${system.apiUrl}${p}`;

  it('refuses a client (non-admin) key with a clear message', async () => {
    await page.goto(url('/console'));
    expect(new URL(page.url()).pathname).toBe('/console/sign-in');
    await page.getByLabel('Admin API key').fill(clientKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('This is a client key, not an admin key');
    expect(new URL(page.url()).pathname).toBe('/console/sign-in');
    expect(await page.context().cookies()).toEqual([]);
  });

  it('signs in with an admin key, keeping the key nowhere in the page or its storage', async () => {
    await page.goto(url('/console/sign-in'));
    await page.keyboard.press('Tab'); // the skip link comes first, then the form
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.getByLabel('Admin API key').fill(opsKey);
    await page.keyboard.press('Enter');
    await page.waitForURL(url('/console'));
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Needs attention');
    const stored = await page.evaluate(() => ({
      local: localStorage.length,
      session: sessionStorage.length,
      cookie: document.cookie,
      html: document.documentElement.outerHTML,
    }));
    expect(stored).toMatchObject({ local: 0, session: 0, cookie: '' }); // the session cookie is HttpOnly
    expect(stored.html).not.toContain(opsKey);
    const [cookie] = await page.context().cookies();
    expect(cookie).toMatchObject({ name: 'pt_console', httpOnly: true, sameSite: 'Strict', path: '/console' });
  });

  it('lists both ambiguous payments under Needs attention with their candidate entries', async () => {
    for (const payment of [pair.first, pair.second]) {
      const card = page.getByRole('region', { name: `Unconfirmed payment ${payment.id}` });
      await expect(card.textContent()).resolves.toContain(pair.firstEntry);
      await expect(card.textContent()).resolves.toContain(pair.secondEntry);
    }
    await shot('needs-attention');
  });

  it('finds a payment by its id and by status, with its history', async () => {
    await page.getByRole('link', { name: 'Payments', exact: true }).click();
    await page.getByLabel('Status').selectOption('unconfirmed');
    await page.getByRole('button', { name: 'Search' }).click();
    const results = page.getByRole('table');
    for (const payment of [pair.first, pair.second]) await expect(results.textContent()).resolves.toContain(payment.id);
    await shot('payments');

    await page.getByLabel('Payment id').fill(pair.first.id);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(url(`/console/payments/${pair.first.id}`));
    const text = await page.locator('main').textContent();
    expect(text).toContain(pair.first.memo ?? 'no memo');
    expect(text).toContain('History');
    expect(text).toMatch(/received\s*api/);
  });

  it('links the first payment to its entry through a confirmation step, as the admin key', async () => {
    await page.getByRole('link', { name: 'Needs attention' }).click();
    const card = page.getByRole('region', { name: `Unconfirmed payment ${pair.first.id}` });
    await card
      .getByRole('row', { name: new RegExp(pair.firstEntry) })
      .getByRole('link', { name: 'Link…' })
      .click();
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Link to a gateway entry');
    expect((await client.get<PaymentResponse>(`/payments/${pair.first.id}`)).body.status).toBe('unconfirmed'); // nothing yet
    await page.getByLabel(/Reason/).fill('memo matched in the gateway console, ticket OPS-42');
    await page.getByRole('button', { name: 'Confirm link' }).click();
    await page.waitForURL(url(`/console/payments/${pair.first.id}?done=linked`));
    await expect(page.getByRole('status').textContent()).resolves.toContain('Linked');
    expect(await page.locator('main').textContent()).toContain('ticket OPS-42');

    const read = await client.get<PaymentResponse>(`/payments/${pair.first.id}`);
    expect(read.body).toMatchObject({ status: 'pending', confirmation_id: pair.firstEntry });
    const [event] =
      await system.sql`SELECT source, actor FROM payment_events WHERE payment_id = ${pair.first.id} ORDER BY id DESC LIMIT 1`;
    expect(event).toEqual({ source: 'operator', actor: opsKey.split('_')[1] });
  });

  it('re-queues the second only with force: without it the admin rule refuses, naming the entry', async () => {
    await page.goto(url(`/console/payments/${pair.second.id}`));
    await page.getByRole('link', { name: 'Re-queue…' }).click();
    await page.getByLabel(/Reason/).fill('looks unsent');
    await page.getByRole('button', { name: 'Confirm re-queue' }).click();
    expect(await page.getByRole('alert').textContent()).toContain(pair.secondEntry);
    expect((await client.get<PaymentResponse>(`/payments/${pair.second.id}`)).body.status).toBe('unconfirmed');

    await page.goBack();
    await page.getByLabel(/Reason/).fill('gateway support says the entry is someone else, ticket OPS-43');
    await page.getByLabel(/Force/).check();
    await page.getByRole('button', { name: 'Confirm re-queue' }).click();
    await page.waitForURL(url(`/console/payments/${pair.second.id}?done=requeued`));
    expect((await client.get<PaymentResponse>(`/payments/${pair.second.id}`)).body.status).toBe('received');
  });

  it('shows sync health with the last hour as a chart', async () => {
    await page.getByRole('link', { name: 'Sync health' }).click();
    const text = await page.locator('main').textContent();
    expect(text).toMatch(/Last complete sync/);
    expect(text).toMatch(/Careful mode/);
    expect(await page.locator('svg.chart polyline').count()).toBe(1);
    await shot('sync-health');
  });

  it('signs out: the session is gone and the console asks to sign in again', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(url('/console/sign-in?signed_out=1'));
    expect((await system.sql`SELECT count(*)::int AS n FROM console_sessions`)[0]?.n).toBe(0);
    await page.goto(url('/console'));
    expect(new URL(page.url()).pathname).toBe('/console/sign-in');
  });

  it('reads at phone width without sideways scrolling of the page', async () => {
    await page.setViewportSize({ width: 375, height: 700 });
    await page.getByLabel('Admin API key').fill(opsKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(url('/console'));
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
  });
});
