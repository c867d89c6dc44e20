import { idempotencyKeys } from '@frontrow/db';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer, uniqueId } from '../../test/harness.ts';
import { createConcert, createFan, holdSeats } from '../booking/testing.ts';
import { balanceOf, charge, ledgerRows, moneyViolations, pay } from './testing.ts';

let t: TestServer;
beforeAll(async () => {
  t = await createTestServer({ RATE_LIMIT_BOOKING_PER_USER: '0' });
});
afterAll(() => t.close());

const key = (k: string) => ({ 'idempotency-key': k });

describe('Idempotency-Key on charges', () => {
  it('50 parallel charges with one key: one ledger row, one response for all', async () => {
    const fan = await createFan(t, []);
    const k = uniqueId('key');
    const results = await Promise.all(Array.from({ length: 50 }, () => charge(t, fan, 1_000, key(k))));
    expect(results.filter((r) => r.status >= 500).map((r) => r.body)).toEqual([]);
    // Each duplicate waited for the first and got its response (none needed a 409 here).
    for (const r of results) {
      expect(r.status).toBe(201);
      expect(r.body).toEqual(results[0]!.body);
    }
    expect(await ledgerRows(t, fan.userId)).toHaveLength(1);
    expect(await balanceOf(t, fan.userId)).toBe(1_000);

    const replay = await charge(t, fan, 1_000, key(k));
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(results[0]!.body);
    const reused = await charge(t, fan, 2_000, key(k));
    expect(reused.status).toBe(422);
    expect(reused.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await ledgerRows(t, fan.userId)).toHaveLength(1);
    expect(await moneyViolations(t, [fan.userId])).toEqual([]);
  });

  it('scopes keys per user and refuses malformed keys with 400', async () => {
    const a = await createFan(t, []);
    const b = await createFan(t, []);
    const k = uniqueId('key');
    expect((await charge(t, a, 500, key(k))).status).toBe(201);
    const other = await charge(t, b, 700, key(k));
    expect(other.status).toBe(201);
    expect(other.body.data.chargedAmount).toBe(700);
    for (const bad of ['x'.repeat(129), 'has space', '']) {
      const res = await charge(t, a, 500, key(bad));
      expect(res.status, bad).toBe(400);
    }
    expect((await charge(t, a, 500, key('k'.repeat(128)))).status).toBe(201);
    expect(await balanceOf(t, a.userId)).toBe(1_000);
  });

  it('records a refusal as the response of its key', async () => {
    const fan = await createFan(t, []);
    const k = uniqueId('key');
    const first = await charge(t, fan, t.config.points.maxCharge + 1, key(k));
    expect(first.status).toBe(422);
    const concert = await createConcert(t, { price: 5_000 });
    const payer = await createFan(t, [concert.concertId]);
    const hold = (await holdSeats(t, payer, concert, [concert.seatIds[0]!])).body.data;
    const pk = uniqueId('key');
    const refused = await pay(t, payer, concert.concertId, hold.reservationId, key(pk));
    expect(refused.status).toBe(402);
    await charge(t, payer, 5_000);
    // Same key, same body: the first answer stands (a new key pays).
    const replayed = await pay(t, payer, concert.concertId, hold.reservationId, key(pk));
    expect(replayed.status).toBe(402);
    expect(replayed.body).toEqual(refused.body);
    expect((await pay(t, payer, concert.concertId, hold.reservationId, key(uniqueId('key')))).status).toBe(
      201,
    );
  });

  it('expires keys after 24 hours: an expired key starts over, and the sweeper purges the rest', async () => {
    const fan = await createFan(t, []);
    const k = uniqueId('key');
    expect((await charge(t, fan, 100, key(k))).status).toBe(201);
    const db = t.services.database.db;
    const [row] = await db
      .select()
      .from(idempotencyKeys)
      .where(and(eq(idempotencyKeys.userId, fan.userId), eq(idempotencyKeys.key, k)));
    const ttl = row!.expiresAt.getTime() - row!.createdAt.getTime();
    expect(Math.abs(ttl - 24 * 3_600_000)).toBeLessThan(1_000);
    await db.execute(
      sql`UPDATE idempotency_keys SET expires_at = UTC_TIMESTAMP(3) - INTERVAL 1 SECOND WHERE user_id = ${fan.userId}`,
    );
    const fresh = await charge(t, fan, 200, key(k));
    expect(fresh.status).toBe(201);
    expect(fresh.body.data.chargedAmount).toBe(200);
    await db.execute(
      sql`UPDATE idempotency_keys SET expires_at = UTC_TIMESTAMP(3) - INTERVAL 1 SECOND WHERE user_id = ${fan.userId}`,
    );
    expect(await t.services.payments.idempotency.purgeExpired()).toBeGreaterThanOrEqual(1);
    expect(await db.select().from(idempotencyKeys).where(eq(idempotencyKeys.userId, fan.userId))).toEqual([]);
  });
});

describe('Idempotency-Key on payments and cancels', () => {
  it('replays a payment after its session ended; parallel duplicates debit once; another body is a 422', async () => {
    const concert = await createConcert(t, { price: 8_000 });
    const fan = await createFan(t, [concert.concertId]);
    await charge(t, fan, 20_000);
    const [h1, h2] = [
      (await holdSeats(t, fan, concert, [concert.seatIds[0]!])).body.data,
      (await holdSeats(t, fan, concert, [concert.seatIds[1]!])).body.data,
    ];
    const k = uniqueId('key');
    const results = await Promise.all(
      Array.from({ length: 10 }, () => pay(t, fan, concert.concertId, h1.reservationId, key(k))),
    );
    for (const r of results) {
      expect(r.status).toBe(201);
      expect(r.body).toEqual(results[0]!.body);
    }
    expect(await balanceOf(t, fan.userId)).toBe(12_000);
    // The session is over now, yet the retry is answered from the key.
    const retry = await pay(t, fan, concert.concertId, h1.reservationId, key(k));
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(results[0]!.body);
    const reused = await pay(t, fan, concert.concertId, h2.reservationId, key(k));
    expect(reused.status).toBe(422);
    expect(reused.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await balanceOf(t, fan.userId)).toBe(12_000);
    expect(await moneyViolations(t, [fan.userId])).toEqual([]);
  });

  it('accepts a key on cancel: the replay returns the first response', async () => {
    const concert = await createConcert(t);
    const fan = await createFan(t, [concert.concertId]);
    const hold = (await holdSeats(t, fan, concert, [concert.seatIds[0]!])).body.data;
    const k = uniqueId('key');
    const path = `/api/v1/reservations/${hold.reservationId}/cancel`;
    const first = await t.call('POST', path, { token: fan.token, headers: key(k) });
    expect(first.status).toBe(200);
    expect(first.body.data.status).toBe('CANCELLED');
    const replay = await t.call('POST', path, { token: fan.token, headers: key(k) });
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual(first.body);
    const fresh = await t.call('POST', path, { token: fan.token, headers: key(uniqueId('key')) });
    expect(fresh.status).toBe(409);
    const long = await t.call('POST', path, { token: fan.token, headers: key('x'.repeat(129)) });
    expect(long.status).toBe(400);
  });
});
