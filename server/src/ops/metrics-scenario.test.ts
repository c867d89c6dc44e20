import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import { createConcert, createFan, holdSeats } from '../booking/testing.ts';
import { charge, pay } from '../payments/testing.ts';
import { createFans, createSale, enter, QUIET } from '../waiting-room/testing.ts';

let t: TestServer;
/** The services' clock is real time plus what a test skips (the scrape snapshot's age is read by it). */
let skippedMs = 0;
beforeAll(async () => {
  t = await createTestServer(
    { ...QUIET, RATE_LIMIT_BOOKING_PER_USER: '0' },
    { now: () => new Date(Date.now() + skippedMs) },
  );
});
afterAll(() => t.close());

/** One sample of the exposition text: the value of `name` whose labels include every given one. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
      return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

async function scrape(): Promise<string> {
  const res = await t.app.request('/metrics');
  expect(res.status).toBe(200);
  return res.text();
}

describe('metrics move as a drop runs', () => {
  it('waiting per lane, READY and ENTERED fans, and BullMQ depths, read from Redis at scrape time', async () => {
    const admin = await t.token({ role: 'admin' });
    const concertId = await createSale(t, admin);
    const concert = String(concertId);
    const [vip] = await createFans(t, 1, 'vip');
    const normals = await createFans(t, 2);
    for (const fan of [vip!, ...normals]) expect((await enter(t, concertId, fan)).status).toBeLessThan(300);

    let text = await scrape();
    expect(sample(text, 'frontrow_queue_waiting', { concert, lane: 'vip' })).toBe(1);
    expect(sample(text, 'frontrow_queue_waiting', { concert, lane: 'normal' })).toBe(2);
    expect(sample(text, 'frontrow_queue_log_pending', { concert })).toBe(3);
    // The sale's timers wait in BullMQ as delayed jobs.
    expect(sample(text, 'frontrow_bullmq_jobs', { queue: 'waiting-room', state: 'delayed' })).toBeGreaterThan(
      0,
    );
    expect(sample(text, 'frontrow_state_up')).toBe(1);
    expect(sample(text, 'frontrow_reservation_request_lag_seconds')).toBe(0);

    expect(
      (await t.call('POST', `/api/v1/admin/concerts/${concertId}/sale/open`, { token: admin })).status,
    ).toBe(200);
    const admitted = await t.call('POST', `/api/v1/admin/concerts/${concertId}/admit`, {
      token: admin,
      body: { count: 2 },
    });
    expect(admitted.body.data.admitted).toBe(2);
    const claim = await t.call('POST', `/api/v1/concerts/${concertId}/queue/access-token`, {
      token: vip!.token,
    });
    expect(claim.status).toBe(200);

    // A scrape reuses a snapshot for a second; the next one reads Redis again.
    skippedMs += 1_001;
    text = await scrape();
    expect(sample(text, 'frontrow_queue_waiting', { concert, lane: 'vip' })).toBe(0);
    expect(sample(text, 'frontrow_queue_waiting', { concert, lane: 'normal' })).toBe(1);
    expect(sample(text, 'frontrow_queue_ready', { concert })).toBe(1);
    expect(sample(text, 'frontrow_sessions_entered', { concert })).toBe(1);
    expect(sample(text, 'frontrow_admissions_total', { lane: 'vip' })).toBeGreaterThanOrEqual(1);
  });

  it('holds, expiries, cancellations, payments, refunds and the two success rates', async () => {
    const concert = await createConcert(t, { rows: 1, seatsPerRow: 5, price: 1_000 });
    const [a, b] = [await createFan(t, [concert.concertId]), await createFan(t, [concert.concertId])];
    const before = await scrape();
    const count = (text: string, name: string, labels: Record<string, string> = {}) =>
      sample(text, name, labels) ?? 0;

    const held = await holdSeats(t, a, concert, [concert.seatIds[0]!]);
    expect(held.status).toBe(201);
    expect((await holdSeats(t, b, concert, [concert.seatIds[0]!])).status).toBe(409);
    const reservationId = held.body.data.reservationId;
    expect((await pay(t, a, concert.concertId, reservationId)).status).toBe(402);
    expect((await charge(t, a, 5_000)).status).toBeLessThan(300);
    expect((await pay(t, a, concert.concertId, reservationId)).status).toBeLessThan(300);
    const refund = await t.call('POST', `/api/v1/reservations/${reservationId}/cancel`, {
      token: a.token,
      headers: { 'x-queue-token': a.access.get(concert.concertId)! },
    });
    expect(refund.body.data.status).toBe('REFUNDED');

    const second = await holdSeats(t, b, concert, [concert.seatIds[1]!]);
    await t.call('POST', `/api/v1/reservations/${second.body.data.reservationId}/cancel`, {
      token: b.token,
      headers: { 'x-queue-token': b.access.get(concert.concertId)! },
    });
    // A hold whose time has passed, expired by the worker's entry point.
    const third = await holdSeats(t, b, concert, [concert.seatIds[2]!]);
    const thirdId = Number(third.body.data.reservationId);
    await t.services.database.db.execute(
      sql`UPDATE reservations SET expires_at = UTC_TIMESTAMP(3) - INTERVAL 1 SECOND WHERE id = ${thirdId}`,
    );
    await t.services.database.db.execute(
      sql`UPDATE seats SET held_until = UTC_TIMESTAMP(3) - INTERVAL 1 SECOND WHERE hold_id = ${thirdId}`,
    );
    expect((await t.services.booking.expire(thirdId)).state).toBe('expired');

    const after = await scrape();
    const moved = (name: string, labels: Record<string, string> = {}) =>
      count(after, name, labels) - count(before, name, labels);
    expect(moved('frontrow_holds_total', { outcome: 'success' })).toBe(3);
    expect(moved('frontrow_holds_total', { outcome: 'SEAT_UNAVAILABLE' })).toBe(1);
    expect(moved('frontrow_payments_total', { outcome: 'success' })).toBe(1);
    expect(moved('frontrow_payments_total', { outcome: 'INSUFFICIENT_POINTS' })).toBe(1);
    expect(moved('frontrow_refunds_total')).toBe(1);
    expect(moved('frontrow_hold_ends_total', { reason: 'cancelled' })).toBe(1);
    expect(moved('frontrow_hold_ends_total', { reason: 'expired' })).toBe(1);

    const holds = (outcome?: string) =>
      after
        .split('\n')
        .filter((l) => l.startsWith('frontrow_holds_total{') && (!outcome || l.includes(`"${outcome}"`)))
        .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
    expect(sample(after, 'frontrow_reservation_success_ratio')).toBeCloseTo(holds('success') / holds(), 6);
    expect(sample(after, 'frontrow_payment_success_ratio')).toBeGreaterThan(0);
    expect(sample(after, 'frontrow_payment_success_ratio')).toBeLessThan(1);
  });
});
