import { reservations } from '@frontrow/db';
import { inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import { createConcert, eventually, seatViolations, type TestConcert } from '../booking/testing.ts';
import { selectRows } from '../db/tx.ts';
import { recordingSink } from '../events/index.ts';
import {
  type Ask,
  batch,
  createFan,
  predict,
  type QueueFan,
  requestState,
  startWorker,
  submit,
  updates,
} from './testing.ts';
import type { RequestWorker } from './worker.ts';

/**
 * 300 requests from 100 normal and 20 VIP fans for overlapping seats, submitted in a known order while no worker
 * runs; then one worker decides them. The decisions must come VIP lane first, in submission order inside each
 * lane, with exactly the winners a one-at-a-time model of the hold predicts, and no seat twice.
 */
const sink = recordingSink();
let t: TestServer;
let worker: RequestWorker | undefined;
let concert: TestConcert;
const asks: Ask[] = [];
const requestIds: string[] = [];

beforeAll(async () => {
  t = await createTestServer({ MAX_SEATS_PER_USER: '4' }, { events: sink });
  concert = await createConcert(t, { rows: 10, seatsPerRow: 10 });
  const fans: QueueFan[] = [];
  for (let i = 0; i < 20; i++) fans.push(await createFan(t, concert.concertId, 'vip'));
  for (let i = 0; i < 100; i++) fans.push(await createFan(t, concert.concertId, 'normal'));
  // VIPs ask 3 times (60), the first 40 normal fans 3 times and the others twice (240): 300 in all.
  asks.push(...batch(fans, (fan, i) => (fan.lane === 'vip' || i < 60 ? 3 : 2), concert.seatIds, 7));
  expect(asks).toHaveLength(300);
}, 120_000);

afterAll(async () => {
  await worker?.close();
  await t?.close();
});

describe('a batch of queued requests', () => {
  it('accepts every request in its lane, with its exact place while no worker runs', async () => {
    let vip = 0;
    let normal = 0;
    for (const ask of asks) {
      const res = await submit(t, ask.fan, concert.scheduleId, ask.seatIds);
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      if (ask.fan.lane === 'vip') vip++;
      else normal++;
      expect(res.body.data).toMatchObject({
        status: 'PENDING',
        lane: ask.fan.lane,
        position: ask.fan.lane === 'vip' ? vip : vip + normal,
      });
      requestIds.push(res.body.data.requestId);
    }
    const stats = await t.call('GET', `/api/v2/queue/stats/${concert.concertId}`, {
      token: asks[0]!.fan.token,
    });
    expect(stats.body.data).toMatchObject({ pending: { vip: 60, normal: 240, total: 300 }, processing: 0 });
  }, 120_000);

  it('decides VIP first, FIFO inside each lane, the predicted winners, no seat twice', async () => {
    expect(requestIds).toHaveLength(300);
    const { order, outcomes } = predict(asks, t.config.sale.maxSeatsPerUser);
    worker = await startWorker(t);
    const token = asks[0]!.fan.token;
    await eventually(async () => {
      const s = (await t.call('GET', `/api/v2/queue/stats/${concert.concertId}`, { token })).body.data;
      return s.completed + s.failed === 300 ? s : undefined;
    }, 120_000);

    // The order the worker decided them in (their verdicts, announced as recorded) is the queue's order.
    const decided = updates(sink.events)
      .filter((e) => e.status === 'COMPLETED' || e.status === 'FAILED')
      .map((e) => e.requestId);
    expect(decided).toEqual(order.map((i) => requestIds[i]));

    // Every request came to what the model says, and a won request holds exactly its seats.
    const winners: number[] = [];
    for (const [i, ask] of asks.entries()) {
      const res = await requestState(t, ask.fan, requestIds[i]!);
      expect(res.status).toBe(200);
      const state = res.body.data;
      const expected = outcomes.get(i)!;
      expect({ i, status: state.status, code: state.error?.code }).toEqual({
        i,
        status: expected.status,
        code: expected.status === 'FAILED' ? expected.code : undefined,
      });
      if (expected.status === 'COMPLETED') {
        winners.push(i);
        expect(state.result.seats.map((s: { seatId: number }) => s.seatId).sort()).toEqual(
          [...ask.seatIds].sort(),
        );
        expect(state.result).toMatchObject({ userId: ask.fan.userId, status: 'HELD' });
      }
    }
    expect(winners.length).toBeGreaterThan(20);
    expect(winners.length).toBeLessThan(300 - 20);
    // Both lanes won something and lost something: the batch really tests the order.
    expect(new Set(winners.map((i) => asks[i]!.fan.lane))).toEqual(new Set(['vip', 'normal']));

    // The database agrees: one reservation per winner, made for its request, and no seat in two.
    const rows = await t.services.database.db
      .select({ id: reservations.id, requestId: reservations.requestId })
      .from(reservations)
      .where(inArray(reservations.requestId, requestIds));
    expect(rows.map((r) => r.requestId).sort()).toEqual(winners.map((i) => requestIds[i]).sort());
    const twice = await selectRows<{ seat_id: number }>(
      t.services.database.db,
      sql`SELECT rs.seat_id FROM reservation_seats rs JOIN reservations r ON r.id = rs.reservation_id
          WHERE r.schedule_id = ${concert.scheduleId} GROUP BY rs.seat_id HAVING COUNT(*) > 1`,
    );
    expect(twice).toEqual([]);
    expect(await seatViolations(t, concert.scheduleId)).toEqual([]);

    const stats = (await t.call('GET', `/api/v2/queue/stats/${concert.concertId}`, { token })).body.data;
    expect(stats).toMatchObject({
      pending: { vip: 0, normal: 0, total: 0 },
      processing: 0,
      completed: winners.length,
      failed: 300 - winners.length,
      cancelled: 0,
      oldestPendingAgeMs: null,
    });
    // The last minute's window: all 300 unless this box took longer than a minute to decide them.
    expect(stats.decidedLastMinute).toBeGreaterThan(0);
    expect(stats.decidedLastMinute).toBeLessThanOrEqual(300);
    expect(stats.throughputPerSecond).toBeCloseTo(stats.decidedLastMinute / 60, 1);
    expect(stats.meanWaitMs).toBeGreaterThan(0);
  }, 180_000);
});
