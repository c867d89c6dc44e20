import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import { createFans, createSale, QUIET } from '../waiting-room/testing.ts';

/**
 * The routes of the draw, access codes, proof-of-work and webhooks, each with bad input: a malformed id, an
 * unknown concert or webhook, a body of the wrong shape, the wrong caller. Every answer is the error envelope
 * with its code and status, and nothing is created by a refused request.
 */
describe('draw, access-code, proof-of-work and webhook routes', () => {
  let t: TestServer;
  let admin: string;
  let fan: string;
  let concertId: number;
  beforeAll(async () => {
    t = await createTestServer(QUIET);
    admin = await t.token({ role: 'admin' });
    fan = (await createFans(t, 1))[0]!.token;
    concertId = await createSale(t, admin);
  });
  afterAll(() => t.close());

  type Who = 'admin' | 'fan' | 'nobody';
  const call = (who: Who, method: string, path: string, body?: unknown) =>
    t.call(method, path, {
      ...(who === 'nobody' ? {} : { token: who === 'admin' ? admin : fan }),
      ...(body === undefined ? {} : { body }),
    });

  it('answers every bad request in the error envelope with the right code', async () => {
    const c = () => `/api/v1/admin/concerts/${concertId}`;
    const unknown = '/api/v1/admin/concerts/987654321';
    const codes = { count: 1, usesPerCode: 1, lane: 'presale', expiresAt: '2099-01-01T00:00:00Z' };
    const hook = {
      url: 'https://example.com/hook',
      events: ['sale.opened'],
      secret: 'whsec_0123456789abcdef',
    };
    const cases: Array<[Who, string, string, unknown, number, string]> = [
      // The draw.
      ['nobody', 'GET', '/api/v1/concerts/-1/fairness', undefined, 400, 'VALIDATION_ERROR'],
      ['nobody', 'GET', '/api/v1/concerts/987654321/fairness', undefined, 404, 'NOT_FOUND'],
      ['fan', 'GET', '/api/v1/concerts/1.5/queue/me/draw', undefined, 400, 'VALIDATION_ERROR'],
      ['fan', 'GET', '/api/v1/concerts/987654321/queue/me/draw', undefined, 404, 'NOT_FOUND'],
      ['nobody', 'GET', `/api/v1/concerts/${concertId}/queue/me/draw`, undefined, 401, 'UNAUTHENTICATED'],
      // Access codes, access mode, allow-list.
      ['admin', 'POST', `${c()}/access-codes`, { ...codes, lane: 'normal' }, 400, 'VALIDATION_ERROR'],
      ['admin', 'POST', `${c()}/access-codes`, { ...codes, count: 10_001 }, 400, 'VALIDATION_ERROR'],
      ['admin', 'POST', `${c()}/access-codes`, 'not json', 400, 'VALIDATION_ERROR'],
      ['admin', 'POST', `${unknown}/access-codes`, codes, 404, 'NOT_FOUND'],
      ['admin', 'POST', '/api/v1/admin/concerts/abc/access-codes', codes, 400, 'VALIDATION_ERROR'],
      ['fan', 'POST', `${c()}/access-codes`, codes, 403, 'FORBIDDEN'],
      ['nobody', 'POST', `${c()}/access-codes`, codes, 401, 'UNAUTHENTICATED'],
      ['admin', 'GET', '/api/v1/admin/concerts/0/access-mode', undefined, 400, 'VALIDATION_ERROR'],
      ['admin', 'GET', `${unknown}/access-mode`, undefined, 404, 'NOT_FOUND'],
      ['fan', 'GET', `${c()}/access-mode`, undefined, 403, 'FORBIDDEN'],
      ['admin', 'PUT', `${c()}/access-mode`, { accessMode: 'invite-only' }, 400, 'VALIDATION_ERROR'],
      ['admin', 'PUT', `${unknown}/access-mode`, { accessMode: 'open' }, 404, 'NOT_FOUND'],
      ['admin', 'POST', `${c()}/allow-list`, { userIds: ['a'], lane: 'normal' }, 400, 'VALIDATION_ERROR'],
      ['admin', 'POST', `${c()}/allow-list`, { userIds: [''], lane: 'vip' }, 400, 'VALIDATION_ERROR'],
      [
        'admin',
        'POST',
        `${c()}/allow-list`,
        { userIds: ['x'.repeat(65)], lane: 'vip' },
        400,
        'VALIDATION_ERROR',
      ],
      ['admin', 'POST', `${c()}/allow-list`, { userIds: 'a', lane: 'vip' }, 400, 'VALIDATION_ERROR'],
      ['admin', 'POST', `${unknown}/allow-list`, { userIds: ['a'], lane: 'vip' }, 404, 'NOT_FOUND'],
      ['fan', 'POST', `${c()}/allow-list`, { userIds: ['a'], lane: 'vip' }, 403, 'FORBIDDEN'],
      // Proof-of-work.
      ['fan', 'GET', '/api/v1/concerts/x/queue/challenge', undefined, 400, 'VALIDATION_ERROR'],
      ['nobody', 'GET', `/api/v1/concerts/${concertId}/queue/challenge`, undefined, 401, 'UNAUTHENTICATED'],
      ['admin', 'PUT', `${unknown}/proof-of-work`, { difficultyBits: 4 }, 404, 'NOT_FOUND'],
      [
        'admin',
        'PUT',
        '/api/v1/admin/concerts/-3/proof-of-work',
        { difficultyBits: 4 },
        400,
        'VALIDATION_ERROR',
      ],
      ['admin', 'PUT', `${c()}/proof-of-work`, { difficultyBits: '4' }, 400, 'VALIDATION_ERROR'],
      // Webhooks.
      [
        'admin',
        'POST',
        '/api/v1/admin/webhooks',
        { ...hook, events: 'sale.opened' },
        400,
        'VALIDATION_ERROR',
      ],
      ['admin', 'POST', '/api/v1/admin/webhooks', { ...hook, secret: 42 }, 400, 'VALIDATION_ERROR'],
      ['fan', 'GET', '/api/v1/admin/webhooks', undefined, 403, 'FORBIDDEN'],
      ['admin', 'POST', '/api/v1/admin/webhooks/wh_XYZ/ping', undefined, 400, 'VALIDATION_ERROR'],
      ['admin', 'POST', '/api/v1/admin/webhooks/wh_0000000000000000/ping', undefined, 404, 'NOT_FOUND'],
      ['admin', 'GET', '/api/v1/admin/webhooks/nope/deliveries', undefined, 400, 'VALIDATION_ERROR'],
      ['admin', 'GET', '/api/v1/admin/webhooks/wh_0000000000000000/deliveries', undefined, 404, 'NOT_FOUND'],
      ['admin', 'DELETE', '/api/v1/admin/webhooks/wh_0000000000000000', undefined, 404, 'NOT_FOUND'],
      ['fan', 'POST', '/api/v1/admin/webhooks/wh_0000000000000000/ping', undefined, 403, 'FORBIDDEN'],
      // Entering with a bad code or proof (the new fields of the enter body).
      ['fan', 'POST', `/api/v1/concerts/${concertId}/queue`, { accessCode: ['A'] }, 400, 'VALIDATION_ERROR'],
      ['fan', 'POST', `/api/v1/concerts/${concertId}/queue`, { nonce: -1 }, 400, 'VALIDATION_ERROR'],
    ];
    for (const [who, method, path, body, status, code] of cases) {
      const res = await call(who, method, path, body);
      const what = `${who} ${method} ${path} ${JSON.stringify(body)}`;
      expect(res.status, what).toBe(status);
      expect(res.body, what).toMatchObject({ success: false, error: { code, message: expect.any(String) } });
    }

    // Nothing was created by any of them.
    const { redis, keys } = t.services;
    expect(await redis.exists(keys.accessCodes(concertId), keys.allowList(concertId))).toBe(0);
    expect(await redis.hget(keys.sale(concertId), 'powBits')).toBeNull();
    expect((await call('admin', 'GET', '/api/v1/admin/webhooks')).body.data).toEqual([]);
    expect((await call('admin', 'GET', `${c()}/access-mode`)).body.data).toMatchObject({
      accessMode: 'open',
    });
  });
});
