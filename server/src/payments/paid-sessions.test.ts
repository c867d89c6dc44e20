import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, grantAccess, type TestServer } from '../../test/harness.ts';
import { bookingHeaders, createConcert, createFan, type Fan, holdSeats } from '../booking/testing.ts';
import { transactionRunner } from '../db/tx.ts';
import { createPaymentService } from './payments.ts';
import { charge } from './testing.ts';

/**
 * A payment commits and then the process dies (or Redis does not answer) before the fan's booking session ends:
 * the sweeper ends it, so the admission slot goes to the next fan and the access token stops booking.
 */
let t: TestServer;
beforeAll(async () => {
  t = await createTestServer({ RATE_LIMIT_BOOKING_PER_USER: '0' });
});
afterAll(() => t.close());

/** The payment half only: the same payment service, whose session end never happens. */
function payWithoutSessionEnd(fan: Fan, reservationId: number) {
  const db = t.services.database.db;
  const crashed = createPaymentService({
    db,
    run: transactionRunner(db),
    seats: t.services.seats,
    holds: t.services.booking,
    logger: t.services.logger,
    maxBalance: t.config.points.maxBalance,
    refundUntilMs: 0,
    waitingRoom: {
      finish: async () => {
        throw new Error('the process died here');
      },
    },
  });
  return crashed.pay(fan.userId, reservationId);
}

async function paidFan(concertId: number, seatId: number, scheduleId: number, seatIds: number[]) {
  const fan = await createFan(t, [concertId]);
  await charge(t, fan, 50_000);
  const hold = await holdSeats(t, fan, { concertId, scheduleId, seatIds }, [seatId]);
  await payWithoutSessionEnd(fan, hold.body.data.reservationId);
  return fan;
}

const seatMap = (fan: Fan, concertId: number, scheduleId: number) =>
  t.call('GET', `/api/v1/concerts/${concertId}/schedules/${scheduleId}/seats`, {
    token: fan.token,
    headers: bookingHeaders(fan, concertId),
  });

describe('sessions a payment should have ended', () => {
  it('are ended by the sweeper, once; a session opened after the payment is left alone', async () => {
    const c = await createConcert(t);
    const crashed = await paidFan(c.concertId, c.seatIds[0]!, c.scheduleId, c.seatIds);
    const requeued = await paidFan(c.concertId, c.seatIds[1]!, c.scheduleId, c.seatIds);
    // This fan's stale session ended by other means and it was admitted again after paying: a new session.
    await t.services.accessSessions.end(c.concertId, requeued.userId);
    requeued.access.set(c.concertId, await grantAccess(t, requeued.userId, c.concertId));

    // The first half left the session live: the access token still books.
    expect((await seatMap(crashed, c.concertId, c.scheduleId)).status).toBe(200);

    expect(await t.services.payments.endPaidSessions()).toBeGreaterThanOrEqual(1);
    expect(await t.services.accessSessions.get(c.concertId, crashed.userId)).toBeUndefined();
    const refused = await seatMap(crashed, c.concertId, c.scheduleId);
    expect(refused.status).toBe(401);
    expect(await t.services.accessSessions.get(c.concertId, requeued.userId)).toBeDefined();
    expect((await seatMap(requeued, c.concertId, c.scheduleId)).status).toBe(200);

    // Idempotent: nothing left to end for these fans.
    await t.services.payments.endPaidSessions();
    expect(await t.services.accessSessions.get(c.concertId, requeued.userId)).toBeDefined();
  });
});
