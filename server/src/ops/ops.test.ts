import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import { createDatabase } from '../db/client.ts';
import { createHttpApp } from '../http/app.ts';
import { createLogger } from '../logging/logger.ts';
import { createRedisConnections } from '../redis/client.ts';
import { opsRoutes } from './routes.ts';

let t: TestServer;
beforeAll(async () => {
  t = await createTestServer();
});
afterAll(() => t.close());

describe('health and readiness', () => {
  it('/health answers while the process lives', async () => {
    const res = await t.call('GET', '/health');
    expect(res.status).toBe(200);
    expect(res.body.data.status).toBe('ok');
  });

  it('/ready is 200 when Redis and MySQL answer', async () => {
    const res = await t.call('GET', '/ready');
    expect(res.status).toBe(200);
    expect(res.body.data.checks.redis.ok).toBe(true);
    expect(res.body.data.checks.mysql.ok).toBe(true);
  });

  it('/ready is 503 naming MySQL when MySQL does not answer', async () => {
    const deadDb = createDatabase('mysql://root@127.0.0.1:1/nothing');
    const app = createHttpApp({
      logger: createLogger('silent'),
      routers: [opsRoutes({ redis: t.services.redis, database: deadDb })],
    });
    const res = await app.request('/ready');
    expect(res.status).toBe(503);
    const body = await res.json();
    expect(body.error.code).toBe('DEPENDENCY_UNAVAILABLE');
    expect(body.error.message).toContain('mysql');
    expect(body.error.details.mysql.ok).toBe(false);
    expect(body.error.details.redis.ok).toBe(true);
    // Names and ok/failed only: a driver's message tells an outsider about the network behind the service.
    expect(body.error.details.mysql).toEqual({ ok: false, latencyMs: expect.any(Number) });
    expect(JSON.stringify(body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|connect/);
    await deadDb.close();
  });

  it('/ready is 503 naming Redis when Redis does not answer', async () => {
    const deadRedis = createRedisConnections({
      mode: 'standalone',
      url: 'redis://127.0.0.1:1',
      password: undefined,
      tls: false,
    }).open('request');
    deadRedis.on('error', () => undefined);
    const app = createHttpApp({
      logger: createLogger('silent'),
      routers: [opsRoutes({ redis: deadRedis, database: t.services.database })],
    });
    const res = await app.request('/ready');
    expect(res.status).toBe(503);
    const body = await res.json();
    expect(body.error.message).toContain('redis');
    expect(body.error.details.redis.ok).toBe(false);
    deadRedis.disconnect();
  });

  it('serves the OpenAPI document and the interactive reference', async () => {
    const doc = await t.call('GET', '/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/concerts',
        '/api/v1/concerts/{concertId}/schedules',
        '/api/v1/admin/concerts',
      ]),
    );
    const docs = await t.app.request('/docs');
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('/openapi.json');
  });
});

describe('metrics', () => {
  it('want the bearer METRICS_TOKEN when one is set', async () => {
    const token = 'metrics-token-0123456789abcdef';
    const guarded = await createTestServer({ METRICS_TOKEN: token });
    try {
      const none = await guarded.call('GET', '/metrics');
      expect([none.status, none.body.error.code]).toEqual([401, 'UNAUTHENTICATED']);
      const wrong = await guarded.call('GET', '/metrics', { token: `${token}x` });
      expect([wrong.status, wrong.body.error.code]).toEqual([401, 'INVALID_TOKEN']);
      const right = await guarded.app.request('/metrics', { headers: { authorization: `Bearer ${token}` } });
      expect(right.status).toBe(200);
      expect(await right.text()).toContain('frontrow_http_requests_total');
    } finally {
      await guarded.close();
    }
  });

  it('count requests by route pattern and status, never by raw id', async () => {
    await t.call('GET', '/api/v1/concerts/424242');
    await t.call('GET', '/api/v1/concerts/abc');
    t.services.events.publish({
      type: 'queue.admitted',
      concertId: 1,
      userId: 'x',
      lane: 'vip',
      readyUntil: '',
    });
    const res = await t.app.request('/metrics');
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(
      /frontrow_http_requests_total\{[^}]*route="\/api\/v1\/concerts\/:concertId"[^}]*status="404"/,
    );
    expect(text).toMatch(
      /frontrow_http_requests_total\{[^}]*route="\/api\/v1\/concerts\/:concertId"[^}]*status="400"/,
    );
    expect(text).not.toContain('424242');
    expect(text).toMatch(/frontrow_admissions_total\{[^}]*lane="vip"[^}]*\} 1/);
    expect(text).toContain('nodejs_eventloop_lag_seconds');
  });
});
