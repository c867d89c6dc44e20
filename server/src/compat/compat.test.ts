import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import { ConfigError, loadConfig } from '../config/index.ts';
import { admitAll, createCompatServer, createFan, createOpenConcert } from './testing.ts';

/** One request of each document that names a user or needs the layer, by document. */
const documentPaths: Array<[method: string, path: string]> = [
  ['POST', '/v2/waiting-room/enter'],
  ['GET', '/v2/waiting-room/status/1'],
  ['POST', '/v2/waiting-room/exit/1'],
  ['GET', '/v2/reservation/token/1'],
  ['POST', '/v2/reservation/open/1?batchSize=10'],
  ['GET', '/v2/waiting-room/admin/1'],
  ['POST', '/v2/waiting-room/cleanup'],
  ['POST', '/api/v1/queue/tokens'],
  ['GET', '/api/v1/users/someone/balance'],
  ['POST', '/api/v1/users/someone/balance/charge'],
  ['POST', '/api/v1/queue/token'],
  ['GET', '/api/v1/queue/status'],
  ['POST', '/api/v1/concerts/1/reservations'],
  ['POST', '/v2/reservations'],
  ['GET', '/v2/reservations/7b0f9a52-3c1e-4c8e-9a57-2f7f7f0e3b1d'],
  ['POST', '/v1/bookings'],
  ['POST', '/api/v1/bookings'],
  ['GET', '/api/v1/bookings'],
  ['GET', '/api/v1/bookings/1'],
  ['GET', '/api/v1/bookings/reference/FR-1'],
  ['POST', '/api/v1/bookings/1/confirm-payment'],
  ['POST', '/api/v1/bookings/1/cancel'],
];

describe('COMPAT_ROUTES', () => {
  it('parses a list of documents or all, and names a wrong one', () => {
    expect(loadConfig({}).compatRoutes).toEqual([]);
    expect(loadConfig({ COMPAT_ROUTES: 'seed004, seed001' }).compatRoutes).toEqual(['seed004', 'seed001']);
    expect(loadConfig({ COMPAT_ROUTES: 'all' }).compatRoutes).toEqual([
      'seed000',
      'seed001',
      'seed002',
      'seed004',
    ]);
    expect(() => loadConfig({ COMPAT_ROUTES: 'seed003' })).toThrow(ConfigError);
  });

  describe('unset', () => {
    let t: TestServer;
    beforeAll(async () => {
      t = await createTestServer();
    });
    afterAll(() => t.close());

    it('serves none of the document paths and adds nothing to /openapi.json', async () => {
      const fan = await createFan(t);
      for (const [method, path] of documentPaths) {
        const res = await t.call(method, path, { token: fan.token, body: method === 'GET' ? undefined : {} });
        expect([method, path, res.status]).toEqual([method, path, 404]);
      }
      const doc = (await t.call('GET', '/openapi.json')).body;
      expect(Object.keys(doc.paths).filter((p) => p.startsWith('/v2/') || p.includes('queue/token'))).toEqual(
        [],
      );
      expect(doc.tags).toBeUndefined();
    });

    it('answers a document-shaped request on a shared path natively', async () => {
      const { scheduleId, seatIds } = await createOpenConcert(t);
      const fan = await createFan(t);
      const res = await t.call('POST', '/api/v1/reservations', {
        token: fan.token,
        headers: { 'Queue-Token': 'frq1.1.x' },
        body: { scheduleId, seatIds: [seatIds[0]], userId: fan.id },
      });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('INVALID_TOKEN');
    });
  });

  describe('all', () => {
    let t: TestServer;
    beforeAll(async () => {
      t = await createCompatServer();
    });
    afterAll(() => t.close());

    it('lists each document under its own tag in /openapi.json, each route with its native mapping', async () => {
      const doc = (await t.call('GET', '/openapi.json')).body;
      const tags: string[] = doc.tags.map((tag: { name: string }) => tag.name);
      expect(tags).toHaveLength(4);
      for (const name of ['seed 000', 'seed 001', 'seed 002', 'seed 004']) {
        expect(tags.some((tag) => tag.includes(name))).toBe(true);
      }
      const ops = Object.values(doc.paths).flatMap((item) =>
        Object.values(item as Record<string, { tags?: string[]; description?: string }>),
      );
      const compatOps = ops.filter((op) => op.tags?.some((tag) => tag.startsWith('compat:')));
      expect(compatOps.length).toBeGreaterThanOrEqual(documentPaths.length - 1);
      for (const op of compatOps) expect(op.description).toMatch(/^Maps to /);
    });

    it('refuses a userId that is not the caller, wherever the document puts it', async () => {
      const { concertId, scheduleId, seatIds } = await createOpenConcert(t);
      const [fan, other] = [await createFan(t), await createFan(t)];
      const ticket = (await t.call('POST', '/api/v1/queue/token', { token: fan.token, body: { concertId } }))
        .body.data.token as string;
      await admitAll(t, concertId);
      const headers = { 'Queue-Token': ticket };
      const cases: Array<[string, string, unknown?]> = [
        ['POST', '/api/v1/queue/tokens', { userId: other.id, scheduleId }],
        ['POST', '/api/v1/queue/token', { userId: other.id, concertId }],
        ['GET', `/api/v1/users/${other.id}/balance`],
        ['POST', `/api/v1/users/${other.id}/balance/charge`, { amount: 1000 }],
        ['POST', '/api/v1/reservations', { scheduleId, seatIds: [seatIds[0]], userId: other.id }],
        [
          'POST',
          `/api/v1/concerts/${concertId}/reservations`,
          { scheduleId, seatId: seatIds[0], userId: other.id },
        ],
        ['POST', '/api/v1/payments', { reservationId: 1, paymentMethod: 'BALANCE', userId: other.id }],
        ['GET', `/api/v1/points?userId=${other.id}`],
        ['POST', '/api/v1/points/charge', { userId: other.id, amount: 1000 }],
        ['POST', '/v2/reservations', { event_id: concertId, seat_ids: [seatIds[0]], user_id: other.id }],
        ['POST', '/v1/bookings', { reservation_id: 1, user_id: other.id }],
        ['POST', '/api/v1/reservations', { event_id: concertId, seat_ids: [seatIds[0]], user_id: other.id }],
      ];
      for (const [method, path, body] of cases) {
        const res = await t.call(method, path, { token: fan.token, headers, body });
        expect([method, path, res.status, res.body.error?.code]).toEqual([method, path, 403, 'FORBIDDEN']);
      }
      // Nothing was written for the other user, and nothing held.
      const balance = await t.call('GET', '/api/v1/points', { token: other.token });
      expect(balance.body.data).toMatchObject({ balance: 0, totalCharged: 0 });
      const mine = await t.call('GET', '/api/v1/reservations', { token: fan.token });
      expect(mine.body.data).toEqual([]);
    });

    it('needs a user token on every document route', async () => {
      for (const [method, path] of documentPaths) {
        const res = await t.call(method, path, { body: method === 'GET' ? undefined : {} });
        expect([method, path, res.status]).toEqual([method, path, 401]);
      }
    });
  });

  describe('rate limits', () => {
    let t: TestServer;
    beforeAll(async () => {
      t = await createCompatServer({ RATE_LIMIT_QUEUE_PER_USER: '2', RATE_LIMIT_BOOKING_PER_USER: '2' });
    });
    afterAll(() => t.close());

    it('count the document routes with the native routes of their kind', async () => {
      const { concertId } = await createOpenConcert(t);
      const cases: Array<[string, string, string]> = [
        ['GET', `/api/v1/concerts/${concertId}/queue/me`, `/v2/waiting-room/status/${concertId}`],
        ['POST', '/api/v1/points/charge', `/api/v1/concerts/${concertId}/reservations`],
      ];
      for (const [method, native, document] of cases) {
        const fan = await createFan(t);
        const body = method === 'POST' ? {} : undefined;
        await t.call(method, native, { token: fan.token, body });
        await t.call(method, document, { token: fan.token, body });
        const third = await t.call(method, document, { token: fan.token, body });
        expect([document, third.status]).toEqual([document, 429]);
      }
    });
  });
});
