import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer, uniqueId } from '../../test/harness.ts';
import { createSocketEventLimiter, unverifiedSubject } from './rate-limit.ts';

let t: TestServer;
beforeAll(async () => {
  t = await createTestServer({ RATE_LIMIT_BOOKING_PER_USER: '5', RATE_LIMIT_QUEUE_PER_USER: '3' });
});
afterAll(() => t.close());

describe('rate limits', () => {
  it('answer a flooding user with 429 and Retry-After while another user goes through', async () => {
    const flooder = await t.token({ id: uniqueId('flood') });
    const calm = await t.token({ id: uniqueId('calm') });
    const flood = await Promise.all(
      Array.from({ length: 20 }, () => t.call('GET', '/api/v1/reservations', { token: flooder })),
    );
    const limited = flood.filter((r) => r.status === 429);
    expect(limited).toHaveLength(15);
    expect(limited[0]!.body.error.code).toBe('RATE_LIMITED');
    expect(Number(limited[0]!.headers.get('retry-after'))).toBeGreaterThan(0);
    const other = await t.call('GET', '/api/v1/reservations', { token: calm });
    expect(other.status).not.toBe(429);
  });

  it('count queue routes separately from booking routes', async () => {
    const fan = await t.token({ id: uniqueId() });
    const statuses = [];
    for (let i = 0; i < 4; i++)
      statuses.push((await t.call('GET', '/api/v1/concerts/1/queue/me', { token: fan })).status);
    expect(statuses.filter((s) => s === 429)).toHaveLength(1);
    expect((await t.call('GET', '/api/v1/reservations', { token: fan })).status).not.toBe(429);
  });

  it('limit per address too, when configured', async () => {
    const ip = await createTestServer({ RATE_LIMIT_PER_IP: '3' });
    try {
      const results = [];
      for (let i = 0; i < 5; i++) {
        results.push((await ip.call('GET', '/api/v1/reservations', { token: await ip.token({}) })).status);
      }
      expect(results.filter((s) => s === 429)).toHaveLength(2);
    } finally {
      await ip.close();
    }
  });

  it('read the bucket subject from a bearer token without trusting it for anything else', () => {
    const payload = Buffer.from(JSON.stringify({ sub: 'fan-7' })).toString('base64url');
    expect(unverifiedSubject(`Bearer xx.${payload}.sig`)).toBe('fan-7');
    expect(unverifiedSubject('Bearer garbage')).toBeUndefined();
    expect(unverifiedSubject(undefined)).toBeUndefined();
  });

  it('give each socket its own event budget', async () => {
    const limit = createSocketEventLimiter(3);
    for (let i = 0; i < 3; i++) await limit('a');
    await expect(limit('a')).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    await expect(limit('b')).resolves.toBeUndefined();
  });
});
