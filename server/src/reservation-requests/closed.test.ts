import { reservations } from '@frontrow/db';
import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestServer, grantAccess, type TestServer } from '../../test/harness.ts';
import { createAdmissionScripts } from '../admission/scripts.ts';
import { createConcert, eventually, seatStatuses, type TestConcert } from '../booking/testing.ts';
import { createFan, type QueueFan, requestState, startWorker, submit } from './testing.ts';
import type { RequestWorker } from './worker.ts';

/**
 * A queued request is decided only while its sale is open and the booking session it was submitted in lives:
 * a queue that outlives either never takes a seat.
 */
const servers: TestServer[] = [];
const workers: RequestWorker[] = [];
afterEach(async () => {
  for (const w of workers.splice(0)) await w.close();
  for (const t of servers.splice(0)) await t.close();
});

async function server() {
  const t = await createTestServer();
  servers.push(t);
  return t;
}

async function queued(t: TestServer, fan: QueueFan, concert: TestConcert, seatIds: number[]) {
  const res = await submit(t, fan, concert.scheduleId, seatIds);
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body.data.requestId as string;
}

async function decided(t: TestServer, fan: QueueFan, requestId: string) {
  return eventually(async () => {
    const state = (await requestState(t, fan, requestId)).body.data;
    return state.status === 'COMPLETED' || state.status === 'FAILED' ? state : undefined;
  });
}

async function reservationsOf(t: TestServer, concert: TestConcert) {
  return t.services.database.db
    .select({ id: reservations.id })
    .from(reservations)
    .where(eq(reservations.scheduleId, concert.scheduleId));
}

describe('queued requests and the end of the sale', () => {
  it('closing the sale fails every waiting request with BOOKING_CLOSED at once and empties the queue', async () => {
    const t = await server();
    const concert = await createConcert(t);
    const fans = [
      await createFan(t, concert.concertId, 'vip'),
      await createFan(t, concert.concertId, 'normal'),
    ];
    const ids = [
      await queued(t, fans[0]!, concert, [concert.seatIds[0]!]),
      await queued(t, fans[1]!, concert, [concert.seatIds[1]!]),
      await queued(t, fans[1]!, concert, [concert.seatIds[2]!]),
    ];
    await t.services.sales.close(concert.concertId);
    // No worker runs: the close itself decided them.
    for (const [i, id] of ids.entries()) {
      const state = (await requestState(t, fans[i === 0 ? 0 : 1]!, id)).body.data;
      expect(state).toMatchObject({ status: 'FAILED', error: { code: 'BOOKING_CLOSED' } });
    }
    const counts = await t.services.reservationRequests.queues
      .queue(concert.concertId)
      .getJobCounts('wait', 'prioritized');
    expect(counts).toEqual({ wait: 0, prioritized: 0 });
    // A worker started now finds nothing to hold.
    workers.push(await startWorker(t));
    expect(await t.services.sales.close(concert.concertId)).toMatchObject({ saleState: 'CLOSED' });
    expect(await reservationsOf(t, concert)).toEqual([]);
  });

  it('a worker fails a request whose sale closed while it waited, even if the close did not drain the queue', async () => {
    const t = await server();
    const concert = await createConcert(t);
    const fan = await createFan(t, concert.concertId, 'normal');
    const id = await queued(t, fan, concert, [concert.seatIds[0]!]);
    // The first half of a close only (the process died before draining): the sale is CLOSED in Redis.
    const s = t.services;
    await createAdmissionScripts(s.redis, s.keys).closeSale(concert.concertId, [Date.now()]);
    workers.push(await startWorker(t));
    expect(await decided(t, fan, id)).toMatchObject({ status: 'FAILED', error: { code: 'BOOKING_CLOSED' } });
    expect(await reservationsOf(t, concert)).toEqual([]);
    expect([...(await seatStatuses(t, concert.scheduleId)).values()].every((v) => v === 'AVAILABLE')).toBe(
      true,
    );
  });

  it('fails with SESSION_ENDED a request whose booking session ended or was replaced; a live one completes', async () => {
    const t = await server();
    const concert = await createConcert(t);
    const ended = await createFan(t, concert.concertId, 'vip');
    const renewed = await createFan(t, concert.concertId, 'vip');
    const live = await createFan(t, concert.concertId, 'normal');
    const endedId = await queued(t, ended, concert, [concert.seatIds[0]!]);
    const renewedId = await queued(t, renewed, concert, [concert.seatIds[1]!]);
    const liveId = await queued(t, live, concert, [concert.seatIds[2]!]);
    // Paying ends a session this way; a session that ends and opens again is another session.
    await t.services.waitingRoom.finish(concert.concertId, ended.userId, 'PAID');
    await t.services.waitingRoom.finish(concert.concertId, renewed.userId, 'PAID');
    await grantAccess(t, renewed.userId, concert.concertId);

    workers.push(await startWorker(t));
    for (const [fan, id] of [
      [ended, endedId],
      [renewed, renewedId],
    ] as const) {
      expect(await decided(t, fan, id)).toMatchObject({ status: 'FAILED', error: { code: 'SESSION_ENDED' } });
    }
    expect(await decided(t, live, liveId)).toMatchObject({
      status: 'COMPLETED',
      result: { userId: live.userId },
    });
    expect(await reservationsOf(t, concert)).toHaveLength(1);
  });
});
