import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import {
  createFans,
  createSale,
  manualClock,
  QUIET,
  statusOf,
  type TestFan,
} from '../waiting-room/testing.ts';
import { hashAccessCode } from './codes.ts';
import { INVALID_CODE_PENALTY } from './routes.ts';

describe('access codes, allow-lists and codes-only sales', () => {
  const clock = manualClock();
  let t: TestServer;
  let admin: string;
  beforeAll(async () => {
    t = await createTestServer(QUIET, { now: clock.now });
    admin = await t.token({ role: 'admin' });
  });
  afterAll(() => t.close());

  const inAnHour = () => new Date(clock.ms() + 3_600_000).toISOString();
  const createCodes = async (concertId: number, body: Record<string, unknown>) =>
    t.call('POST', `/api/v1/admin/concerts/${concertId}/access-codes`, { token: admin, body });
  const enterWith = (concertId: number, fan: TestFan, accessCode?: string) =>
    t.call('POST', `/api/v1/concerts/${concertId}/queue`, {
      token: fan.token,
      ...(accessCode === undefined ? {} : { body: { accessCode } }),
    });

  it('a one-use code lets exactly one of hundreds of racing fans in', async () => {
    const concertId = await createSale(t, admin);
    const created = await createCodes(concertId, {
      count: 1,
      usesPerCode: 1,
      lane: 'presale',
      expiresAt: inAnHour(),
    });
    expect(created.status).toBe(201);
    const [code] = created.body.data.codes as string[];
    expect(code).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/);
    // Stored hashed: the clear code appears nowhere in Redis.
    const stored = await t.services.redis.hgetall(t.services.keys.accessCodes(concertId));
    expect(Object.keys(stored)).toEqual([hashAccessCode(code!)]);
    expect(JSON.stringify(stored)).not.toContain(code!.replace(/-/g, ''));

    const fans = await createFans(t, 300);
    const results = await Promise.all(fans.map((f) => enterWith(concertId, f, code)));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 403)).toHaveLength(299);
    for (const r of results.filter((x) => x.status === 403))
      expect(r.body.error).toMatchObject({ code: 'INVALID_ACCESS_CODE', details: { reason: 'USED' } });
    // The invariant in the room itself: one waiting fan, in the presale lane, the code spent.
    const { redis, keys } = t.services;
    expect(await redis.zcard(keys.lane(concertId, 'presale'))).toBe(1);
    expect(await redis.zcard(keys.lane(concertId, 'normal'))).toBe(0);
    expect(await redis.hlen(keys.fans(concertId))).toBe(1);
    expect((await redis.hget(keys.accessCodes(concertId), hashAccessCode(code!)))?.split('|')[1]).toBe('0');
  });

  it('a code with N uses admits N fans; the same fan entering again keeps its place and the use', async () => {
    const concertId = await createSale(t, admin);
    const [code] = (
      await createCodes(concertId, { count: 1, usesPerCode: 5, lane: 'presale', expiresAt: inAnHour() })
    ).body.data.codes;
    const fans = await createFans(t, 40);
    const results = await Promise.all(fans.map((f) => enterWith(concertId, f, code)));
    const inside = fans.filter((_, i) => results[i]!.status === 201);
    expect(inside).toHaveLength(5);
    const again = await enterWith(concertId, inside[0]!, code.toLowerCase());
    expect(again.status).toBe(200);
    expect(await t.services.redis.zcard(t.services.keys.lane(concertId, 'presale'))).toBe(5);
  });

  it('codes-only: no code is refused, the allow-list and codes let in, each in its lane', async () => {
    const concertId = await createSale(t, admin);
    const mode = await t.call('PUT', `/api/v1/admin/concerts/${concertId}/access-mode`, {
      token: admin,
      body: { accessMode: 'codes-only' },
    });
    expect(mode.body.data).toEqual({ concertId, accessMode: 'codes-only', allowListed: 0 });
    const [plain, listed, withVip, withPresale] = await createFans(t, 4);
    const refused = await enterWith(concertId, plain!);
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({
      code: 'INVALID_ACCESS_CODE',
      details: { reason: 'REQUIRED' },
    });

    const allowed = await t.call('POST', `/api/v1/admin/concerts/${concertId}/allow-list`, {
      token: admin,
      body: { userIds: [listed!.id], lane: 'presale' },
    });
    expect(allowed.body.data.allowListed).toBe(1);
    expect((await enterWith(concertId, listed!)).status).toBe(201);
    expect((await statusOf(t, concertId, listed!)).lane).toBe('presale');

    const [vipCode] = (
      await createCodes(concertId, { count: 1, usesPerCode: 1, lane: 'vip', expiresAt: inAnHour() })
    ).body.data.codes;
    const [presaleCode] = (
      await createCodes(concertId, { count: 1, usesPerCode: 1, lane: 'presale', expiresAt: inAnHour() })
    ).body.data.codes;
    expect((await enterWith(concertId, withVip!, vipCode)).status).toBe(201);
    expect((await statusOf(t, concertId, withVip!)).lane).toBe('vip');
    expect((await enterWith(concertId, withPresale!, presaleCode)).status).toBe(201);
    expect((await statusOf(t, concertId, withPresale!)).lane).toBe('presale');
    // VIP, then presale, then normal: the VIP fan is first although it entered after the allow-listed one.
    expect((await statusOf(t, concertId, withVip!)).position).toBe(1);
    expect((await statusOf(t, concertId, listed!)).position).toBe(2);
    expect((await statusOf(t, concertId, withPresale!)).position).toBe(3);
  });

  it('a presale code never moves a fan back: a VIP fan, or a VIP allow-list entry, keeps the VIP lane', async () => {
    const concertId = await createSale(t, admin);
    const [code] = (
      await createCodes(concertId, { count: 1, usesPerCode: 2, lane: 'presale', expiresAt: inAnHour() })
    ).body.data.codes;
    const [vipFan] = await createFans(t, 1, 'vip');
    const [normalFan] = await createFans(t, 1);
    expect((await enterWith(concertId, normalFan!, code)).status).toBe(201);
    expect((await enterWith(concertId, vipFan!, code)).status).toBe(201);
    expect((await statusOf(t, concertId, vipFan!)).lane).toBe('vip');
    expect((await statusOf(t, concertId, normalFan!)).lane).toBe('presale');
    expect((await statusOf(t, concertId, normalFan!)).position).toBe(2);

    // An allow-listed VIP entry and a presale code: the better lane wins, and the code is still spent.
    const [both] = await createFans(t, 1);
    await t.call('POST', `/api/v1/admin/concerts/${concertId}/allow-list`, {
      token: admin,
      body: { userIds: [both!.id], lane: 'vip' },
    });
    const [another] = (
      await createCodes(concertId, { count: 1, usesPerCode: 1, lane: 'presale', expiresAt: inAnHour() })
    ).body.data.codes;
    expect((await enterWith(concertId, both!, another)).status).toBe(201);
    expect((await statusOf(t, concertId, both!)).lane).toBe('vip');
    expect((await enterWith(concertId, normalFan!, another)).status).toBe(200);
    const [late] = await createFans(t, 1);
    expect((await enterWith(concertId, late!, another)).body.error.details.reason).toBe('USED');
  });

  it('refuses wrong and expired codes with 403 INVALID_ACCESS_CODE', async () => {
    const concertId = await createSale(t, admin);
    const expiresAt = new Date(clock.ms() + 60_000).toISOString();
    const [code] = (await createCodes(concertId, { count: 1, usesPerCode: 10, lane: 'presale', expiresAt }))
      .body.data.codes;
    const [a, b] = await createFans(t, 2);
    const wrong = await enterWith(concertId, a!, 'NOPE-NOPE-NOPE-NOPE');
    expect(wrong.body.error).toMatchObject({ code: 'INVALID_ACCESS_CODE', details: { reason: 'UNKNOWN' } });
    clock.advance(61_000);
    const expired = await enterWith(concertId, b!, code);
    expect(expired.status).toBe(403);
    expect(expired.body.error.details.reason).toBe('EXPIRED');
  });

  it('answers bad input in the error envelope, and only to admins', async () => {
    const concertId = await createSale(t, admin);
    const good = { count: 2, usesPerCode: 1, lane: 'vip', expiresAt: inAnHour() };
    const bad = [
      { ...good, count: 0 },
      { ...good, count: 1.5 },
      { ...good, usesPerCode: -1 },
      { ...good, lane: 'front-row' },
      { ...good, expiresAt: 'tomorrow' },
      { ...good, expiresAt: new Date(clock.ms() - 1000).toISOString() },
      {},
    ];
    for (const body of bad) {
      const res = await createCodes(concertId, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_ERROR');
    }
    expect((await createCodes(987654321, good)).status).toBe(404);
    const [fan] = await createFans(t, 1);
    const asFan = await t.call('POST', `/api/v1/admin/concerts/${concertId}/access-codes`, {
      token: fan!.token,
      body: good,
    });
    expect(asFan.status).toBe(403);
    for (const body of [{ accessMode: 'closed' }, {}]) {
      const res = await t.call('PUT', `/api/v1/admin/concerts/${concertId}/access-mode`, {
        token: admin,
        body,
      });
      expect(res.status).toBe(400);
    }
    const emptyList = await t.call('POST', `/api/v1/admin/concerts/${concertId}/allow-list`, {
      token: admin,
      body: { userIds: [], lane: 'vip' },
    });
    expect(emptyList.status).toBe(400);
    for (const body of [{ accessCode: '' }, { accessCode: 42 }, { accessCode: 'x'.repeat(65) }]) {
      const res = await t.call('POST', `/api/v1/concerts/${concertId}/queue`, { token: fan!.token, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
  });
});

describe('a wrong access code', () => {
  const BUDGET = 30;
  let t: TestServer;
  beforeAll(async () => {
    t = await createTestServer({ RATE_LIMIT_QUEUE_PER_USER: String(BUDGET) });
  });
  afterAll(() => t.close());

  it("costs more of the fan's rate limit than a request", async () => {
    const admin = await t.token({ role: 'admin' });
    const concertId = await createSale(t, admin);
    const [guesser, reader] = await createFans(t, 2);
    const until429 = async (request: () => Promise<{ status: number }>) => {
      for (let n = 0; n <= BUDGET; n++) if ((await request()).status === 429) return n;
      return Number.POSITIVE_INFINITY;
    };
    const guesses = await until429(() =>
      t.call('POST', `/api/v1/concerts/${concertId}/queue`, {
        token: guesser!.token,
        body: { accessCode: 'WRONG' },
      }),
    );
    const reads = await until429(() =>
      t.call('GET', `/api/v1/concerts/${concertId}/queue/me`, { token: reader!.token }),
    );
    // Each refused code costs 1 + INVALID_CODE_PENALTY requests of the per-minute budget.
    expect(guesses).toBeLessThanOrEqual(Math.ceil(BUDGET / (INVALID_CODE_PENALTY + 1)));
    expect(reads).toBeGreaterThanOrEqual(BUDGET - 1);
  });
});
