import { positionFromTick } from '@frontrow/client/position';
import type { QueueStatus } from '@frontrow/client/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import { recordingSink } from '../events/index.ts';
import {
  createFans,
  createSale,
  enter,
  manualClock,
  QUIET,
  statusOf,
  type TestFan,
} from '../waiting-room/testing.ts';

const clock = manualClock();
const sink = recordingSink();
let t: TestServer;
let admin: string;
beforeAll(async () => {
  // Admission steps are driven by hand here (no worker role): the test decides when a tick happens.
  t = await createTestServer(
    {
      ...QUIET,
      ADMIT_GROUP_SIZE: '2',
      MAX_ACTIVE_USERS: '3',
      READY_WINDOW_MINUTES: '1',
      SESSION_MINUTES: '2',
    },
    { now: clock.now, events: sink },
  );
  admin = await t.token({ role: 'admin' });
});
afterAll(() => t.close());

/** An open sale with fans entered after it opened (no pre-queue shuffle): first come, first served. */
async function openSaleWith(fans: TestFan[]): Promise<number> {
  const concertId = await createSale(t, admin);
  const opened = await t.call('POST', `/api/v1/admin/concerts/${concertId}/sale/open`, { token: admin });
  expect(opened.status).toBe(200);
  for (const fan of fans) expect((await enter(t, concertId, fan)).status).toBe(201);
  return concertId;
}

const tick = async (concertId: number, id: string) =>
  (await t.services.admission.tick(concertId, id)).admitted.map((a) => a.userId);
const claim = (concertId: number, fan: TestFan) =>
  t.call('POST', `/api/v1/concerts/${concertId}/queue/access-token`, { token: fan.token });

describe('admission', () => {
  it('admits a group per tick, VIP lane first, never beyond the active cap, and refills freed slots', async () => {
    const [n1, n2, n3, n4] = await createFans(t, 4, 'normal');
    const [v1, v2] = await createFans(t, 2, 'vip');
    const concertId = await openSaleWith([n1!, n2!, v1!, n3!, v2!, n4!]);

    expect(await tick(concertId, 'a')).toEqual([v1!.id, v2!.id]);
    expect(await tick(concertId, 'b')).toEqual([n1!.id]); // the cap of 3 leaves room for one
    expect(await tick(concertId, 'c')).toEqual([]);
    expect(await statusOf(t, concertId, v1!)).toMatchObject({
      status: 'READY',
      canEnter: true,
      position: null,
    });
    expect(await statusOf(t, concertId, n2!)).toMatchObject({ status: 'WAITING', position: 1 });

    // A claim keeps the slot taken; a payment ending the session frees it with no further action.
    expect((await claim(concertId, v1!)).status).toBe(200);
    expect(await tick(concertId, 'd')).toEqual([]);
    await t.services.accessSessions.end(concertId, v1!.id);
    expect(await tick(concertId, 'e')).toEqual([n2!.id]);
    expect((await statusOf(t, concertId, v1!)).status).toBe('EXPIRED');

    // A READY fan who leaves frees its slot too.
    expect(
      (await t.call('DELETE', `/api/v1/concerts/${concertId}/queue/me`, { token: v2!.token })).status,
    ).toBe(200);
    expect(await tick(concertId, 'f')).toEqual([n3!.id]);
    expect(await statusOf(t, concertId, n4!)).toMatchObject({ status: 'WAITING', position: 1 });

    const admitted = sink.events.filter((e) => e.type === 'queue.admitted' && e.concertId === concertId);
    expect(admitted.map((e) => (e as { userId: string }).userId)).toEqual([
      v1!.id,
      v2!.id,
      n1!.id,
      n2!.id,
      n3!.id,
    ]);
  });

  it('runs a tick once: the same tick twice at the same moment admits one group', async () => {
    const fans = await createFans(t, 6);
    const concertId = await openSaleWith(fans);
    const [a, b] = await Promise.all([
      t.services.admission.tick(concertId, 'same-tick'),
      t.services.admission.tick(concertId, 'same-tick'),
    ]);
    expect([a.duplicate, b.duplicate].sort()).toEqual([false, true]);
    expect(a.admitted.length + b.admitted.length).toBe(2);
  });

  it('measures the admission rate and estimates from it', async () => {
    const fans = await createFans(t, 8);
    const concertId = await openSaleWith(fans);
    const before = await statusOf(t, concertId, fans[7]!);
    // Configured: 2 fans every 30 s → 7 ahead take 105 s.
    expect(before.estimatedWaitSeconds).toBe(105);
    clock.advance(10_000);
    const admitted = await t.call('POST', `/api/v1/admin/concerts/${concertId}/admit`, {
      token: admin,
      body: { count: 3 },
    });
    expect(admitted.body.data).toMatchObject({ requested: 3, admitted: 3, active: 3, maxActive: 3 });
    // Measured: an admin's 3 fans 10 s after the sale opened = 0.3/s (not spread over the 30 s interval) → 4
    // ahead take 14 s.
    const after = await statusOf(t, concertId, fans[7]!);
    expect(after.aheadCount).toBe(4);
    expect(after.estimatedWaitSeconds).toBe(14);
  });

  it('counts a scheduled tick as one interval of admissions, even the first one right at the opening', async () => {
    const fans = await createFans(t, 6);
    const concertId = await openSaleWith(fans);
    expect(await tick(concertId, 'rate-first')).toHaveLength(2);
    // 2 fans in the first tick = 2 per 30 s → 3 ahead take 45 s.
    const status = await statusOf(t, concertId, fans[5]!);
    expect(status.aheadCount).toBe(3);
    expect(status.estimatedWaitSeconds).toBe(45);
  });
});

describe('three lanes: VIP, then presale, then normal', () => {
  it('admits hundreds of concurrently entered fans lane by lane, first come first served inside each', async () => {
    const concertId = await createSale(t, admin, { seats: 200 });
    const vip = await createFans(t, 40, 'vip');
    const listed = await createFans(t, 30);
    const withCode = await createFans(t, 30);
    const normal = await createFans(t, 90);
    const allow = await t.call('POST', `/api/v1/admin/concerts/${concertId}/allow-list`, {
      token: admin,
      body: { userIds: listed.map((f) => f.id), lane: 'presale' },
    });
    expect(allow.status).toBe(200);
    const codes = await t.call('POST', `/api/v1/admin/concerts/${concertId}/access-codes`, {
      token: admin,
      body: { count: 1, usesPerCode: 30, lane: 'presale', expiresAt: new Date(clock.ms() + 3_600_000) },
    });
    const [code] = codes.body.data.codes as string[];
    const opened = await t.call('POST', `/api/v1/admin/concerts/${concertId}/sale/open`, {
      token: admin,
      body: { maxActive: 1000, groupSize: 1000 },
    });
    expect(opened.status).toBe(200);

    // Every fan at once, the lanes interleaved (a fixed permutation: 97 and 190 are coprime).
    const all = [...normal, ...vip, ...listed, ...withCode];
    const everyone = all.map((_, i) => all[(i * 97) % all.length]!);
    const entered = await Promise.all(
      everyone.map((fan) =>
        t.call('POST', `/api/v1/concerts/${concertId}/queue`, {
          token: fan.token,
          ...(withCode.includes(fan) ? { body: { accessCode: code } } : {}),
        }),
      ),
    );
    expect(entered.map((r) => r.status)).toEqual(everyone.map(() => 201));
    const presale = [...listed, ...withCode];
    const laneOf = (fan: TestFan) =>
      fan.tier === 'vip' ? 'vip' : presale.includes(fan) ? 'presale' : 'normal';
    const statuses = new Map(everyone.map((fan, i) => [fan.id, entered[i]!.body.data as QueueStatus]));

    // Dense tickets over the room, dense laneSeqs inside each lane.
    const tickets = [...statuses.values()].map((s) => s.ticket).sort((a, b) => a! - b!);
    expect(tickets).toEqual(everyone.map((_, i) => i + 1));
    const byLane = { vip, presale, normal };
    for (const [lane, fans] of Object.entries(byLane)) {
      const seqs = fans.map((f) => statuses.get(f.id)!.laneSeq).sort((a, b) => a! - b!);
      expect(seqs, lane).toEqual(fans.map((_, i) => i + 1));
    }

    // Each fan's place counts every fan of the lanes ahead, then its own lane in laneSeq order; the tick agrees.
    const ahead = { vip: 0, presale: vip.length, normal: vip.length + presale.length };
    const snapshot = (await t.services.waitingRoom.tick(concertId))!;
    expect(snapshot.lanes).toMatchObject({
      vip: { waiting: 40 },
      presale: { waiting: 60 },
      normal: { waiting: 90 },
    });
    for (const fan of everyone) {
      const status = await statusOf(t, concertId, fan);
      const lane = laneOf(fan);
      expect(status.lane, fan.id).toBe(lane);
      expect(status.position, fan.id).toBe(ahead[lane] + status.laneSeq!);
      expect(status.totalWaiting).toBe(190);
      expect(positionFromTick(snapshot, status.lane!, status.laneSeq!), fan.id).toBe(status.position);
    }

    // Admitted in groups: the whole VIP lane, then the presale lane, then normal, each in laneSeq order.
    const counts = [];
    for (const count of [30, 30, 30, 30, 70]) {
      const res = await t.call('POST', `/api/v1/admin/concerts/${concertId}/admit`, {
        token: admin,
        body: { count },
      });
      expect(res.status).toBe(200);
      counts.push(res.body.data.lanes);
    }
    expect(counts).toEqual([
      { vip: 30, presale: 0, normal: 0 },
      { vip: 10, presale: 20, normal: 0 },
      { vip: 0, presale: 30, normal: 0 },
      { vip: 0, presale: 10, normal: 20 },
      { vip: 0, presale: 0, normal: 70 },
    ]);
    const order = sink.events.flatMap((e) =>
      e.type === 'queue.admitted' && e.concertId === concertId ? [[e.userId, e.lane]] : [],
    );
    const expected = (['vip', 'presale', 'normal'] as const).flatMap((lane) =>
      [...byLane[lane]]
        .sort((a, b) => statuses.get(a.id)!.laneSeq! - statuses.get(b.id)!.laneSeq!)
        .map((f) => [f.id, lane]),
    );
    expect(order).toEqual(expected);

    // The room agrees: nobody waits, everyone READY once, and the counters per lane.
    const view = await t.call('GET', `/api/v1/admin/concerts/${concertId}/queue`, { token: admin });
    expect(view.body.data).toMatchObject({
      waiting: { vip: 0, presale: 0, normal: 0, total: 0 },
      ready: 190,
      served: { vip: 40, presale: 60, normal: 90 },
      lastTicket: 190,
    });
    const records = Object.values(await t.services.redis.hgetall(t.services.keys.fans(concertId)));
    expect(records).toHaveLength(190);
    expect(records.every((r) => r.startsWith('R|'))).toBe(true);
    expect(records.filter((r) => r.startsWith('R|presale|'))).toHaveLength(60);
  });

  it('a presale fan who leaves frees its place: the presale fans behind and every normal fan move up', async () => {
    const concertId = await createSale(t, admin);
    const [early, leaver, late] = await createFans(t, 3);
    const [normalFan] = await createFans(t, 1);
    const allow = await t.call('POST', `/api/v1/admin/concerts/${concertId}/allow-list`, {
      token: admin,
      body: { userIds: [early!.id, leaver!.id, late!.id], lane: 'presale' },
    });
    expect(allow.status).toBe(200);
    for (const fan of [normalFan!, early!, leaver!, late!])
      expect((await enter(t, concertId, fan)).status).toBe(201);
    expect((await statusOf(t, concertId, normalFan!)).position).toBe(4);
    const left = await t.call('DELETE', `/api/v1/concerts/${concertId}/queue/me`, { token: leaver!.token });
    expect(left.status).toBe(200);
    expect(left.body.data.status).toBe('NOT_IN_QUEUE');
    expect(await statusOf(t, concertId, late!)).toMatchObject({ lane: 'presale', position: 2, laneSeq: 3 });
    expect((await statusOf(t, concertId, normalFan!)).position).toBe(3);
    const view = await t.call('GET', `/api/v1/admin/concerts/${concertId}/queue`, { token: admin });
    expect(view.body.data).toMatchObject({
      waiting: { presale: 2, normal: 1, total: 3 },
      left: { vip: 0, presale: 1, normal: 0 },
    });
    expect(view.body.data.head.map((h: { lane: string }) => h.lane)).toEqual([
      'presale',
      'presale',
      'normal',
    ]);
    // Entering again: the back of the presale lane, still ahead of the normal lane.
    expect((await enter(t, concertId, leaver!)).body.data).toMatchObject({
      lane: 'presale',
      laneSeq: 4,
      position: 3,
    });
    expect((await statusOf(t, concertId, normalFan!)).position).toBe(4);
  });
});

describe('the queue tick for the real-time gateway', () => {
  it('lets every waiting fan compute its exact place from its lane and laneSeq', async () => {
    const normal = await createFans(t, 6);
    const vip = await createFans(t, 3, 'vip');
    const concertId = await openSaleWith([
      normal[0]!,
      vip[0]!,
      normal[1]!,
      normal[2]!,
      vip[1]!,
      ...normal.slice(3),
      vip[2]!,
    ]);
    await tick(concertId, 'q1'); // vip[0] and vip[1] leave the lanes
    const snapshot = (await t.services.waitingRoom.tick(concertId))!;
    expect(snapshot).toMatchObject({
      concertId,
      saleState: 'ON_SALE',
      lanes: { vip: { waiting: 1 }, normal: { waiting: 6 } },
    });
    expect(snapshot.admitRate).toBeGreaterThan(0);
    for (const fan of [...vip.slice(2), ...normal]) {
      const status = await statusOf(t, concertId, fan);
      expect(positionFromTick(snapshot, status.lane!, status.laneSeq!), fan.id).toBe(status.position);
    }
    expect(await t.services.waitingRoom.tick(987_654_321)).toBeUndefined();
  });
});

describe('READY window and session expiry', () => {
  it('expires a READY fan who does not claim in time, and reuses its slot', async () => {
    const fans = await createFans(t, 5);
    const concertId = await openSaleWith(fans);
    expect(await tick(concertId, 'r1')).toEqual([fans[0]!.id, fans[1]!.id]);
    const ready = await statusOf(t, concertId, fans[0]!);
    expect(Date.parse(ready.readyUntil!)).toBe(clock.ms() + 60_000);

    clock.advance(61_000);
    expect((await statusOf(t, concertId, fans[0]!)).status).toBe('EXPIRED');
    const late = await claim(concertId, fans[0]!);
    expect(late.status).toBe(403);
    expect(late.body.error.code).toBe('NOT_ADMITTED');

    const outcome = await t.services.admission.tick(concertId, 'r2');
    // Same readyUntil: the sweep order between them does not matter.
    expect(outcome.expired).toHaveLength(2);
    expect(outcome.expired).toEqual(
      expect.arrayContaining([
        { userId: fans[0]!.id, reason: 'READY_EXPIRED' },
        { userId: fans[1]!.id, reason: 'READY_EXPIRED' },
      ]),
    );
    expect(outcome.admitted.map((a) => a.userId)).toEqual([fans[2]!.id, fans[3]!.id]);
    expect(sink.events).toContainEqual({
      type: 'queue.expired',
      concertId,
      userId: fans[0]!.id,
      reason: 'READY_EXPIRED',
    });
    // An expired fan may queue again, at the back.
    const again = await enter(t, concertId, fans[0]!);
    expect(again.status).toBe(201);
    expect(again.body.data).toMatchObject({ status: 'WAITING', ticket: 6, position: 2 });
  });

  it('ends a session at SESSION_MINUTES: the token stops, the fan reads EXPIRED, the slot is refilled', async () => {
    const fans = await createFans(t, 4);
    const concertId = await openSaleWith(fans);
    await tick(concertId, 's1');
    const first = await claim(concertId, fans[0]!);
    expect(first.status).toBe(200);
    expect(first.body.data.status).toBe('ENTERED');
    expect(Date.parse(first.body.data.expiresAt)).toBe(clock.ms() + 120_000);

    // Claiming again is the same session: same jti, same expiry.
    const second = await claim(concertId, fans[0]!);
    const jti = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).jti;
    expect(jti(second.body.data.accessToken)).toBe(jti(first.body.data.accessToken));
    expect(second.body.data.expiresAt).toBe(first.body.data.expiresAt);
    expect(await statusOf(t, concertId, fans[0]!)).toMatchObject({
      status: 'ENTERED',
      canEnter: true,
      sessionExpiresAt: first.body.data.expiresAt,
    });
    await expect(
      t.services.accessTokens.verify(first.body.data.accessToken, { concertId }),
    ).resolves.toMatchObject({ userId: fans[0]!.id, concertId });

    clock.advance(121_000);
    expect((await statusOf(t, concertId, fans[0]!)).status).toBe('EXPIRED');
    await expect(
      t.services.accessTokens.verify(first.body.data.accessToken, { concertId }),
    ).rejects.toMatchObject({
      code: 'TOKEN_EXPIRED',
    });
    const outcome = await t.services.admission.tick(concertId, 's2');
    expect(outcome.expired).toContainEqual({ userId: fans[0]!.id, reason: 'SESSION_EXPIRED' });
    expect(outcome.admitted.map((a) => a.userId)).toEqual([fans[2]!.id, fans[3]!.id]);
  });
});

describe('access tokens from the claim', () => {
  it('are refused for another concert, after leaving, when forged, and as or instead of a user token', async () => {
    const [fan] = await createFans(t, 1);
    const concertId = await openSaleWith([fan!]);
    await tick(concertId, 'x');
    const { accessToken } = (await claim(concertId, fan!)).body.data;
    const verify = (token: string, concert = concertId) =>
      t.services.accessTokens.verify(token, { concertId: concert });

    await expect(verify(accessToken, concertId + 1)).rejects.toMatchObject({ code: 'WRONG_CONCERT' });
    const [header, payload] = accessToken.split('.');
    await expect(verify(`${header}.${payload}.${'A'.repeat(43)}`)).rejects.toMatchObject({
      code: 'INVALID_TOKEN',
    });
    await expect(verify(fan!.token)).rejects.toMatchObject({ code: 'INVALID_TOKEN' });
    const asUser = await t.call('GET', `/api/v1/concerts/${concertId}/queue/me`, { token: accessToken });
    expect(asUser.status).toBe(401);

    expect(
      (await t.call('DELETE', `/api/v1/concerts/${concertId}/queue/me`, { token: fan!.token })).status,
    ).toBe(200);
    await expect(verify(accessToken)).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
  });

  it('stop working at their exp (SESSION_MINUTES after the claim)', async () => {
    const [fan] = await createFans(t, 1);
    const concertId = await openSaleWith([fan!]);
    await tick(concertId, 'y');
    const { accessToken } = (await claim(concertId, fan!)).body.data;
    // Verified once (and remembered), it must still stop at its exp.
    await expect(t.services.accessTokens.verify(accessToken, { concertId })).resolves.toMatchObject({
      concertId,
    });
    clock.advance(3 * 60_000);
    await expect(t.services.accessTokens.verify(accessToken, { concertId })).rejects.toMatchObject({
      code: 'TOKEN_EXPIRED',
    });
  });

  it('are only issued to READY fans: 403 NOT_ADMITTED while waiting', async () => {
    const [fan] = await createFans(t, 1);
    const concertId = await openSaleWith([fan!]);
    const res = await claim(concertId, fan!);
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('NOT_ADMITTED');
  });
});

describe('the sale controls', () => {
  const post = (path: string, body?: unknown) => t.call('POST', path, { token: admin, body });
  const listed = async (concertId: number) =>
    (await t.call('GET', `/api/v1/concerts/${concertId}`)).body.data.saleState;

  it('pauses admission (the queue stays, an admin may still admit by hand) and resumes it', async () => {
    const fans = await createFans(t, 5);
    const concertId = await openSaleWith(fans);
    expect(await listed(concertId)).toBe('ON_SALE');
    const paused = await post(`/api/v1/admin/concerts/${concertId}/sale/pause`);
    expect(paused.body.data).toMatchObject({ saleState: 'PAUSED', groupSize: 2, maxActive: 3 });
    expect(await listed(concertId)).toBe('PAUSED');
    expect(await tick(concertId, 'p1')).toEqual([]);
    expect((await enter(t, concertId, (await createFans(t, 1))[0]!)).status).toBe(201);
    const byHand = await post(`/api/v1/admin/concerts/${concertId}/admit`, { count: 1 });
    expect(byHand.body.data).toMatchObject({ admitted: 1, lanes: { vip: 0, normal: 1 } });
    expect((await post(`/api/v1/admin/concerts/${concertId}/sale/pause`)).status).toBe(200); // idempotent

    expect((await post(`/api/v1/admin/concerts/${concertId}/sale/resume`)).body.data.saleState).toBe(
      'ON_SALE',
    );
    expect(await listed(concertId)).toBe('ON_SALE');
    expect(await tick(concertId, 'p2')).toEqual([fans[1]!.id, fans[2]!.id]);
    expect(sink.events).toContainEqual({ type: 'sale.state', concertId, state: 'PAUSED' });
  });

  it('closes the sale: waiting and active fans end with BOOKING_CLOSED, tokens stop at once', async () => {
    const fans = await createFans(t, 4);
    const concertId = await openSaleWith(fans);
    await tick(concertId, 'c1');
    const { accessToken } = (await claim(concertId, fans[0]!)).body.data;
    const closed = await post(`/api/v1/admin/concerts/${concertId}/sale/close`);
    expect(closed.body.data.saleState).toBe('CLOSED');
    expect(await listed(concertId)).toBe('CLOSED');
    for (const fan of fans) expect((await statusOf(t, concertId, fan)).status).toBe('BOOKING_CLOSED');
    await expect(t.services.accessTokens.verify(accessToken, { concertId })).rejects.toMatchObject({
      code: 'TOKEN_EXPIRED',
    });
    expect((await enter(t, concertId, fans[3]!)).body.error.code).toBe('BOOKING_CLOSED');
    expect((await claim(concertId, fans[1]!)).body.error.code).toBe('BOOKING_CLOSED');
    expect((await post(`/api/v1/admin/concerts/${concertId}/sale/close`)).status).toBe(200);
    for (const action of ['open', 'pause', 'resume']) {
      const res = await post(`/api/v1/admin/concerts/${concertId}/sale/${action}`);
      expect(res.status, action).toBe(409);
      expect(res.body.error.code).toBe('BOOKING_CLOSED');
    }
    expect((await t.services.admission.tick(concertId, 'c2')).closed).toBe(true);
  });

  it('refuses to pause, resume or admit a sale that has not opened (409 QUEUE_NOT_OPEN)', async () => {
    const concertId = await createSale(t, admin);
    for (const path of ['sale/pause', 'sale/resume']) {
      const res = await post(`/api/v1/admin/concerts/${concertId}/${path}`);
      expect(res.status, path).toBe(409);
      expect(res.body.error.code).toBe('QUEUE_NOT_OPEN');
    }
    const admit = await post(`/api/v1/admin/concerts/${concertId}/admit`, { count: 1 });
    expect(admit.status).toBe(409);
    expect(admit.body.error.code).toBe('QUEUE_NOT_OPEN');
  });

  it('applies the overrides given at open, in MySQL and in the running sale', async () => {
    const concertId = await createSale(t, admin);
    const res = await post(`/api/v1/admin/concerts/${concertId}/sale/open`, {
      groupSize: 7,
      intervalSeconds: 5,
      maxActive: 40,
    });
    expect(res.body.data).toEqual({
      concertId,
      saleState: 'ON_SALE',
      groupSize: 7,
      intervalSeconds: 5,
      maxActive: 40,
      admitSeatRatio: 1,
      reopenOnReturns: false,
      soldOut: false,
      inventory: { available: 100, held: 0, sold: 0 },
    });
    const row = await t.services.saleCache.readRow(concertId);
    expect(row).toMatchObject({ admitGroupSize: 7, admitIntervalSeconds: 5, maxActive: 40 });
    const scheduler = await t.services.saleJobs.queue.getJobScheduler(`admit-${concertId}`);
    expect(scheduler?.every).toBe(5_000);
  });

  it('shows the queue to the organiser: per lane, ready, entered, rate, head', async () => {
    const [v1] = await createFans(t, 1, 'vip');
    const normal = await createFans(t, 4);
    const concertId = await openSaleWith([...normal, v1!]);
    await tick(concertId, 'v1');
    await claim(concertId, v1!);
    const res = await t.call('GET', `/api/v1/admin/concerts/${concertId}/queue?head=2`, { token: admin });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({
      saleState: 'ON_SALE',
      waiting: { vip: 0, normal: 3, total: 3 },
      ready: 1,
      entered: 1,
      admittedLastMinute: 2,
      served: { vip: 1, normal: 1 },
      left: { vip: 0, normal: 0 },
      lastTicket: 5,
      shuffle: { vip: 0, normal: 0 },
    });
    expect(res.body.data.admittedPerSecond).toBeCloseTo(2 / 60, 3);
    expect(
      res.body.data.head.map((h: { userId: string; position: number }) => [h.position, h.userId]),
    ).toEqual([
      [1, normal[1]!.id],
      [2, normal[2]!.id],
    ]);
  });
});

describe('admin routes', () => {
  it('are refused to a normal user with 403 and to nobody with 401', async () => {
    const concertId = await createSale(t, admin);
    const user = await t.token({ role: 'user' });
    for (const [method, path, body] of [
      ['POST', `/api/v1/admin/concerts/${concertId}/sale/open`, undefined],
      ['POST', `/api/v1/admin/concerts/${concertId}/sale/pause`, undefined],
      ['POST', `/api/v1/admin/concerts/${concertId}/sale/resume`, undefined],
      ['POST', `/api/v1/admin/concerts/${concertId}/sale/close`, undefined],
      ['POST', `/api/v1/admin/concerts/${concertId}/admit`, { count: 1 }],
      ['GET', `/api/v1/admin/concerts/${concertId}/queue`, undefined],
      ['POST', '/api/v1/admin/queue/cleanup', undefined],
    ] as const) {
      const res = await t.call(method, path, { token: user, body });
      expect(res.status, path).toBe(403);
      expect(res.body.error.code).toBe('FORBIDDEN');
      expect((await t.call(method, path, { body })).status).toBe(401);
    }
    expect(await listedState(concertId)).toBe('SCHEDULED');
  });

  it('answer a clear 400 for a bad admit count or override, 400 for a bad id, 404 for an unknown concert', async () => {
    const concertId = await openSaleWith([]);
    for (const body of [
      { count: 0 },
      { count: -1 },
      { count: 1e9 },
      { count: 1.5 },
      { count: 'ten' },
      {},
      'x',
    ]) {
      const res = await t.call('POST', `/api/v1/admin/concerts/${concertId}/admit`, { token: admin, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_ERROR');
    }
    for (const body of [{ groupSize: 0 }, { intervalSeconds: -5 }, { maxActive: 'many' }, { lane: 'vip' }]) {
      const res = await t.call('POST', `/api/v1/admin/concerts/${concertId}/sale/open`, {
        token: admin,
        body,
      });
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    expect(
      (await t.call('GET', `/api/v1/admin/concerts/${concertId}/queue?head=0`, { token: admin })).status,
    ).toBe(400);
    for (const path of ['abc/sale/open', '0/sale/pause', '-2/admit', '1.5/queue']) {
      const method = path.endsWith('queue') ? 'GET' : 'POST';
      const body = method === 'POST' ? { count: 1 } : undefined;
      const res = await t.call(method, `/api/v1/admin/concerts/${path}`, { token: admin, body });
      expect(res.status, path).toBe(400);
    }
    for (const path of ['sale/open', 'sale/close', 'queue']) {
      const method = path === 'queue' ? 'GET' : 'POST';
      const res = await t.call(method, `/api/v1/admin/concerts/987654321/${path}`, { token: admin });
      expect(res.status, path).toBe(404);
    }
    const admit404 = await t.call('POST', '/api/v1/admin/concerts/987654321/admit', {
      token: admin,
      body: { count: 1 },
    });
    expect(admit404.status).toBe(404);
  });
});

async function listedState(concertId: number) {
  return (await t.call('GET', `/api/v1/concerts/${concertId}`)).body.data.saleState;
}
