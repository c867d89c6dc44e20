import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, grantAccess, type TestServer } from '../../test/harness.ts';
import { createConcert, eventually, type TestConcert } from '../booking/testing.ts';
import { recordingSink } from '../events/index.ts';
import { createFan, type QueueFan, requestState, startWorker, submit, updates } from './testing.ts';
import type { RequestWorker } from './worker.ts';

// `idle` runs no request worker, so its requests stay PENDING; `working` decides them.
const idleEvents = recordingSink();
let idle: TestServer;
let working: TestServer;
let worker: RequestWorker;
beforeAll(async () => {
  idle = await createTestServer({}, { events: idleEvents });
  working = await createTestServer();
  worker = await startWorker(working);
});
afterAll(async () => {
  await worker?.close();
  await idle?.close();
  await working?.close();
});

const path = (requestId: string) => `/api/v2/reservations/${requestId}`;

async function decided(t: TestServer, fan: QueueFan, requestId: string) {
  return eventually(async () => {
    const state = (await requestState(t, fan, requestId)).body.data;
    return state.status === 'COMPLETED' || state.status === 'FAILED' ? state : undefined;
  });
}

describe('POST /api/v2/reservations', () => {
  it('queues the request in the lane of the user token, whatever the body says', async () => {
    const concert = await createConcert(idle);
    const vip = await createFan(idle, concert.concertId, 'vip');
    const normal = await createFan(idle, concert.concertId, 'normal');
    const first = await submit(idle, normal, concert.scheduleId, [concert.seatIds[0]!], { lane: 'vip' });
    expect(first.status).toBe(202);
    expect(first.body.data).toEqual({
      requestId: expect.stringMatching(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      ),
      status: 'PENDING',
      lane: 'normal',
      position: 1,
    });
    // A VIP request goes ahead of every normal one.
    const second = await submit(idle, vip, concert.scheduleId, [concert.seatIds[1]!], { lane: 'normal' });
    expect(second.body.data).toMatchObject({ lane: 'vip', position: 1 });
    const third = await submit(idle, normal, concert.scheduleId, [concert.seatIds[2]!]);
    expect(third.body.data).toMatchObject({ lane: 'normal', position: 3 });

    const state = await requestState(idle, normal, first.body.data.requestId);
    expect(state.status).toBe(200);
    expect(state.body.data).toEqual({
      requestId: first.body.data.requestId,
      status: 'PENDING',
      lane: 'normal',
      concertId: concert.concertId,
      scheduleId: concert.scheduleId,
      seatIds: [concert.seatIds[0]],
      submittedAt: expect.any(String),
      startedAt: null,
      decidedAt: null,
    });
  });

  it('needs the user token and the access token of the schedule’s concert', async () => {
    const concert = await createConcert(idle);
    const other = await createConcert(idle);
    const fan = await createFan(idle, concert.concertId, 'normal');
    const stranger = await createFan(idle, other.concertId, 'normal');
    const body = { scheduleId: concert.scheduleId, seatIds: [concert.seatIds[0]] };

    const noAccess = await idle.call('POST', '/api/v2/reservations', { token: fan.token, body });
    expect(noAccess.status).toBe(401);
    const noUser = await idle.call('POST', '/api/v2/reservations', {
      body,
      headers: { 'x-queue-token': fan.access },
    });
    expect(noUser.status).toBe(401);
    const wrong = await submit(idle, stranger, concert.scheduleId, [concert.seatIds[0]!]);
    expect(wrong.status).toBe(403);
    expect(wrong.body.error.code).toBe('WRONG_CONCERT');
    // Another fan's access token is not the caller's.
    const borrowed = await submit(idle, { ...fan, access: stranger.access }, other.scheduleId, [
      other.seatIds[0]!,
    ]);
    expect(borrowed.status).toBe(403);
    expect(borrowed.body.error.code).toBe('FORBIDDEN');
  });

  it('answers 400 for a malformed body and 404 for an unknown schedule', async () => {
    const concert = await createConcert(idle);
    const fan = await createFan(idle, concert.concertId, 'normal');
    for (const seatIds of [[], [concert.seatIds[0], concert.seatIds[0]], ['x'], [0]]) {
      const res = await submit(idle, fan, concert.scheduleId, seatIds as number[]);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_ERROR');
    }
    const unknown = await submit(idle, fan, 2_000_000_000, [concert.seatIds[0]!]);
    expect(unknown.status).toBe(404);
  });

  it('allows a fan at most 3 pending requests per concert (429 RATE_LIMITED with Retry-After)', async () => {
    const concert = await createConcert(idle);
    const other = await createConcert(idle);
    const fan = await createFan(idle, concert.concertId, 'normal');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await submit(idle, fan, concert.scheduleId, [concert.seatIds[i]!]);
      expect(res.status).toBe(202);
      ids.push(res.body.data.requestId);
    }
    const refused = await submit(idle, fan, concert.scheduleId, [concert.seatIds[3]!]);
    expect(refused.status).toBe(429);
    expect(refused.body.error).toMatchObject({ code: 'RATE_LIMITED', details: { limit: 3, pending: 3 } });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);

    // Another concert has its own count; a cancelled request no longer counts.
    const elsewhere = { ...fan, access: await grantAccess(idle, fan.userId, other.concertId) };
    expect((await submit(idle, elsewhere, other.scheduleId, [other.seatIds[0]!])).status).toBe(202);
    expect((await idle.call('DELETE', path(ids[0]!), { token: fan.token })).status).toBe(200);
    expect((await submit(idle, fan, concert.scheduleId, [concert.seatIds[3]!])).status).toBe(202);
  });
});

describe('GET and DELETE /api/v2/reservations/{requestId}', () => {
  let concert: TestConcert;
  let fan: QueueFan;
  let other: QueueFan;
  beforeAll(async () => {
    concert = await createConcert(idle);
    fan = await createFan(idle, concert.concertId, 'normal');
    other = await createFan(idle, concert.concertId, 'normal');
  });

  it('answers 404 for someone else’s request, 404 for an unknown one and 400 for a malformed id', async () => {
    const { requestId } = (await submit(idle, fan, concert.scheduleId, [concert.seatIds[0]!])).body.data;
    const theirs = await requestState(idle, other, requestId);
    expect(theirs.status).toBe(404);
    expect(theirs.body.error.code).toBe('NOT_FOUND');
    const cancelTheirs = await idle.call('DELETE', path(requestId), { token: other.token });
    expect(cancelTheirs.status).toBe(404);
    expect((await requestState(idle, fan, requestId)).body.data.status).toBe('PENDING');

    expect((await requestState(idle, fan, randomUUID())).status).toBe(404);
    for (const bad of ['42', 'not-a-uuid', `${randomUUID()}x`]) {
      const res = await requestState(idle, fan, bad);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_ERROR');
      expect((await idle.call('DELETE', path(bad), { token: fan.token })).status).toBe(400);
    }
    expect((await idle.call('GET', path(requestId))).status).toBe(401);
  });

  it('cancels a PENDING request: CANCELLED, its job gone, announced, counted once', async () => {
    const { requestId } = (await submit(idle, fan, concert.scheduleId, [concert.seatIds[1]!])).body.data;
    const queue = idle.services.reservationRequests.queues.queue(concert.concertId);
    expect(await queue.getJobState(requestId)).toBe('prioritized');

    const res = await idle.call('DELETE', path(requestId), { token: fan.token });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ requestId, status: 'CANCELLED', decidedAt: expect.any(String) });
    expect(await queue.getJobState(requestId)).toBe('unknown');
    expect((await requestState(idle, fan, requestId)).body.data.status).toBe('CANCELLED');
    expect(updates(idleEvents.events).filter((e) => e.requestId === requestId)).toEqual([
      { type: 'reservation.update', userId: fan.userId, requestId, status: 'CANCELLED' },
    ]);
    // Cancelling again answers the same state and changes nothing.
    const again = await idle.call('DELETE', path(requestId), { token: fan.token });
    expect(again.status).toBe(200);
    expect(again.body.data.status).toBe('CANCELLED');
    const stats = await idle.services.reservationRequests.stats(concert.concertId);
    expect(stats.cancelled).toBe(1);
  });

  it('refuses to cancel once a worker has taken the request (409 ALREADY_PROCESSING)', async () => {
    const seatIds = [concert.seatIds[2]!];
    const { requestId } = (await submit(idle, fan, concert.scheduleId, seatIds)).body.data;
    // What a worker does first, atomically with a cancel: PENDING → PROCESSING.
    const job = (await idle.services.reservationRequests.queues.queue(concert.concertId).getJob(requestId))!;
    expect(await idle.services.reservationRequests.claim([job.data])).toEqual(['CLAIMED']);
    const res = await idle.call('DELETE', path(requestId), { token: fan.token });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'ALREADY_PROCESSING', details: { status: 'PROCESSING' } });
    expect((await requestState(idle, fan, requestId)).body.data.status).toBe('PROCESSING');
  });
});

describe('a batch, claimed and decided in one script call each', () => {
  it('answers every request by its own state, in order, and records each decision once', async () => {
    const svc = idle.services.reservationRequests;
    const concert = await createConcert(idle);
    const fans: QueueFan[] = [];
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const fan = await createFan(idle, concert.concertId, 'normal');
      fans.push(fan);
      ids.push((await submit(idle, fan, concert.scheduleId, [concert.seatIds[i]!])).body.data.requestId);
    }
    const queue = svc.queues.queue(concert.concertId);
    const jobs = await Promise.all(ids.map(async (id) => (await queue.getJob(id))!.data));
    // 0: cancelled by its fan; 1: decided by an earlier run; 2: expired (its hash gone); 3: waiting.
    expect((await idle.call('DELETE', path(ids[0]!), { token: fans[0]!.token })).status).toBe(200);
    const lost = { status: 'FAILED', error: { code: 'SEAT_UNAVAILABLE', message: 'Taken' } } as const;
    expect(await svc.decide([{ job: jobs[1]!, decision: lost }])).toEqual([lost]);
    await idle.services.redis.del(idle.services.keys.request(concert.concertId, ids[2]!));

    const mark = idleEvents.events.length;
    expect(await svc.claim(jobs)).toEqual(['CANCELLED', 'DECIDED', 'GONE', 'CLAIMED']);
    // The earlier decision is announced again (pushes are at least once); claiming announces nothing else.
    expect(updates(idleEvents.events.slice(mark))).toEqual([
      { type: 'reservation.update', userId: fans[1]!.userId, requestId: ids[1], ...lost },
    ]);
    expect((await requestState(idle, fans[3]!, ids[3]!)).body.data.status).toBe('PROCESSING');

    // Deciding the whole batch records only the taken request; the earlier decision stands.
    const limit = { status: 'FAILED', error: { code: 'SEAT_LIMIT_EXCEEDED', message: 'Limit' } } as const;
    expect(await svc.decide(jobs.map((job) => ({ job, decision: limit })))).toEqual([
      undefined,
      lost,
      undefined,
      limit,
    ]);
    expect((await requestState(idle, fans[1]!, ids[1]!)).body.data.error.code).toBe('SEAT_UNAVAILABLE');
    expect((await requestState(idle, fans[3]!, ids[3]!)).body.data).toMatchObject({
      status: 'FAILED',
      error: limit.error,
    });
    expect(await svc.stats(concert.concertId)).toMatchObject({ completed: 0, failed: 2, cancelled: 1 });
  });
});

describe('decisions', () => {
  it('completes with the hold, fails with the hold’s error, and cannot be cancelled after', async () => {
    const concert = await createConcert(working);
    const first = await createFan(working, concert.concertId, 'normal');
    const second = await createFan(working, concert.concertId, 'vip');
    const seat = concert.seatIds[0]!;

    const won = (await submit(working, first, concert.scheduleId, [seat, concert.seatIds[1]!])).body.data;
    const wonState = await decided(working, first, won.requestId);
    expect(wonState).toMatchObject({
      status: 'COMPLETED',
      startedAt: expect.any(String),
      decidedAt: expect.any(String),
      result: { userId: first.userId, status: 'HELD', totalAmount: 100_000 },
    });
    // The hold is the fan's reservation like any other.
    const mine = await working.call('GET', `/api/v1/reservations/${wonState.result.reservationId}`, {
      token: first.token,
    });
    expect(mine.body.data.reservationNumber).toBe(wonState.result.reservationNumber);

    const lost = (await submit(working, second, concert.scheduleId, [seat])).body.data;
    expect(await decided(working, second, lost.requestId)).toMatchObject({
      status: 'FAILED',
      error: { code: 'SEAT_UNAVAILABLE', details: { seatIds: [seat] } },
    });
    const tooMany = (await submit(working, second, concert.scheduleId, concert.seatIds.slice(2, 7))).body
      .data;
    expect(await decided(working, second, tooMany.requestId)).toMatchObject({
      status: 'FAILED',
      error: { code: 'SEAT_LIMIT_EXCEEDED' },
    });

    for (const [fan, id] of [
      [first, won.requestId],
      [second, lost.requestId],
    ] as const) {
      const res = await working.call('DELETE', path(id), { token: fan.token });
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('ALREADY_PROCESSING');
    }
    expect((await working.call('DELETE', path(won.requestId), { token: second.token })).status).toBe(404);
  });
});

describe('GET /api/v2/queue/stats/{concertId} and /api/v2/queue/health', () => {
  it('reports pending per lane and decisions to a signed-in user', async () => {
    const concert = await createConcert(working);
    const fan = await createFan(working, concert.concertId, 'vip');
    const statsPath = `/api/v2/queue/stats/${concert.concertId}`;
    expect((await working.call('GET', statsPath)).status).toBe(401);
    expect((await working.call('GET', '/api/v2/queue/stats/2000000000', { token: fan.token })).status).toBe(
      404,
    );
    expect((await working.call('GET', '/api/v2/queue/stats/abc', { token: fan.token })).status).toBe(400);

    const empty = await working.call('GET', statsPath, { token: fan.token });
    expect(empty.status).toBe(200);
    expect(empty.body.data).toMatchObject({
      concertId: concert.concertId,
      pending: { vip: 0, normal: 0, total: 0 },
      processing: 0,
      completed: 0,
      failed: 0,
      cancelled: 0,
      meanWaitMs: null,
      throughputPerSecond: 0,
      oldestPendingAgeMs: null,
    });
    const { requestId } = (await submit(working, fan, concert.scheduleId, [concert.seatIds[0]!])).body.data;
    await decided(working, fan, requestId);
    const after = (await working.call('GET', statsPath, { token: fan.token })).body.data;
    expect(after).toMatchObject({ completed: 1, failed: 0, decidedLastMinute: 1 });
    expect(after.meanWaitMs).toBeGreaterThanOrEqual(0);
  });

  it('shows pending age per lane head while no worker runs', async () => {
    const concert = await createConcert(idle);
    const vip = await createFan(idle, concert.concertId, 'vip');
    const normal = await createFan(idle, concert.concertId, 'normal');
    await submit(idle, normal, concert.scheduleId, [concert.seatIds[0]!]);
    await submit(idle, vip, concert.scheduleId, [concert.seatIds[1]!]);
    await submit(idle, vip, concert.scheduleId, [concert.seatIds[2]!]);
    const stats = (await idle.call('GET', `/api/v2/queue/stats/${concert.concertId}`, { token: vip.token }))
      .body.data;
    expect(stats).toMatchObject({ pending: { vip: 2, normal: 1, total: 3 }, processing: 0 });
    expect(stats.oldestPendingAgeMs).toBeGreaterThanOrEqual(0);
  });

  it('is public, and degraded while requests wait with no worker alive', async () => {
    const healthy = await working.call('GET', '/api/v2/queue/health');
    expect(healthy.status).toBe(200);
    expect(healthy.body.data).toMatchObject({
      status: 'ok',
      redis: { ok: true },
      workers: { alive: 1, lastHeartbeatAt: expect.any(String) },
    });

    const concert = await createConcert(idle);
    const fan = await createFan(idle, concert.concertId, 'normal');
    await submit(idle, fan, concert.scheduleId, [concert.seatIds[0]!]);
    const stuck = await idle.call('GET', '/api/v2/queue/health');
    expect(stuck.status).toBe(200);
    expect(stuck.body.data).toMatchObject({
      status: 'degraded',
      workers: { alive: 0, lastHeartbeatAt: null },
    });
    expect(stuck.body.data.pending).toBeGreaterThanOrEqual(1);
    expect(stuck.body.data.oldestPendingAgeMs).toBeGreaterThanOrEqual(0);
  });
});

describe('OpenAPI', () => {
  it('documents the v2 routes, their security and the 202', async () => {
    const doc = (await idle.call('GET', '/openapi.json')).body;
    const submitDoc = doc.paths['/api/v2/reservations'].post;
    expect(submitDoc.responses['202']).toBeDefined();
    expect(submitDoc.security).toEqual([{ bearerAuth: [], queueToken: [] }]);
    const one = doc.paths['/api/v2/reservations/{requestId}'];
    expect(Object.keys(one).sort()).toEqual(['delete', 'get']);
    expect(one.get.parameters[0]).toMatchObject({
      name: 'requestId',
      in: 'path',
      schema: { format: 'uuid' },
    });
    expect(doc.paths['/api/v2/queue/stats/{concertId}'].get.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.paths['/api/v2/queue/health'].get.security).toBeUndefined();
    expect(doc.components.schemas.ReservationRequestState).toBeDefined();
  });
});
