import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ClientToServerEvents, ServerToClientEvents } from '@frontrow/client/protocol';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import { createRealtime } from '../compose.ts';
import { type DomainEvent, recordingSink } from '../events/index.ts';
import { eventually, startRedisServer, startTcpProxy, within } from '../recovery/testing.ts';
import { createFans, createSale, enter, statusOf, type TestFan } from '../waiting-room/testing.ts';

/**
 * Dependency outages against real processes: a redis-server of this file's own that the test stops and starts
 * again, and a TCP proxy in front of MySQL that the test cuts and freezes. A hang fails the test (`within`), and
 * vitest fails the run on any unhandled rejection.
 */
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const clean of cleanups.reverse()) await clean().catch(() => undefined);
});

const QUIET = { RATE_LIMIT_QUEUE_PER_USER: '0', RATE_LIMIT_BOOKING_PER_USER: '0' };

async function expect503(t: TestServer, method: string, path: string, token?: string) {
  const res = await within(5_000, t.call(method, path, { token }), `${method} ${path}`);
  expect(res.status).toBe(503);
  expect(res.body.error.code).toBe('DEPENDENCY_UNAVAILABLE');
  return res;
}

describe('Redis restarts during a drop', () => {
  it('answers 503 meanwhile, then the API, the workers and the socket adapter resume; nobody is admitted twice', async () => {
    const redis = await startRedisServer({ persist: true });
    cleanups.push(() => redis.close());
    const recorder = recordingSink();
    const t = await createTestServer({ ...QUIET, REDIS_URL: redis.url }, { events: recorder });
    cleanups.push(() => t.close());
    const http = createServer();
    const gateway = createRealtime(http, t.services);
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => gateway.close());

    const admin = await t.token({ role: 'admin' });
    const concertId = await createSale(t, admin);
    const fans = [...(await createFans(t, 3, 'vip')), ...(await createFans(t, 9))];
    for (const fan of fans) expect((await enter(t, concertId, fan)).status).toBeLessThan(300);
    const open = await t.call('POST', `/api/v1/admin/concerts/${concertId}/sale/open`, {
      token: admin,
      body: { groupSize: 2, intervalSeconds: 1, maxActive: 1_000 },
    });
    expect(open.status).toBe(200);
    // A fan who will enter after the restart listens on its own socket from now on.
    const [late] = await createFans(t, 1);
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = connect(
      `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
      { transports: ['websocket'], auth: { token: late!.token }, forceNew: true },
    );
    cleanups.push(async () => socket.disconnect());
    const pushed: string[] = [];
    socket.on('queue:admitted', () => pushed.push('admitted'));
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });

    await t.startWorkers();
    const served = async () => {
      const stats = await t.services.redis.hmget(
        t.services.keys.queueStats(concertId),
        'served:vip',
        'served:normal',
      );
      return stats.reduce((n, v) => n + Number(v ?? 0), 0);
    };
    await eventually(async () => ((await served()) >= 4 ? true : undefined), 20_000, 'first admissions');

    await redis.stop('SIGTERM');
    const [waiting] = fans.slice(-1) as [TestFan];
    await expect503(t, 'POST', `/api/v1/concerts/${concertId}/queue`, late!.token);
    await expect503(t, 'GET', `/api/v1/concerts/${concertId}/queue/me`, waiting.token);
    const ready = await expect503(t, 'GET', '/ready');
    expect(ready.body.error.message).toContain('redis');
    expect(ready.body.error.details.mysql.ok).toBe(true);
    // MySQL-only reads still work, producers of jobs give up rather than wait, and /metrics still answers.
    expect((await within(5_000, t.call('GET', '/api/v1/concerts'))).status).toBe(200);
    await within(
      5_000,
      t.services.holdQueue.schedule([{ reservationId: 2_147_483_000, expiresAt: new Date() }]),
      'scheduling a job',
    );
    const metrics = await within(5_000, Promise.resolve(t.app.request('/metrics')));
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/frontrow_state_up\{[^}]*\} 0/);

    await redis.start();
    await eventually(
      async () => ((await t.call('GET', '/ready')).status === 200 ? true : undefined),
      20_000,
      'ready',
    );
    expect((await enter(t, concertId, late!)).status).toBeLessThan(300);
    const everyone = [...fans, late!];
    await eventually(
      async () => ((await served()) === everyone.length ? true : undefined),
      30_000,
      'every fan admitted after the restart',
    );
    for (const fan of everyone) expect((await statusOf(t, concertId, fan)).status).toBe('READY');
    // Admissions the workers announced: never twice for a fan (a retried tick is a no-op).
    const admitted = recorder.events.filter(
      (e): e is Extract<DomainEvent, { type: 'queue.admitted' }> => e.type === 'queue.admitted',
    );
    expect(new Set(admitted.map((e) => e.userId)).size).toBe(admitted.length);
    // The late fan's admission came through the worker's emitter and the gateway's Redis adapter.
    await eventually(
      async () => (pushed.length > 0 ? true : undefined),
      10_000,
      'socket push after the restart',
    );
  }, 120_000);
});

describe('MySQL goes away', () => {
  it('answers 503 at once when it is down and within MYSQL_TIMEOUT_MS when it hangs, then resumes', async () => {
    const dbUrl = new URL(inject('databaseUrl'));
    const proxy = await startTcpProxy({ host: dbUrl.hostname, port: Number(dbUrl.port || 3306) });
    cleanups.push(() => proxy.close());
    dbUrl.port = String(proxy.port);
    const t = await createTestServer({ ...QUIET, DATABASE_URL: dbUrl.toString(), MYSQL_TIMEOUT_MS: '1500' });
    cleanups.push(() => t.close());
    const admin = await t.token({ role: 'admin' });
    const concertId = await createSale(t, admin);
    const [fan] = await createFans(t, 1);
    expect((await enter(t, concertId, fan!)).status).toBeLessThan(300);
    expect((await t.call('GET', '/api/v1/concerts')).status).toBe(200);

    await proxy.down();
    await expect503(t, 'GET', '/api/v1/concerts');
    const ready = await expect503(t, 'GET', '/ready');
    expect(ready.body.error.message).toContain('mysql');
    expect(ready.body.error.details.redis.ok).toBe(true);
    // The waiting room never reads MySQL: a fan's place is still there.
    expect((await statusOf(t, concertId, fan!)).status).toBe('WAITING');

    await proxy.up();
    await eventually(
      async () => ((await t.call('GET', '/api/v1/concerts')).status === 200 ? true : undefined),
      15_000,
    );
    proxy.freeze();
    await expect503(t, 'GET', '/api/v1/concerts');
    await expect503(t, 'GET', '/api/v1/concerts');

    await proxy.up();
    await eventually(
      async () => ((await t.call('GET', '/api/v1/concerts')).status === 200 ? true : undefined),
      15_000,
    );
    expect((await t.call('GET', '/ready')).status).toBe(200);
  }, 60_000);
});
