/** Test helpers of the inventory tests: a sale with few seats and fans who buy them. Not used by production code. */
import type { OpenSaleRequest } from '@frontrow/client/protocol';
import type { TestServer } from '../../test/harness.ts';
import { uniqueId } from '../../test/harness.ts';
import { createConcert, type TestConcert } from '../booking/testing.ts';

/** A concert of `seats` seats whose sale is open (admission driven by hand: no worker role). */
export async function createOpenConcert(
  t: TestServer,
  seats: number,
  overrides: OpenSaleRequest = {},
): Promise<TestConcert> {
  const concert = await createConcert(t, { rows: 1, seatsPerRow: seats });
  await t.services.sales.open(concert.concertId, overrides);
  return concert;
}

/** A user row with enough points for any seat of the tests. */
export async function createBuyer(t: TestServer): Promise<string> {
  const userId = uniqueId('buyer');
  await t.services.users.ensure({ id: userId, name: userId, tier: 'normal', role: 'user' });
  await t.services.payments.points.charge(userId, 500_000);
  return userId;
}

export async function holdSeat(t: TestServer, userId: string, concert: TestConcert, seatId: number) {
  return t.services.booking.hold({ userId, scheduleId: concert.scheduleId, seatIds: [seatId] });
}

/** Holds and pays one seat; returns the reservation id. */
export async function buySeat(t: TestServer, userId: string, concert: TestConcert, seatId: number) {
  const held = await holdSeat(t, userId, concert, seatId);
  await t.services.payments.payments.pay(userId, held.reservationId);
  return held.reservationId;
}
