import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import { createFan, type Fan } from '../booking/testing.ts';
import { charge, ledgerRows, moneyViolations } from './testing.ts';

let t: TestServer;
beforeAll(async () => {
  t = await createTestServer({
    MAX_CHARGE: '500000',
    MAX_BALANCE: '1000000',
    RATE_LIMIT_BOOKING_PER_USER: '0',
  });
});
afterAll(() => t.close());

describe('points', () => {
  it('starts at zero and charges with a ledger row', async () => {
    const fan = await createFan(t, []);
    const empty = await t.call('GET', '/api/v1/points', { token: fan.token });
    expect(empty.status).toBe(200);
    expect(empty.body.data).toMatchObject({ userId: fan.userId, balance: 0, totalCharged: 0, totalUsed: 0 });
    const res = await charge(t, fan, 30_000);
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({ userId: fan.userId, chargedAmount: 30_000, balance: 30_000 });
    expect(res.body.data.transactionId).toEqual(expect.any(Number));
    const after = await t.call('GET', '/api/v1/points', { token: fan.token });
    expect(after.body.data).toMatchObject({ balance: 30_000, totalCharged: 30_000, totalUsed: 0 });
    expect(after.body.data.lastUpdated).toBe(res.body.data.chargedAt);
    expect(await ledgerRows(t, fan.userId)).toEqual([
      { type: 'CHARGE', amount: 30_000, reservation_id: null },
    ]);
  });

  const bad: Array<[string, unknown]> = [
    ['zero', 0],
    ['a negative amount', -100],
    ['a fraction', 10.5],
    ['a string', '1000'],
    ['null', null],
    ['an amount beyond safe integers', 2 ** 60],
  ];
  it.each(bad)('refuses %s with 400 and changes nothing', async (_name, amount) => {
    const fan = await createFan(t, []);
    const res = await charge(t, fan, amount);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
    expect(await ledgerRows(t, fan.userId)).toEqual([]);
  });

  it('refuses malformed JSON and a missing body with 400', async () => {
    const fan = await createFan(t, []);
    const broken = await t.call('POST', '/api/v1/points/charge', { token: fan.token, body: '{"amount":' });
    expect(broken.status).toBe(400);
    const none = await t.call('POST', '/api/v1/points/charge', { token: fan.token, body: {} });
    expect(none.status).toBe(400);
  });

  it('refuses above MAX_CHARGE and above MAX_BALANCE with 422 CHARGE_LIMIT_EXCEEDED', async () => {
    const fan = await createFan(t, []);
    const tooBig = await charge(t, fan, 500_001);
    expect(tooBig.status).toBe(422);
    expect(tooBig.body.error).toMatchObject({
      code: 'CHARGE_LIMIT_EXCEEDED',
      details: { maxCharge: 500_000 },
    });
    expect((await charge(t, fan, 500_000)).status).toBe(201);
    expect((await charge(t, fan, 500_000)).status).toBe(201);
    const full = await charge(t, fan, 1);
    expect(full.status).toBe(422);
    expect(full.body.error.details).toEqual({ maxBalance: 1_000_000, balance: 1_000_000 });
    expect(await moneyViolations(t, [fan.userId])).toEqual([]);
  });

  it('keeps the cap under parallel charges: the balance never passes MAX_BALANCE', async () => {
    const fan = await createFan(t, []);
    const results = await Promise.all(Array.from({ length: 12 }, () => charge(t, fan, 100_000)));
    expect(results.filter((r) => r.status === 201)).toHaveLength(10);
    expect(results.filter((r) => r.status === 422)).toHaveLength(2);
    expect(await moneyViolations(t, [fan.userId])).toEqual([]);
  });

  it('pages the ledger newest first with a cursor', async () => {
    const fan = await createFan(t, []);
    for (const amount of [1, 2, 3, 4, 5]) await charge(t, fan, amount);
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = cursor ? `?limit=2&cursor=${cursor}` : '?limit=2';
      const res = await t.call('GET', `/api/v1/points/history${q}`, { token: fan.token });
      expect(res.status).toBe(200);
      seen.push(...res.body.data.items.map((e: { amount: number }) => e.amount));
      cursor = res.body.data.nextCursor;
      pages++;
    } while (cursor);
    expect(seen).toEqual([5, 4, 3, 2, 1]);
    expect(pages).toBe(3);
    const first = await t.call('GET', '/api/v1/points/history', { token: fan.token });
    expect(first.body.data.items[0]).toMatchObject({
      type: 'CHARGE',
      amount: 5,
      balanceAfter: 15,
      reservationId: null,
    });
    for (const q of ['?cursor=abc', '?limit=0', '?limit=101', '?cursor=-1']) {
      expect((await t.call('GET', `/api/v1/points/history${q}`, { token: fan.token })).status, q).toBe(400);
    }
  });

  it('shows a user’s points to themself and admins only (403 otherwise)', async () => {
    const a: Fan = await createFan(t, []);
    const b: Fan = await createFan(t, []);
    const admin = await createFan(t, [], { role: 'admin' });
    await charge(t, b, 7_000);
    expect(
      (await t.call('GET', `/api/v1/users/${b.userId}/points`, { token: b.token })).body.data.balance,
    ).toBe(7_000);
    const peek = await t.call('GET', `/api/v1/users/${b.userId}/points`, { token: a.token });
    expect(peek.status).toBe(403);
    expect(peek.body.error.code).toBe('FORBIDDEN');
    const asAdmin = await t.call('GET', `/api/v1/users/${b.userId}/points`, { token: admin.token });
    expect(asAdmin.body.data).toMatchObject({ userId: b.userId, balance: 7_000 });
    expect((await t.call('GET', '/api/v1/users/nobody-at-all/points', { token: admin.token })).status).toBe(
      404,
    );
    expect((await t.call('GET', '/api/v1/points')).status).toBe(401);
    expect(
      (await t.call('GET', `/api/v1/users/${'x'.repeat(65)}/points`, { token: admin.token })).status,
    ).toBe(400);
  });
});

describe('OpenAPI', () => {
  it('documents the points and payments routes', async () => {
    const doc = await t.call('GET', '/openapi.json');
    expect(doc.status).toBe(200);
    for (const [method, path, statuses] of [
      ['get', '/api/v1/points', [200, 401]],
      ['get', '/api/v1/users/{userId}/points', [200, 400, 401, 403, 404]],
      ['post', '/api/v1/points/charge', [201, 400, 401, 409, 422]],
      ['get', '/api/v1/points/history', [200, 400, 401]],
      ['post', '/api/v1/payments', [201, 400, 401, 402, 403, 404, 409, 422]],
      ['get', '/api/v1/payments', [200, 401]],
    ] as const) {
      const documented = Object.keys(doc.body.paths[path]?.[method]?.responses ?? {}).map(Number);
      expect(documented, `${method} ${path}`).toEqual(expect.arrayContaining([...statuses]));
    }
    const params = doc.body.paths['/api/v1/points/charge'].post.parameters;
    expect(params).toContainEqual(expect.objectContaining({ name: 'idempotency-key', in: 'header' }));
  });
});
