import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import { createConcert, eventually } from '../booking/testing.ts';
import { createFan, requestState, startWorker, submit } from './testing.ts';
import type { RequestWorker } from './worker.ts';

/**
 * A submit records its request in Redis and then dies before adding the BullMQ job: the sweeper queues it, so
 * the fan gets a decision now instead of a request PENDING until it expires.
 */
let t: TestServer;
let worker: RequestWorker;
beforeAll(async () => {
  t = await createTestServer();
  worker = await startWorker(t);
});
afterAll(async () => {
  await worker?.close();
  await t?.close();
});

describe('a request recorded but never queued', () => {
  it('is queued by the sweeper and decided; sweeping again adds nothing', async () => {
    const concert = await createConcert(t);
    const fan = await createFan(t, concert.concertId, 'normal');
    const svc = t.services.reservationRequests;
    const session = await t.services.accessSessions.get(concert.concertId, fan.userId);

    // The first half only: the process "dies" inside the BullMQ add, which never returns.
    const ready = svc.queues.ready;
    svc.queues.ready = () => new Promise(() => undefined);
    void svc.submit({
      userId: fan.userId,
      lane: 'normal',
      concertId: concert.concertId,
      scheduleId: concert.scheduleId,
      seatIds: [concert.seatIds[0]!],
      jti: session!.jti,
    });
    const stranded = t.services.keys.requestUnqueued(concert.concertId);
    const [requestId] = await eventually(async () => {
      const ids = await t.services.redis.zrangebyscore(stranded, '-inf', '+inf');
      return ids.length > 0 ? ids : undefined;
    });
    svc.queues.ready = ready;
    expect(await svc.queues.queue(concert.concertId).getJob(requestId!)).toBeUndefined();

    // A request submitted normally meanwhile is not queued twice.
    const normal = await submit(t, fan, concert.scheduleId, [concert.seatIds[1]!]);
    expect(normal.status).toBe(202);

    expect(await svc.requeueStranded(0)).toBe(1);
    const state = await eventually(async () => {
      const s = (await requestState(t, fan, requestId!)).body.data;
      return s?.status === 'COMPLETED' ? s : undefined;
    });
    expect(state.result).toMatchObject({ userId: fan.userId, status: 'HELD' });
    expect(await svc.requeueStranded(0)).toBe(0);
    expect(await t.services.redis.zcard(stranded)).toBe(0);
  });
});
