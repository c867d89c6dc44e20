import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import { createFans, createSale, enter, QUIET, statusOf } from './testing.ts';

let t: TestServer;
let admin: string;
beforeAll(async () => {
  t = await createTestServer(QUIET);
  admin = await t.token({ role: 'admin' });
});
afterAll(() => t.close());

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const oneTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe('entering the waiting room', () => {
  it('gives 1,000 concurrent fans 1,000 distinct dense tickets and places 1..1,000', async () => {
    const concertId = await createSale(t, admin);
    const fans = await createFans(t, 1_000);
    const responses = await Promise.all(fans.map((fan) => enter(t, concertId, fan)));
    expect(responses.map((r) => r.status)).toEqual(fans.map(() => 201));
    expect(sorted(responses.map((r) => r.body.data.ticket))).toEqual(oneTo(1_000));
    expect(sorted(responses.map((r) => r.body.data.position))).toEqual(oneTo(1_000));

    const statuses = await Promise.all(fans.map((fan) => statusOf(t, concertId, fan)));
    expect(sorted(statuses.map((s) => s.position ?? 0))).toEqual(oneTo(1_000));
    expect(sorted(statuses.map((s) => s.laneSeq ?? 0))).toEqual(oneTo(1_000));
    for (const s of statuses) {
      // One lane, nobody admitted yet: the place is the ticket.
      expect(s).toMatchObject({ status: 'WAITING', lane: 'normal', totalWaiting: 1_000 });
      expect(s.position).toBe(s.ticket);
      expect(s.aheadCount).toBe(s.position! - 1);
    }
  });

  it('keeps one entry for 50 concurrent enters by one fan: 201 once, then 200 with the same place', async () => {
    const concertId = await createSale(t, admin);
    const [fan] = await createFans(t, 1);
    const responses = await Promise.all(Array.from({ length: 50 }, () => enter(t, concertId, fan!)));
    expect(responses.filter((r) => r.status === 201)).toHaveLength(1);
    expect(responses.filter((r) => r.status === 200)).toHaveLength(49);
    expect(new Set(responses.map((r) => r.body.data.ticket))).toEqual(new Set([1]));
    expect((await statusOf(t, concertId, fan!)).totalWaiting).toBe(1);
  });

  it('puts the VIP lane ahead of the normal lane, first come first served inside each', async () => {
    const concertId = await createSale(t, admin);
    const [n1, n2] = await createFans(t, 2, 'normal');
    const [v1, v2] = await createFans(t, 2, 'vip');
    for (const fan of [n1!, v1!, n2!, v2!]) {
      // The lane comes from the token's tier, whatever the body says.
      const res = await t.call('POST', `/api/v1/concerts/${concertId}/queue`, {
        token: fan.token,
        body: { lane: 'vip' },
      });
      expect(res.status).toBe(201);
    }
    const places = await Promise.all([v1, v2, n1, n2].map((f) => statusOf(t, concertId, f!)));
    expect(places.map((s) => [s.lane, s.position, s.ticket])).toEqual([
      ['vip', 1, 2],
      ['vip', 2, 4],
      ['normal', 3, 1],
      ['normal', 4, 3],
    ]);
    expect(places.map((s) => s.laneSeq)).toEqual([1, 2, 1, 2]);
  });

  it('estimates the wait from the configured rate before the sale opens, including the time until it opens', async () => {
    const concertId = await createSale(t, admin, { openInMs: 60 * 60_000 });
    const fans = await createFans(t, 4);
    for (const fan of fans) await enter(t, concertId, fan);
    const status = await statusOf(t, concertId, fans[3]!);
    // ADMIT_GROUP_SIZE 10 every ADMIT_INTERVAL_SECONDS 30: 3 ahead take 9 s after the sale opens in an hour.
    expect(status.aheadCount).toBe(3);
    expect(status.estimatedWaitSeconds).toBeGreaterThanOrEqual(3_600 + 9 - 5);
    expect(status.estimatedWaitSeconds).toBeLessThanOrEqual(3_600 + 9);
    expect(Date.parse(status.estimatedEnterAt!)).toBeGreaterThan(Date.now() + 3_590_000);
    expect(status.canEnter).toBe(false);
  });

  it('answers NOT_IN_QUEUE for a fan who has not entered', async () => {
    const concertId = await createSale(t, admin);
    const [fan] = await createFans(t, 1);
    expect(await statusOf(t, concertId, fan!)).toMatchObject({
      status: 'NOT_IN_QUEUE',
      position: null,
      ticket: null,
      lane: null,
      canEnter: false,
      totalWaiting: 0,
    });
  });
});

describe('the join window and the cap', () => {
  it('refuses before QUEUE_JOIN_START_HOURS ahead of the sale with 409 QUEUE_NOT_OPEN', async () => {
    const concertId = await createSale(t, admin, { openInMs: 5 * 3_600_000 });
    const [fan] = await createFans(t, 1);
    const res = await enter(t, concertId, fan!);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('QUEUE_NOT_OPEN');
    expect(Date.parse(res.body.error.details.opensAt)).toBeCloseTo(Date.now() + 3_600_000, -4);
    // Inside the window (4 h ahead by default) the same fan gets in.
    const inside = await createSale(t, admin, { openInMs: 3 * 3_600_000 });
    expect((await enter(t, inside, fan!)).status).toBe(201);
  });

  it('refuses after booking closed with 409 BOOKING_CLOSED, and status says BOOKING_CLOSED', async () => {
    const concertId = await createSale(t, admin, { openInMs: -2 * 3_600_000, closeInMs: -3_600_000 });
    const [fan] = await createFans(t, 1);
    const res = await enter(t, concertId, fan!);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('BOOKING_CLOSED');
    expect((await statusOf(t, concertId, fan!)).status).toBe('BOOKING_CLOSED');
  });

  it('refuses the fan over MAX_QUEUE_SIZE with 503 QUEUE_FULL, but never a fan already queued', async () => {
    const small = await createTestServer({ ...QUIET, MAX_QUEUE_SIZE: '3' });
    try {
      const concertId = await createSale(small, await small.token({ role: 'admin' }));
      const fans = await createFans(small, 4);
      for (const fan of fans.slice(0, 3)) expect((await enter(small, concertId, fan)).status).toBe(201);
      const full = await enter(small, concertId, fans[3]!);
      expect(full.status).toBe(503);
      expect(full.body.error.code).toBe('QUEUE_FULL');
      expect(full.headers.get('retry-after')).toBeTruthy();
      expect((await enter(small, concertId, fans[0]!)).status).toBe(200);
    } finally {
      await small.close();
    }
  });
});

describe('leaving', () => {
  it('gives up the place, moves the fans behind up, and a new entry goes to the back', async () => {
    const concertId = await createSale(t, admin);
    const [a, b, c] = await createFans(t, 3);
    for (const fan of [a!, b!, c!]) await enter(t, concertId, fan);
    const left = await t.call('DELETE', `/api/v1/concerts/${concertId}/queue/me`, { token: a!.token });
    expect(left.status).toBe(200);
    expect(left.body.data).toMatchObject({ status: 'NOT_IN_QUEUE', totalWaiting: 2 });
    expect((await statusOf(t, concertId, b!)).position).toBe(1);
    expect((await statusOf(t, concertId, c!)).position).toBe(2);

    const again = await t.call('DELETE', `/api/v1/concerts/${concertId}/queue/me`, { token: a!.token });
    expect(again.status).toBe(404);
    expect(again.body.error.code).toBe('NOT_FOUND');

    const back = await enter(t, concertId, a!);
    expect(back.status).toBe(201);
    expect(back.body.data).toMatchObject({ ticket: 4, position: 3 });
  });
});

describe('bad input', () => {
  it('answers 400 for malformed concert ids on every route, never 500', async () => {
    const [fan] = await createFans(t, 1);
    for (const id of ['abc', '0', '-1', '1.5', '99999999999999999999']) {
      for (const [method, path] of [
        ['POST', `/api/v1/concerts/${id}/queue`],
        ['GET', `/api/v1/concerts/${id}/queue/me`],
        ['DELETE', `/api/v1/concerts/${id}/queue/me`],
        ['POST', `/api/v1/concerts/${id}/queue/access-token`],
      ] as const) {
        const res = await t.call(method, path, { token: fan!.token });
        expect(res.status, `${method} ${path}`).toBe(400);
        expect(res.body.error.code).toBe('VALIDATION_ERROR');
      }
    }
  });

  it('answers 404 for an unknown concert and 401 without a user token', async () => {
    const [fan] = await createFans(t, 1);
    for (const [method, path] of [
      ['POST', '/api/v1/concerts/987654321/queue'],
      ['GET', '/api/v1/concerts/987654321/queue/me'],
      ['DELETE', '/api/v1/concerts/987654321/queue/me'],
      ['POST', '/api/v1/concerts/987654321/queue/access-token'],
    ] as const) {
      const res = await t.call(method, path, { token: fan!.token });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body.error.code).toBe('NOT_FOUND');
      expect((await t.call(method, path)).status).toBe(401);
    }
  });
});

describe('the hot path', () => {
  it('enters and answers status with MySQL gone: both are served from Redis alone', async () => {
    const s = await createTestServer(QUIET);
    try {
      const concertId = await createSale(s, await s.token({ role: 'admin' }));
      const fans = await createFans(s, 2);
      await s.services.database.close();
      expect((await enter(s, concertId, fans[0]!)).status).toBe(201);
      expect((await enter(s, concertId, fans[1]!)).status).toBe(201);
      expect((await enter(s, concertId, fans[0]!)).status).toBe(200);
      expect(await statusOf(s, concertId, fans[1]!)).toMatchObject({ status: 'WAITING', position: 2 });
    } finally {
      await s.close();
    }
  });

  it('loads a sale missing from the cache from MySQL once, then serves it from Redis', async () => {
    const concertId = await createSale(t, admin);
    await t.services.redis.del(t.services.keys.sale(concertId));
    const fans = await createFans(t, 20);
    const responses = await Promise.all(fans.map((fan) => enter(t, concertId, fan)));
    expect(responses.map((r) => r.status)).toEqual(fans.map(() => 201));
    expect(await t.services.redis.hget(t.services.keys.sale(concertId), 'state')).toBe('SCHEDULED');
  });
});
