import type { QueueStatus } from '@frontrow/client/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import { createWriteBehind } from '../admission/write-behind.ts';
import { deleteByPrefix } from '../redis/client.ts';
import { createFans, createSale, enter, QUIET, statusOf, type TestFan } from '../waiting-room/testing.ts';

let t: TestServer;
let admin: string;
beforeAll(async () => {
  t = await createTestServer(QUIET);
  admin = await t.token({ role: 'admin' });
});
afterAll(() => t.close());

const rebuild = (concertId: number, body?: unknown, token = admin) =>
  t.call('POST', `/api/v1/admin/concerts/${concertId}/queue/rebuild`, { token, body });

/** What a fan sees of its place; the rebuild must give back exactly this. */
const place = (s: QueueStatus) => ({
  status: s.status,
  lane: s.lane,
  ticket: s.ticket,
  laneSeq: s.laneSeq,
  position: s.position,
});

/** Writes the concert's queue log to MySQL, as the worker's drain job does every second. */
async function drain(concertId: number) {
  const wb = createWriteBehind({
    redis: t.services.redis,
    keys: t.services.keys,
    db: t.services.database.db,
    logger: t.services.logger,
  });
  await wb.drain(concertId);
}

/** A sale with a mixed queue: some fans left, one admitted, one admitted and entered. */
async function drop() {
  const concertId = await createSale(t, admin);
  const vips = await createFans(t, 3, 'vip');
  const normals = await createFans(t, 6);
  // Interleaved arrivals, so tickets and laneSeqs differ.
  for (let i = 0; i < 6; i++) {
    await enter(t, concertId, normals[i]!);
    if (vips[i]) await enter(t, concertId, vips[i]!);
  }
  expect(
    (await t.call('DELETE', `/api/v1/concerts/${concertId}/queue/me`, { token: normals[1]!.token })).status,
  ).toBe(200);
  await t.call('POST', `/api/v1/admin/concerts/${concertId}/sale/open`, { token: admin });
  await t.call('POST', `/api/v1/admin/concerts/${concertId}/sale/pause`, { token: admin });
  const admitted = await t.call('POST', `/api/v1/admin/concerts/${concertId}/admit`, {
    token: admin,
    body: { count: 2 },
  });
  expect(admitted.body.data.admitted).toBe(2);
  // The pre-queue was shuffled when the sale opened: two of the VIPs are READY now; one of them enters.
  const fans: TestFan[] = [...vips, ...normals];
  const ready: TestFan[] = [];
  for (const fan of vips) if ((await statusOf(t, concertId, fan)).status === 'READY') ready.push(fan);
  expect(ready).toHaveLength(2);
  const entered = ready[0]!;
  expect(
    (await t.call('POST', `/api/v1/concerts/${concertId}/queue/access-token`, { token: entered.token }))
      .status,
  ).toBe(200);
  const before = new Map<string, QueueStatus>();
  for (const fan of fans) before.set(fan.id, await statusOf(t, concertId, fan));
  await drain(concertId);
  return { concertId, vips, normals, fans, before, entered };
}

describe('rebuilding a waiting room from MySQL', () => {
  it('after Redis lost everything: the same tickets, lanes and order; admitted fans not queued again', async () => {
    const { concertId, normals, fans, before, entered } = await drop();
    await deleteByPrefix(t.services.redis, t.config.redisPrefix);
    expect((await statusOf(t, concertId, normals[0]!)).status).toBe('NOT_IN_QUEUE');

    const res = await rebuild(concertId);
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({
      status: 'rebuilt',
      saleState: 'PAUSED',
      waiting: { vip: 1, normal: 5 },
      ready: 2,
      ticketSeq: 9,
      laneSeq: { vip: 3, normal: 6 },
    });
    for (const fan of fans) {
      const was = before.get(fan.id)!;
      const now = await statusOf(t, concertId, fan);
      if (was.status === 'WAITING') expect(place(now)).toEqual(place(was));
      else if (was.status === 'NOT_IN_QUEUE') expect(now.status).toBe('NOT_IN_QUEUE');
      // READY stays READY; ENTERED lost its session with Redis and may claim a new one.
      else expect(now.status).toBe('READY');
    }
    const claim = await t.call('POST', `/api/v1/concerts/${concertId}/queue/access-token`, {
      token: entered.token,
    });
    expect(claim.status).toBe(200);

    // New fans continue after the highest ticket and laneSeq, behind everyone put back.
    const [late] = await createFans(t, 1);
    await enter(t, concertId, late!);
    const lateStatus = await statusOf(t, concertId, late!);
    expect(lateStatus).toMatchObject({ ticket: 10, laneSeq: 7, position: 7 });
    expect((await statusOf(t, concertId, normals[5]!)).position).toBe(before.get(normals[5]!.id)!.position);
  });

  it('is idempotent, refuses a live room unless forced, and is for admins only', async () => {
    const { concertId, normals, before } = await drop();
    expect((await rebuild(concertId, undefined, await t.token({}))).status).toBe(403);

    // Redis kept the room: nothing to do.
    const again = await rebuild(concertId);
    expect(again.status).toBe(200);
    expect(again.body.data).toMatchObject({ status: 'unchanged', restored: 0 });

    // Redis lost part of it (the last fan of the normal lane): refused, unless forced, which adds only that fan.
    const lost = [...normals].sort(
      (a, b) => (before.get(b.id)!.ticket ?? 0) - (before.get(a.id)!.ticket ?? 0),
    )[0]!;
    const was = await statusOf(t, concertId, lost);
    await t.services.redis
      .multi()
      .hdel(t.services.keys.fans(concertId), lost.id)
      .zrem(t.services.keys.lane(concertId, 'normal'), lost.id)
      .exec();
    const refused = await rebuild(concertId);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('QUEUE_LIVE');
    expect(refused.body.error.details).toMatchObject({ present: 7, planned: 8 });
    const forced = await rebuild(concertId, { force: true });
    expect(forced.body.data).toMatchObject({ status: 'rebuilt', restored: 1, alreadyPresent: 7 });
    expect(place(await statusOf(t, concertId, lost))).toEqual(place(was));
    expect((await rebuild(concertId)).body.data.status).toBe('unchanged');
  });

  it('a fan entering before the rebuild never reuses a ticket of the log, and queues behind the restored ones', async () => {
    const { concertId, normals, before } = await drop();
    await deleteByPrefix(t.services.redis, t.config.redisPrefix);
    const [early] = await createFans(t, 1);
    await enter(t, concertId, early!);
    expect(await statusOf(t, concertId, early!)).toMatchObject({ ticket: 10, laneSeq: 7, position: 1 });

    const res = await rebuild(concertId);
    // The early fan is in the log too by now (the rebuild writes the log behind first), and stays as it is.
    expect(res.body).toMatchObject({ data: { status: 'rebuilt', restored: 8, alreadyPresent: 1 } });
    expect(place(await statusOf(t, concertId, normals[0]!))).toEqual(place(before.get(normals[0]!.id)!));
    expect((await statusOf(t, concertId, early!)).position).toBe(7);
  });

  it('never puts back a fan whose leaving MySQL has not seen yet', async () => {
    const { concertId, normals, before } = await drop();
    const { redis, keys } = t.services;
    // Another drainer holds the log (say it died mid-batch): the leave below stays in Redis's log only.
    await redis.set(keys.queueLogLease(concertId), 'another-drainer', 'PX', 60_000);
    const leaver = normals.find((f) => before.get(f.id)!.status === 'WAITING')!;
    expect(
      (await t.call('DELETE', `/api/v1/concerts/${concertId}/queue/me`, { token: leaver.token })).status,
    ).toBe(200);
    const res = await rebuild(concertId, { force: true });
    expect(res.body.data).toMatchObject({ restored: 0, leaving: 1 });
    expect((await statusOf(t, concertId, leaver)).status).toBe('NOT_IN_QUEUE');
    await redis.del(keys.queueLogLease(concertId));
  });

  it('gives presale fans back their lane and place; a presale fan who left stays out', async () => {
    const concertId = await createSale(t, admin);
    const presale = await createFans(t, 4);
    const normals = await createFans(t, 3);
    const [vip] = await createFans(t, 1, 'vip');
    const allow = await t.call('POST', `/api/v1/admin/concerts/${concertId}/allow-list`, {
      token: admin,
      body: { userIds: presale.map((f) => f.id), lane: 'presale' },
    });
    expect(allow.status).toBe(200);
    for (let i = 0; i < 4; i++) {
      if (normals[i]) await enter(t, concertId, normals[i]!);
      await enter(t, concertId, presale[i]!);
    }
    await enter(t, concertId, vip!);
    const leaver = presale[1]!;
    expect(
      (await t.call('DELETE', `/api/v1/concerts/${concertId}/queue/me`, { token: leaver.token })).status,
    ).toBe(200);
    const fans = [...presale, ...normals, vip!];
    const before = new Map<string, QueueStatus>();
    for (const fan of fans) before.set(fan.id, await statusOf(t, concertId, fan));
    expect(before.get(presale[3]!.id)).toMatchObject({ lane: 'presale', laneSeq: 4, position: 4 });
    expect(before.get(normals[0]!.id)).toMatchObject({ lane: 'normal', position: 5 });
    await drain(concertId);
    const [[presaleRows]] = (await t.services.database.pool.query(
      "SELECT COUNT(*) AS n FROM queue_entries WHERE concert_id = ? AND lane = 'presale'",
      [concertId],
    )) as unknown as [[{ n: number }]];
    expect(Number(presaleRows.n)).toBe(4);

    await deleteByPrefix(t.services.redis, t.config.redisPrefix);
    const res = await rebuild(concertId);
    expect(res.body.data).toMatchObject({
      status: 'rebuilt',
      waiting: { vip: 1, presale: 3, normal: 3 },
      ticketSeq: 8,
      laneSeq: { vip: 1, presale: 4, normal: 3 },
    });
    for (const fan of fans)
      expect(place(await statusOf(t, concertId, fan)), fan.id).toEqual(place(before.get(fan.id)!));
    expect((await statusOf(t, concertId, leaver)).status).toBe('NOT_IN_QUEUE');

    // The allow-list lives in Redis only: the organiser uploads it again, and a presale fan entering now
    // queues at the back of the presale lane, after the highest laneSeq the log issued, ahead of normal.
    await t.call('POST', `/api/v1/admin/concerts/${concertId}/allow-list`, {
      token: admin,
      body: { userIds: [leaver.id], lane: 'presale' },
    });
    await enter(t, concertId, leaver);
    expect(await statusOf(t, concertId, leaver)).toMatchObject({
      lane: 'presale',
      ticket: 9,
      laneSeq: 5,
      position: 5,
    });
    expect((await statusOf(t, concertId, normals[0]!)).position).toBe(6);
  });

  it('answers 404 for an unknown concert', async () => {
    expect((await rebuild(987_654_321)).status).toBe(404);
  });
});
