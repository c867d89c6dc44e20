import { existsSync, mkdirSync } from 'node:fs';
import { buySeat, createBuyer } from '@frontrow/server/inventory/testing';
import { concertInput, uniqueId } from '@frontrow/server/test/harness';
import { type LiveServer, startLiveServer } from '@frontrow/server/test/live-server';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureWebDemoBuilt } from './build.ts';

/**
 * The web demo in Debian's Chromium against the real server: the organiser creates a concert and opens the sale
 * from the dashboard while two fans wait in the queue; one buys a ticket, the other watches the seat go SOLD.
 * FRONTROW_SCREENSHOTS=1 also writes the README's screenshots to docs/screenshots/.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS =
  process.env.FRONTROW_SCREENSHOTS === '1' ? new URL('../../docs/screenshots/', import.meta.url) : undefined;

let live: LiveServer;
let browser: Browser;
const contexts: BrowserContext[] = [];

async function page(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  contexts.push(context);
  const p = await context.newPage();
  p.setDefaultTimeout(15_000);
  p.on('pageerror', (err) => console.error('page error:', err.message));
  return p;
}
async function shot(p: Page, name: string) {
  if (SHOTS) await p.screenshot({ path: new URL(`${name}.png`, SHOTS).pathname, fullPage: true });
}
async function signIn(p: Page, name: string, vip: boolean) {
  await p.goto(`${live.url}/`);
  await p.fill('#signin-name', name);
  if (vip) await p.check('#signin-vip');
  await p.click('#signin-go');
  await p.waitForSelector('#step-concerts:not([hidden])');
}
async function join(p: Page, title: string) {
  await p
    .locator('article.concert', { hasText: title })
    .getByRole('button', { name: 'Join the queue' })
    .click();
  await p.waitForSelector('#step-queue:not([hidden])');
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `No Chromium at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH); never downloaded`,
    );
  }
  ensureWebDemoBuilt();
  if (SHOTS) mkdirSync(SHOTS, { recursive: true });
  live = await startLiveServer();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}, 120_000);

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
  await live?.close();
});

describe('web demo in a browser', () => {
  it('takes a fan from the queue to a paid ticket while the organiser opens the sale', {
    timeout: 90_000,
  }, async () => {
    const title = `Browser Night ${uniqueId('t')}`;
    const admin = await page();
    await admin.goto(`${live.url}/admin.html`);
    await admin.click('#create-box summary');
    await admin.fill('#create-title', title);
    await admin.fill('#create-opens', '0');
    await admin.fill('#create-rows', '2');
    await admin.click('#create-go');
    await admin.getByText(`Created “${title}”`).waitFor();

    const ada = await page();
    await signIn(ada, 'Ada', false);
    await join(ada, title);
    await expect.poll(() => ada.textContent('#queue-position')).toBe('#1');
    const bob = await page();
    await signIn(bob, 'Bob', true);
    await join(bob, title);
    await expect.poll(() => bob.textContent('#queue-position')).toBe('#1');

    await admin.fill('#open-interval', '3600');
    await admin.click('#open-go');
    await admin.getByText('Sale open').waitFor();
    // The sale opening moves the queue (Bob is VIP: his lane goes first); Ada's page follows without a reload.
    await expect.poll(() => ada.textContent('#queue-position'), { timeout: 10_000 }).toBe('#2');
    await shot(ada, 'fan-queue');
    await admin.fill('#admit-count', '2');
    await admin.click('#admit-go');
    await admin.getByText('Admitted 2').waitFor();

    for (const p of [ada, bob])
      await p.waitForSelector('#step-seats:not([hidden]) #seat-map .seat.available');
    const seat = ada.locator('#seat-map .seat.available').first();
    const seatId = await seat.getAttribute('data-seat-id');
    await seat.click();
    await ada.click('#hold-go');
    await ada.waitForSelector('#step-checkout:not([hidden])');
    const onBobsMap = bob.locator(`[data-seat-id="${seatId}"]`);
    await expect.poll(() => onBobsMap.getAttribute('data-status')).toBe('HELD');

    await ada.click('#pay-go');
    await ada.getByText('Not enough points').waitFor();
    await ada.click('#charge-go');
    await ada.getByText(/Charged/).waitFor();
    await ada.click('#pay-go');
    await ada.waitForSelector('#step-ticket:not([hidden])');
    expect(await ada.textContent('#ticket-number')).toMatch(/^FR-/);
    await expect.poll(() => onBobsMap.getAttribute('data-status')).toBe('SOLD');
    await shot(bob, 'fan-seats');
    await shot(ada, 'fan-ticket');

    await expect.poll(() => admin.textContent('#kpi-sold .v')).toMatch(/^1 \//);
    await shot(admin, 'admin-dashboard');

    // Cancel with a refund: the ticket says so and the seat is back on Bob's map.
    ada.once('dialog', (dialog) => void dialog.accept());
    await ada.click('#refund-go');
    await ada.getByText(/Refunded/).waitFor();
    expect(await ada.textContent('#ticket-status')).toBe('REFUNDED');
    await expect.poll(() => onBobsMap.getAttribute('data-status')).toBe('AVAILABLE');
  });

  it('shows the sold-out screen to a waiting fan the moment another fan buys the last seat', {
    timeout: 60_000,
  }, async () => {
    const t = live.t;
    const input = concertInput({ rows: 1, seatsPerRow: 1 });
    input.title = `Last Seat ${uniqueId('t')}`;
    const concert = await t.services.catalog.createConcert(input);
    await t.services.sales.open(concert.concertId);

    const cy = await page();
    await signIn(cy, 'Cy', false);
    await join(cy, input.title);
    await expect.poll(() => cy.textContent('#queue-position')).toBe('#1');
    await expect.poll(() => cy.textContent('#queue-seats')).toBe('1');

    // The organiser's notice is text, never markup.
    const markup = '<img src=x onerror="document.title=1">Doors at 19:00';
    await t.services.sales.notice(concert.concertId, markup, 'warning');
    await expect.poll(() => cy.textContent('#queue-notice')).toBe(markup);
    expect(await cy.locator('#queue-notice img').count()).toBe(0);

    // Another fan buys the only seat (no tick, no reload on Cy's side).
    const scheduleId = concert.schedules[0]!.scheduleId;
    const seatMap = await t.services.booking.seatMap(concert.concertId, scheduleId);
    const seatId = seatMap.seats[0]!.seatId;
    const other = await createBuyer(t);
    await buySeat(t, other, { concertId: concert.concertId, scheduleId, seatIds: [seatId] }, seatId);
    await cy.waitForSelector('#queue-soldout:not([hidden])');
    expect(await cy.textContent('#queue-title')).toBe('Sold out');
    expect(await cy.textContent('#queue-seats')).toBe('0');
    await shot(cy, 'fan-sold-out');
  });

  it('lets the organiser create access codes and a webhook from the dashboard; a fan enters with a code', {
    timeout: 60_000,
  }, async () => {
    const title = `Codes Night ${uniqueId('t')}`;
    const admin = await page();
    await admin.goto(`${live.url}/admin.html`);
    await admin.click('#create-box summary');
    await admin.fill('#create-title', title);
    await admin.click('#create-go');
    await admin.getByText(`Created “${title}”`).waitFor();

    await admin.fill('#codes-count', '3');
    await admin.selectOption('#codes-lane', 'presale');
    await admin.click('#codes-go');
    await admin.getByText('3 presale codes created').waitFor();
    const codes = (await admin.textContent('#codes-out'))!.split('\n');
    expect(codes).toHaveLength(3);
    for (const code of codes) expect(code).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/);

    // A fan with one of them queues in the presale lane, ahead of the standard lane.
    const cy = await page();
    await signIn(cy, 'Cy', false);
    await cy.fill('#access-code', codes[0]!);
    await join(cy, title);
    await expect.poll(() => cy.textContent('#queue-lane')).toBe('Presale lane');

    await admin.fill('#hook-url', 'https://example.com/frontrow');
    await admin.fill('#hook-secret', 'a-secret-of-sixteen-plus');
    await admin.click('#hook-go');
    await admin.getByText(/Webhook wh_[0-9a-f]{16} added/).waitFor();
  });
});
