import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer, uniqueId } from '../../test/harness.ts';
import { createConcert, createFan, type Fan, holdSeats } from '../booking/testing.ts';
import { balanceOf, charge, ledgerRows, moneyViolations, pay } from '../payments/testing.ts';

/**
 * A token's `sub` and an Idempotency-Key are compared byte for byte everywhere: Redis and TypeScript do, so
 * MySQL must too, or subjects differing only in case or accents would share a balance, a seat limit and each
 * other's reservations.
 */
let t: TestServer;
beforeAll(async () => {
  t = await createTestServer({ RATE_LIMIT_BOOKING_PER_USER: '0', MAX_SEATS_PER_USER: '2' });
});
afterAll(() => t.close());

/** The same subject three times: as given, in capitals, and with an accent on its first letter. */
function lookalikes(): string[] {
  const base = uniqueId('alice');
  return [base, base.toUpperCase(), `á${base.slice(1)}`];
}

const get = (fan: Fan, path: string) => t.call('GET', path, { token: fan.token });

describe('user ids are exact', () => {
  it('subjects differing only in case or accents are separate fans: balances, seat limits, reservations, payments', async () => {
    const concert = await createConcert(t, { rows: 2, seatsPerRow: 5, price: 1_000 });
    const fans: Fan[] = [];
    for (const userId of lookalikes()) fans.push(await createFan(t, [concert.concertId], { userId }));

    // Each charges a different amount and sees exactly its own balance.
    for (const [i, fan] of fans.entries()) expect((await charge(t, fan, 10_000 * (i + 1))).status).toBe(201);
    for (const [i, fan] of fans.entries()) {
      expect(await balanceOf(t, fan.userId)).toBe(10_000 * (i + 1));
      expect((await get(fan, '/api/v1/points')).body.data.balance).toBe(10_000 * (i + 1));
      expect(await ledgerRows(t, fan.userId)).toHaveLength(1);
    }

    // MAX_SEATS_PER_USER is 2: each of the three holds two seats of the same schedule and pays for them.
    const held: number[] = [];
    for (const [i, fan] of fans.entries()) {
      const res = await holdSeats(t, fan, concert, concert.seatIds.slice(2 * i, 2 * i + 2));
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      held.push(res.body.data.reservationId);
      expect((await pay(t, fan, concert.concertId, res.body.data.reservationId)).status).toBe(201);
    }

    // Nobody reads another's reservation or payment, by id or in a list.
    for (const [i, fan] of fans.entries()) {
      for (const [j, reservationId] of held.entries()) {
        const res = await get(fan, `/api/v1/reservations/${reservationId}`);
        expect(res.status, `fan ${i} reads reservation of fan ${j}`).toBe(i === j ? 200 : 404);
      }
      const mine = (await get(fan, '/api/v1/reservations')).body.data;
      expect(mine.map((r: { reservationId: number }) => r.reservationId)).toEqual([held[i]]);
      const paid = (await get(fan, '/api/v1/payments')).body.data;
      expect(paid.map((p: { reservationId: number }) => p.reservationId)).toEqual([held[i]]);
    }
    expect(
      await moneyViolations(
        t,
        fans.map((f) => f.userId),
      ),
    ).toEqual([]);
  });

  it('Idempotency-Keys differing only in case do not replay each other', async () => {
    const fan = await createFan(t, []);
    const k = uniqueId('Key');
    const first = await charge(t, fan, 700, { 'idempotency-key': k });
    const second = await charge(t, fan, 700, { 'idempotency-key': k.toLowerCase() });
    expect([first.status, second.status]).toEqual([201, 201]);
    expect(await ledgerRows(t, fan.userId)).toHaveLength(2);
    expect(await balanceOf(t, fan.userId)).toBe(1_400);
    // The exact key still replays.
    expect((await charge(t, fan, 700, { 'idempotency-key': k })).body).toEqual(first.body);
    expect(await balanceOf(t, fan.userId)).toBe(1_400);
  });

  it('refuses a subject that MySQL would pad to another (trailing space) with 401 INVALID_TOKEN', async () => {
    const userId = uniqueId('pad');
    const token = await t.token({ id: `${userId} ` });
    const res = await t.call('GET', '/api/v1/points', { token });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('INVALID_TOKEN');
  });
});
