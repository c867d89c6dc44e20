import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer, uniqueId } from '../../test/harness.ts';
import { bearerToken, MAX_AUTHORIZATION_CHARS } from '../auth/middleware.ts';
import { createSocketEventLimiter } from './rate-limit.ts';

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

  it('charge each request of a limited route once', async () => {
    const fan = await t.token({ id: uniqueId() });
    const statuses = [];
    for (let i = 0; i < 4; i++)
      statuses.push((await t.call('POST', '/api/v1/concerts/987654321/queue', { token: fan })).status);
    expect(statuses).toEqual([404, 404, 404, 429]);
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

  it('never count a forged token against the user it names', async () => {
    const victim = uniqueId('victim');
    const forger = new TextEncoder().encode('not-the-server-secret-not-the-server-secret');
    const forged = () =>
      new SignJWT({ role: 'user' })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(victim)
        .setExpirationTime('1h')
        .sign(forger);
    for (let i = 0; i < 60; i++) {
      const res = await t.call('GET', '/api/v1/reservations', { token: await forged() });
      expect(res.status).toBe(401);
    }
    const real = await t.call('GET', '/api/v1/reservations', { token: await t.token({ id: victim }) });
    expect(real.status).toBe(200);
  });

  it('take the address the trusted proxy appended, so a spoofed X-Forwarded-For changes nothing', async () => {
    const proxied = await createTestServer({ RATE_LIMIT_PER_IP: '3', TRUST_PROXY: 'true' });
    const twoHops = await createTestServer({
      RATE_LIMIT_PER_IP: '3',
      TRUST_PROXY: 'true',
      TRUST_PROXY_HOPS: '2',
    });
    try {
      const one: number[] = [];
      for (let i = 0; i < 5; i++) {
        const token = await proxied.token({});
        const res = await proxied.call('GET', '/api/v1/reservations', {
          token,
          headers: { 'x-forwarded-for': `198.51.100.${i}, 203.0.113.7` },
        });
        one.push(res.status);
      }
      expect(one.filter((s) => s === 429)).toHaveLength(2);
      // Another fan behind the same proxy is another address.
      const other = await proxied.call('GET', '/api/v1/reservations', {
        token: await proxied.token({}),
        headers: { 'x-forwarded-for': '203.0.113.8' },
      });
      expect(other.status).toBe(200);

      const two: number[] = [];
      for (let i = 0; i < 5; i++) {
        const res = await twoHops.call('GET', '/api/v1/reservations', {
          token: await twoHops.token({}),
          headers: { 'x-forwarded-for': `198.51.100.${i}, 203.0.113.9, 10.0.0.${i}` },
        });
        two.push(res.status);
      }
      expect(two.filter((s) => s === 429)).toHaveLength(2);
    } finally {
      await proxied.close();
      await twoHops.close();
    }
  });

  it('parse the Authorization header in one pass, and not past its length cap', async () => {
    const pad = (n: number) => ' '.repeat(n);
    expect(bearerToken('Bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(bearerToken(`bearer${pad(3)}tok${pad(2)}`)).toBe('tok');
    expect(bearerToken(`Bearer\ttok`)).toBe('tok');
    for (const bad of [
      undefined,
      '',
      'Bearer',
      'Bearer ',
      'Bearerx tok',
      'Basic abc',
      'Bearer a b',
      'Bearer\u00a0a',
    ]) {
      expect(bearerToken(bad)).toBeUndefined();
    }
    // The inputs that made a backtracking pattern quadratic: right answers, and nothing past the cap is read.
    expect(bearerToken(`Bearer${pad(MAX_AUTHORIZATION_CHARS - 7)}a`)).toBe('a');
    expect(bearerToken(`Bearer${pad(MAX_AUTHORIZATION_CHARS)}a`)).toBeUndefined();
    expect(bearerToken(`Bearer${pad(100_000)}a`)).toBeUndefined();
    expect(bearerToken(`Bearer ${'a.'.repeat(50_000)}`)).toBeUndefined();
    const slow = await t.call('GET', '/api/v1/reservations', {
      headers: { authorization: `Bearer${pad(15_000)}a` },
    });
    expect([slow.status, slow.body.error.code]).toEqual([401, 'UNAUTHENTICATED']);
  });

  it('give each socket its own event budget', async () => {
    const limit = createSocketEventLimiter(3);
    for (let i = 0; i < 3; i++) await limit('a');
    await expect(limit('a')).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    await expect(limit('b')).resolves.toBeUndefined();
  });
});
