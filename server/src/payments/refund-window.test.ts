import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { concertInput, createTestServer, type TestServer } from '../../test/harness.ts';
import { createConcertFrom, createFan, holdSeats, type TestConcert } from '../booking/testing.ts';
import { balanceOf, charge, ledgerRows, moneyViolations, pay } from './testing.ts';

/** A paid ticket is refundable until REFUND_UNTIL_HOURS_BEFORE_SHOW (24 h by default) before its show. */
let t: TestServer;
beforeAll(async () => {
  t = await createTestServer({ RATE_LIMIT_BOOKING_PER_USER: '0' });
});
afterAll(() => t.close());

/** A concert whose one show starts `hoursAway` from now, on sale now. */
async function showIn(hoursAway: number): Promise<TestConcert> {
  const input = concertInput({ price: 5_000 });
  const now = Date.now();
  const schedule = input.schedules[0]!;
  schedule.startsAt = new Date(now + hoursAway * 3_600_000).toISOString();
  schedule.bookingCloseAt = new Date(now + (hoursAway / 2) * 3_600_000).toISOString();
  return createConcertFrom(t, input);
}

async function paidTicket(concert: TestConcert) {
  const fan = await createFan(t, [concert.concertId]);
  await charge(t, fan, 5_000);
  const hold = (await holdSeats(t, fan, concert, [concert.seatIds[0]!])).body.data;
  expect((await pay(t, fan, concert.concertId, hold.reservationId)).status).toBe(201);
  return { fan, reservationId: hold.reservationId as number };
}

const cancel = (token: string, id: number) =>
  t.call('POST', `/api/v1/reservations/${id}/cancel`, { token, headers: {} });

describe('refund window', () => {
  it('refuses to refund a paid ticket less than 24 hours before the show: 409 REFUND_WINDOW_CLOSED, nothing moves', async () => {
    const concert = await showIn(2);
    const { fan, reservationId } = await paidTicket(concert);
    const res = await cancel(fan.token, reservationId);
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({
      success: false,
      error: {
        code: 'REFUND_WINDOW_CLOSED',
        details: { reservationId, refundableUntil: expect.any(String) },
      },
    });
    expect(await balanceOf(t, fan.userId)).toBe(0);
    expect((await ledgerRows(t, fan.userId)).map((r) => r.type)).toEqual(['CHARGE', 'PAYMENT']);
    const mine = await t.call('GET', `/api/v1/reservations/${reservationId}`, { token: fan.token });
    expect(mine.body.data.status).toBe('PAID');
    expect(await moneyViolations(t, [fan.userId])).toEqual([]);

    // An unpaid hold of the same show still cancels: no money moves back.
    const holder = await createFan(t, [concert.concertId]);
    const hold = (await holdSeats(t, holder, concert, [concert.seatIds[1]!])).body.data;
    const cancelled = await cancel(holder.token, hold.reservationId);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.data.status).toBe('CANCELLED');
  });

  it('refunds a paid ticket whose show is further away', async () => {
    const concert = await showIn(25);
    const { fan, reservationId } = await paidTicket(concert);
    const res = await cancel(fan.token, reservationId);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data.status).toBe('REFUNDED');
    expect(await balanceOf(t, fan.userId)).toBe(5_000);
  });
});
