import { reservations } from '@frontrow/db';
import { inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import { createConcert, eventually, seatViolations, type TestConcert } from '../booking/testing.ts';
import { recordingSink } from '../events/index.ts';
import {
  type Ask,
  batch,
  createFan,
  predict,
  requestState,
  startWorker,
  submit,
  updates,
} from './testing.ts';
import type { RequestWorker } from './worker.ts';

/**
 * A worker dies in the middle of a batch (kill: its connection dropped, its jobs abandoned where they are, the job
 * in hand left active with a lock that lapses); a second worker finishes. Every request is decided exactly once,
 * none is lost, and the order still holds: the abandoned job goes back to the head of the queue.
 */
const sink = recordingSink();
// Short locks, so the abandoned job is re-run within seconds rather than the production 10 s.
const FAST = { lockDurationMs: 2_000, stalledIntervalMs: 500 };
let t: TestServer;
let concert: TestConcert;
const workers: RequestWorker[] = [];

beforeAll(async () => {
  t = await createTestServer({ MAX_SEATS_PER_USER: '4' }, { events: sink });
  concert = await createConcert(t, { rows: 10, seatsPerRow: 10 });
});
afterAll(async () => {
  for (const w of workers) await w.close();
  await t?.close();
});

async function counts() {
  return t.services.reservationRequests.stats(concert.concertId);
}

describe('a worker killed in the middle of a batch', () => {
  it('leaves nothing decided twice and nothing lost; a second worker finishes in order', async () => {
    const fans = [];
    for (let i = 0; i < 40; i++) fans.push(await createFan(t, concert.concertId, i < 8 ? 'vip' : 'normal'));
    const asks: Ask[] = batch(fans, () => 3, concert.seatIds, 11);
    const ids: string[] = [];
    for (const ask of asks) {
      const res = await submit(t, ask.fan, concert.scheduleId, ask.seatIds);
      expect(res.status).toBe(202);
      ids.push(res.body.data.requestId);
    }

    // The first worker decides batches of 8 and dies right after its third batch of holds committed and before
    // the decisions were recorded: the nastiest moment, as the holds must not be made twice when the job runs again.
    let batches = 0;
    let abandoned: string[] = [];
    const first: RequestWorker = await startWorker(t, {
      ...FAST,
      batchSize: 8,
      holdMany: async (inputs) => {
        const outcomes = await t.services.booking.holdMany(inputs);
        if (++batches === 3) {
          abandoned = inputs.map((input) => input.requestId!);
          void first.kill();
        }
        return outcomes;
      },
    });
    workers.push(first);
    await eventually(async () => (abandoned.length > 0 ? abandoned : undefined), 60_000);
    const atKill = await counts();
    // Two batches decided and recorded; the third held its seats but recorded nothing.
    expect(atKill.completed + atKill.failed).toBe(16);

    const heldAgain: string[] = [];
    const second = await startWorker(t, {
      ...FAST,
      holdMany: (inputs) => {
        heldAgain.push(...inputs.map((input) => input.requestId!));
        return t.services.booking.holdMany(inputs);
      },
    });
    workers.push(second);
    const done = await eventually(async () => {
      const s = await counts();
      return s.completed + s.failed === asks.length ? s : undefined;
    }, 90_000);
    // Each decision is counted when it is recorded, so a second decision of a request would show here.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await counts()).toMatchObject({
      completed: done.completed,
      failed: done.failed,
      pending: { total: 0 },
    });

    // The outcome is the one the queue order predicts, whoever decided what.
    const { outcomes } = predict(asks, t.config.sale.maxSeatsPerUser);
    const completed = new Map<string, number>();
    for (const [i, ask] of asks.entries()) {
      const state = (await requestState(t, ask.fan, ids[i]!)).body.data;
      const expected = outcomes.get(i)!;
      expect({ i, status: state.status, code: state.error?.code }).toEqual({
        i,
        status: expected.status,
        code: expected.status === 'FAILED' ? expected.code : undefined,
      });
      if (state.status === 'COMPLETED') completed.set(ids[i]!, state.result.reservationId);
    }
    expect(done.completed).toBe(completed.size);

    // One reservation per completed request, the very one its result names.
    const rows = await t.services.database.db
      .select({ id: reservations.id, requestId: reservations.requestId })
      .from(reservations)
      .where(inArray(reservations.requestId, ids));
    expect(new Map(rows.map((r) => [r.requestId!, r.id]))).toEqual(completed);
    expect(await seatViolations(t, concert.scheduleId)).toEqual([]);

    // A re-run may announce a decision again, never a different one.
    const verdicts = new Map<string, string>();
    for (const u of updates(sink.events)) {
      if (u.status !== 'COMPLETED' && u.status !== 'FAILED') continue;
      const verdict = `${u.status}:${u.result?.reservationId ?? u.error?.code}`;
      expect(verdicts.get(u.requestId) ?? verdict).toBe(verdict);
      verdicts.set(u.requestId, verdict);
    }
    expect(verdicts.size).toBe(asks.length);

    // The abandoned batch really was decided again after its job's lock lapsed: held twice, made once (the
    // reservation rows above are one per request).
    const head = await t.services.reservationRequests.queues.queue(concert.concertId).getJob(abandoned[0]!);
    expect(head?.stalledCounter).toBeGreaterThanOrEqual(1);
    expect(heldAgain).toEqual(expect.arrayContaining(abandoned));
  }, 180_000);
});
