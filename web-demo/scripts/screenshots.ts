/**
 * Takes the README's screenshots of the web demo against a running server (`npm start`), with a simulated
 * drop in progress so the charts move: `FRONTROW_URL=http://localhost:3000 npx tsx web-demo/scripts/screenshots.ts`.
 * Writes docs/screenshots/{fan-queue,fan-seats,fan-ticket,admin-dashboard}.png. Not part of `npm test`.
 */
import { mkdirSync } from 'node:fs';
import { chromium, type Page } from 'playwright-core';

const base = process.env.FRONTROW_URL ?? 'http://localhost:3000';
const out = new URL('../../docs/screenshots/', import.meta.url);
mkdirSync(out, { recursive: true });
const shot = (p: Page, name: string, fullPage = true) =>
  p.screenshot({ path: new URL(`${name}.png`, out).pathname, fullPage });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
});
try {
  const viewport = { width: 1280, height: 860 };
  const admin = await (await browser.newContext({ viewport })).newPage();
  const fan = await (await browser.newContext({ viewport })).newPage();
  for (const p of [admin, fan]) p.setDefaultTimeout(120_000);

  // A fresh concert whose booking opens now, so the script never waits for a sale window.
  const title = `Frontrow Live: Spring Drop ${new Date().toISOString().slice(11, 16)}`;
  await admin.goto(`${base}/admin.html`);
  await admin.click('#create-box summary');
  await admin.fill('#create-title', title);
  await admin.fill('#create-opens', '0');
  await admin.fill('#create-shows', '2');
  await admin.fill('#create-rows', '10');
  await admin.click('#create-go');
  await admin.getByText(`Created “${title}”`).waitFor();
  await admin.waitForSelector('#kpi-waiting');
  await admin.fill('#sim-fans', '300');
  await admin.click('#sim-go');
  await admin.getByText(/Simulating/).waitFor();
  await admin.waitForTimeout(4_000);

  await fan.goto(`${base}/`);
  await fan.fill('#signin-name', 'Ada Lovelace');
  await fan.click('#signin-go');
  await fan
    .locator('article.concert', { hasText: title })
    .getByRole('button', { name: 'Join the queue' })
    .click();
  await fan.waitForSelector('#step-queue:not([hidden])');
  await admin.fill('#open-group', '20');
  await admin.fill('#open-interval', '2');
  await admin.fill('#open-max', '120');
  await admin.click('#open-go');
  await fan.waitForTimeout(6_000);
  await shot(fan, 'fan-queue');

  await fan.waitForSelector('#step-seats:not([hidden]) #seat-map .seat.available');
  await fan.waitForTimeout(3_000);
  await shot(fan, 'fan-seats', false); // the viewport: the pick summary is sticky at its bottom
  // Two seats side by side (a picked seat keeps its 'available' class, so the next one is nth(6)).
  await fan.locator('#seat-map .seat.available').nth(5).click();
  await fan.locator('#seat-map .seat.available').nth(6).click();
  await fan.click('#hold-go');
  await fan.waitForSelector('#step-checkout:not([hidden])');
  await fan.click('#charge-go');
  await fan.getByText(/Charged/).waitFor();
  await fan.click('#pay-go');
  await fan.waitForSelector('#step-ticket:not([hidden])');
  await shot(fan, 'fan-ticket');

  await admin.waitForTimeout(15_000);
  await shot(admin, 'admin-dashboard');
} finally {
  await browser.close();
}
