import { reservations, seats } from '@frontrow/db';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import { createConcert, createFan, holdSeats, seatViolations } from '../booking/testing.ts';
import { selectRows } from '../db/tx.ts';
import { balanceOf, charge, ledgerRows, moneyViolations, pay } from './testing.ts';

// Holds last 1.2 s; the worker role runs, so the real expiry job races the payments too.
let t: TestServer;
beforeAll(async () => {
  t = await createTestServer({ HOLD_MINUTES: '0.02', RATE_LIMIT_BOOKING_PER_USER: '0' });
  await t.startWorkers();
});
afterAll(() => t.close());

describe('a payment racing its hold’s expiry', () => {
  it('ends in exactly one outcome: paid and SOLD, or expired and nothing debited', async () => {
    const concert = await createConcert(t, { rows: 2, seatsPerRow: 10, price: 1_000 });
    const outcomes = { paid: 0, expired: 0 };
    for (let i = 0; i < 12; i++) {
      const fan = await createFan(t, [concert.concertId]);
      await charge(t, fan, 10_000);
      const seatId = concert.seatIds[i]!;
      const hold = (await holdSeats(t, fan, concert, [seatId])).body.data;
      // Aim at the end of the hold by the database clock, from 30 ms before to 30 ms after it.
      const [left] = await selectRows<{ us: number }>(
        t.services.database.db,
        sql`SELECT TIMESTAMPDIFF(MICROSECOND, UTC_TIMESTAMP(3), expires_at) AS us FROM reservations WHERE id = ${hold.reservationId}`,
      );
      const aim = Number(left?.us ?? 0) / 1000 + ((i % 5) - 2) * 15;
      await new Promise((r) => setTimeout(r, Math.max(0, aim)));
      const [res] = await Promise.all([
        pay(t, fan, concert.concertId, hold.reservationId),
        t.services.booking.expire(hold.reservationId),
      ]);

      const [row] = await t.services.database.db
        .select()
        .from(reservations)
        .where(eq(reservations.id, hold.reservationId));
      const [seat] = await t.services.database.db.select().from(seats).where(eq(seats.id, seatId));
      const debits = (await ledgerRows(t, fan.userId)).filter((e) => e.type === 'PAYMENT');
      if (res.status === 201) {
        outcomes.paid++;
        expect(row!.status).toBe('PAID');
        expect(seat).toMatchObject({ status: 'SOLD', holdId: hold.reservationId });
        expect(await balanceOf(t, fan.userId)).toBe(9_000);
        expect(debits).toHaveLength(1);
      } else {
        outcomes.expired++;
        expect(res.status).toBe(409);
        expect(res.body.error.code).toBe('RESERVATION_EXPIRED');
        expect(row!.status).not.toBe('PAID');
        expect(seat!.status).not.toBe('SOLD');
        expect(await balanceOf(t, fan.userId)).toBe(10_000);
        expect(debits).toEqual([]);
      }
      expect(await moneyViolations(t, [fan.userId])).toEqual([]);
    }
    expect(outcomes.paid + outcomes.expired).toBe(12);
    expect(await seatViolations(t, concert.scheduleId)).toEqual([]);
  }, 60_000);
});
