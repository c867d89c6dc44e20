import { payments, reservations, seats } from '@frontrow/db';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import {
  bookingHeaders,
  createConcert,
  createFan,
  type Fan,
  holdSeats,
  seatViolations,
  type TestConcert,
} from '../booking/testing.ts';
import { recordingSink } from '../events/index.ts';
import { balanceOf, charge, ledgerRows, moneyViolations, pay } from './testing.ts';

const sink = recordingSink();
let t: TestServer;
beforeAll(async () => {
  t = await createTestServer({ RATE_LIMIT_BOOKING_PER_USER: '0' }, { events: sink });
});
afterAll(() => t.close());

async function heldBy(fan: Fan, concert: TestConcert, seatIds: number[]) {
  const res = await holdSeats(t, fan, concert, seatIds);
  expect(res.status).toBe(201);
  return res.body.data as { reservationId: number; totalAmount: number; reservationNumber: string };
}

async function seatRows(scheduleId: number) {
  return t.services.database.db
    .select()
    .from(seats)
    .where(eq(seats.scheduleId, scheduleId))
    .orderBy(seats.id);
}

describe('POST /api/v1/payments', () => {
  it('pays a hold: debit with a ledger row, PAID, seats SOLD, the session ended', async () => {
    const concert = await createConcert(t, { price: 40_000 });
    const fan = await createFan(t, [concert.concertId]);
    await charge(t, fan, 100_000);
    const hold = await heldBy(fan, concert, [concert.seatIds[0]!, concert.seatIds[1]!]);

    const res = await pay(t, fan, concert.concertId, hold.reservationId);
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({
      reservationId: hold.reservationId,
      userId: fan.userId,
      amount: 80_000,
      paymentMethod: 'POINTS',
      status: 'COMPLETED',
      refundedAt: null,
      reservation: {
        reservationNumber: hold.reservationNumber,
        seats: [
          { seatId: concert.seatIds[0], label: 'A-A1', price: 40_000 },
          { seatId: concert.seatIds[1], label: 'A-A2', price: 40_000 },
        ],
      },
    });
    expect(await balanceOf(t, fan.userId)).toBe(20_000);
    expect(await ledgerRows(t, fan.userId)).toEqual([
      { type: 'CHARGE', amount: 100_000, reservation_id: null },
      { type: 'PAYMENT', amount: -80_000, reservation_id: hold.reservationId },
    ]);
    const reservation = await t.call('GET', `/api/v1/reservations/${hold.reservationId}`, {
      token: fan.token,
    });
    expect(reservation.body.data).toMatchObject({ status: 'PAID', paidAt: res.body.data.paidAt });
    const [s0, s1] = await seatRows(concert.scheduleId);
    expect(s0).toMatchObject({ status: 'SOLD', holdId: hold.reservationId, heldUntil: null });
    expect(s1).toMatchObject({ status: 'SOLD', holdId: hold.reservationId, heldUntil: null });
    expect(sink.events).toContainEqual({
      type: 'seats.changed',
      concertId: concert.concertId,
      scheduleId: concert.scheduleId,
      seats: [
        { seatId: concert.seatIds[0], status: 'SOLD' },
        { seatId: concert.seatIds[1], status: 'SOLD' },
      ],
    });
    // Paying ended the booking session: the access token is refused from now on.
    const map = await t.call(
      'GET',
      `/api/v1/concerts/${concert.concertId}/schedules/${concert.scheduleId}/seats`,
      {
        token: fan.token,
        headers: bookingHeaders(fan, concert.concertId),
      },
    );
    expect(map.status).toBe(401);
    expect(await t.services.accessSessions.get(concert.concertId, fan.userId)).toBeUndefined();
    // Paying again is a 409, not a 401, even though the session is over.
    const again = await pay(t, fan, concert.concertId, hold.reservationId);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('ALREADY_PAID');
    const mine = await t.call('GET', '/api/v1/payments', { token: fan.token });
    expect(mine.body.data).toEqual([res.body.data]);
    // A late expiry job for a paid hold frees nothing.
    expect(await t.services.booking.expire(hold.reservationId)).toEqual({ state: 'paid' });
    expect((await seatRows(concert.scheduleId))[0]!.status).toBe('SOLD');
    expect(await seatViolations(t, concert.scheduleId)).toEqual([]);
    expect(await moneyViolations(t, [fan.userId])).toEqual([]);
  });

  it('answers 402 when the balance does not cover it, and changes nothing', async () => {
    const concert = await createConcert(t, { price: 40_000 });
    const fan = await createFan(t, [concert.concertId]);
    await charge(t, fan, 39_999);
    const hold = await heldBy(fan, concert, [concert.seatIds[0]!]);
    const res = await pay(t, fan, concert.concertId, hold.reservationId);
    expect(res.status).toBe(402);
    expect(res.body.error).toMatchObject({
      code: 'INSUFFICIENT_POINTS',
      details: { required: 40_000, balance: 39_999 },
    });
    expect(await balanceOf(t, fan.userId)).toBe(39_999);
    expect((await seatRows(concert.scheduleId))[0]!.status).toBe('HELD');
    expect(
      await t.services.database.db.select().from(payments).where(eq(payments.userId, fan.userId)),
    ).toEqual([]);
  });

  it('answers 409 RESERVATION_EXPIRED for a hold past its time (database clock), 409 for a cancelled one', async () => {
    const concert = await createConcert(t, { price: 1_000 });
    const fan = await createFan(t, [concert.concertId]);
    await charge(t, fan, 10_000);
    const lapsed = await heldBy(fan, concert, [concert.seatIds[0]!]);
    // The clock moves on: this hold ended a second ago.
    await t.services.database.db.execute(
      sql`UPDATE reservations SET expires_at = UTC_TIMESTAMP(3) - INTERVAL 1 SECOND WHERE id = ${lapsed.reservationId}`,
    );
    await t.services.database.db.execute(
      sql`UPDATE seats SET held_until = UTC_TIMESTAMP(3) - INTERVAL 1 SECOND WHERE hold_id = ${lapsed.reservationId}`,
    );
    const expired = await pay(t, fan, concert.concertId, lapsed.reservationId);
    expect(expired.status).toBe(409);
    expect(expired.body.error.code).toBe('RESERVATION_EXPIRED');

    const cancelled = await heldBy(fan, concert, [concert.seatIds[1]!]);
    expect(
      (await t.call('POST', `/api/v1/reservations/${cancelled.reservationId}/cancel`, { token: fan.token }))
        .status,
    ).toBe(200);
    const late = await pay(t, fan, concert.concertId, cancelled.reservationId);
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('ALREADY_CANCELLED');
    expect(await balanceOf(t, fan.userId)).toBe(10_000);
    expect(await seatViolations(t, concert.scheduleId)).toEqual([]);
  });

  it('needs the access token of the reservation’s concert', async () => {
    const concert = await createConcert(t);
    const other = await createConcert(t);
    const fan = await createFan(t, [concert.concertId, other.concertId]);
    await charge(t, fan, 100_000);
    const hold = await heldBy(fan, concert, [concert.seatIds[0]!]);
    const none = await t.call('POST', '/api/v1/payments', {
      token: fan.token,
      body: { reservationId: hold.reservationId },
    });
    expect(none.status).toBe(401);
    const wrong = await pay(t, fan, other.concertId, hold.reservationId);
    expect(wrong.status).toBe(403);
    expect(wrong.body.error.code).toBe('WRONG_CONCERT');
    for (const body of [{}, { reservationId: 'x' }, { reservationId: 0 }, 'pay']) {
      const res = await t.call('POST', '/api/v1/payments', {
        token: fan.token,
        body,
        headers: bookingHeaders(fan, concert.concertId),
      });
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    expect(await balanceOf(t, fan.userId)).toBe(100_000);
  });
});

describe('BOLA: another fan’s balance and reservations', () => {
  it('cannot read, pay, extend or cancel them, and nothing changes', async () => {
    const concert = await createConcert(t, { price: 5_000 });
    const a = await createFan(t, [concert.concertId]);
    const b = await createFan(t, [concert.concertId]);
    await charge(t, a, 50_000);
    await charge(t, b, 50_000);
    const hold = await heldBy(b, concert, [concert.seatIds[2]!]);
    const before = await seatRows(concert.scheduleId);

    expect((await t.call('GET', `/api/v1/users/${b.userId}/points`, { token: a.token })).status).toBe(403);
    expect(
      (await t.call('GET', `/api/v1/reservations/${hold.reservationId}`, { token: a.token })).status,
    ).toBe(404);
    const payIt = await pay(t, a, concert.concertId, hold.reservationId);
    expect(payIt.status).toBe(404);
    const headers = bookingHeaders(a, concert.concertId);
    for (const action of ['extend', 'cancel']) {
      const res = await t.call('POST', `/api/v1/reservations/${hold.reservationId}/${action}`, {
        token: a.token,
        headers,
      });
      expect(res.status, action).toBe(404);
    }
    expect(await balanceOf(t, a.userId)).toBe(50_000);
    expect(await balanceOf(t, b.userId)).toBe(50_000);
    expect(await seatRows(concert.scheduleId)).toEqual(before);
    const [row] = await t.services.database.db
      .select()
      .from(reservations)
      .where(eq(reservations.id, hold.reservationId));
    expect(row).toMatchObject({ status: 'HELD', extended: false });
    expect((await t.call('GET', '/api/v1/payments', { token: a.token })).body.data).toEqual([]);
  });
});

describe('cancelling a paid reservation', () => {
  it('refunds: REFUNDED, points back with a REFUND row, seats AVAILABLE; twice is a 409', async () => {
    const concert = await createConcert(t, { price: 25_000 });
    const fan = await createFan(t, [concert.concertId]);
    await charge(t, fan, 60_000);
    const hold = await heldBy(fan, concert, [concert.seatIds[3]!, concert.seatIds[4]!]);
    const paid = await pay(t, fan, concert.concertId, hold.reservationId);
    expect(paid.status).toBe(201);

    const res = await t.call('POST', `/api/v1/reservations/${hold.reservationId}/cancel`, {
      token: fan.token,
    });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ reservationId: hold.reservationId, status: 'REFUNDED' });
    expect(await balanceOf(t, fan.userId)).toBe(60_000);
    expect((await ledgerRows(t, fan.userId)).map((r) => [r.type, r.amount])).toEqual([
      ['CHARGE', 60_000],
      ['PAYMENT', -50_000],
      ['REFUND', 50_000],
    ]);
    const points = await t.call('GET', '/api/v1/points', { token: fan.token });
    expect(points.body.data).toMatchObject({ balance: 60_000, totalCharged: 60_000, totalUsed: 0 });
    const payment = (await t.call('GET', '/api/v1/payments', { token: fan.token })).body.data[0];
    expect(payment).toMatchObject({ status: 'REFUNDED', refundedAt: expect.any(String) });
    const rows = await seatRows(concert.scheduleId);
    expect(rows[3]).toMatchObject({ status: 'AVAILABLE', holdId: null });
    expect(rows[4]).toMatchObject({ status: 'AVAILABLE', holdId: null });
    expect(sink.events).toContainEqual({
      type: 'seats.changed',
      concertId: concert.concertId,
      scheduleId: concert.scheduleId,
      seats: [
        { seatId: concert.seatIds[3], status: 'AVAILABLE' },
        { seatId: concert.seatIds[4], status: 'AVAILABLE' },
      ],
    });

    const twice = await t.call('POST', `/api/v1/reservations/${hold.reservationId}/cancel`, {
      token: fan.token,
    });
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('ALREADY_CANCELLED');
    expect(await balanceOf(t, fan.userId)).toBe(60_000);
    // The seats sell again.
    const other = await createFan(t, [concert.concertId]);
    expect((await holdSeats(t, other, concert, [concert.seatIds[3]!])).status).toBe(201);
    expect(await seatViolations(t, concert.scheduleId)).toEqual([]);
    expect(await moneyViolations(t, [fan.userId])).toEqual([]);
  });

  it('refunds once under parallel cancels', async () => {
    const concert = await createConcert(t, { price: 10_000 });
    const fan = await createFan(t, [concert.concertId]);
    await charge(t, fan, 10_000);
    const hold = await heldBy(fan, concert, [concert.seatIds[0]!]);
    expect((await pay(t, fan, concert.concertId, hold.reservationId)).status).toBe(201);
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        t.call('POST', `/api/v1/reservations/${hold.reservationId}/cancel`, { token: fan.token }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409, 409, 409]);
    expect(await balanceOf(t, fan.userId)).toBe(10_000);
    expect(await moneyViolations(t, [fan.userId])).toEqual([]);
  });
});

describe('payments under concurrency', () => {
  it('a fan with points for exactly k of n holds fires n payments at once: k succeed, the rest 402', async () => {
    const n = 8;
    const k = 5;
    const concerts = await Promise.all(Array.from({ length: n }, () => createConcert(t, { price: 10_000 })));
    const fan = await createFan(
      t,
      concerts.map((c) => c.concertId),
    );
    await charge(t, fan, k * 10_000);
    // One hold per concert: paying ends that concert's booking session only.
    const holds = await Promise.all(concerts.map((c) => heldBy(fan, c, [c.seatIds[0]!])));
    const results = await Promise.all(
      holds.map((h, i) => pay(t, fan, concerts[i]!.concertId, h.reservationId)),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(k);
    const refused = results.filter((r) => r.status !== 201);
    expect(refused).toHaveLength(n - k);
    for (const r of refused) expect(r.body.error.code).toBe('INSUFFICIENT_POINTS');
    expect(await balanceOf(t, fan.userId)).toBe(0);
    expect(await moneyViolations(t, [fan.userId])).toEqual([]);
    const ledger = await ledgerRows(t, fan.userId);
    expect(ledger.filter((r) => r.type === 'PAYMENT')).toHaveLength(k);
    for (const c of concerts) expect(await seatViolations(t, c.scheduleId)).toEqual([]);
  });

  it('double payment of one reservation in parallel: one success, one 409, one debit', async () => {
    const concert = await createConcert(t, { price: 10_000 });
    const fan = await createFan(t, [concert.concertId]);
    await charge(t, fan, 100_000);
    const hold = await heldBy(fan, concert, [concert.seatIds[0]!]);
    const results = await Promise.all([1, 2].map(() => pay(t, fan, concert.concertId, hold.reservationId)));
    expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
    expect(results.find((r) => r.status === 409)!.body.error.code).toBe('ALREADY_PAID');
    expect(await balanceOf(t, fan.userId)).toBe(90_000);
    expect((await ledgerRows(t, fan.userId)).filter((r) => r.type === 'PAYMENT')).toHaveLength(1);
    expect(await moneyViolations(t, [fan.userId])).toEqual([]);
  });
});
