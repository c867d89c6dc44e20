import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { QueueStatus } from '@frontrow/client/protocol';
import { payments, queueEntries, reservations } from '@frontrow/db';
import { and, eq, isNotNull } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import { createConcert, createFan, holdSeats, seatViolations } from '../booking/testing.ts';
import { createDatabase, dropDatabase, ensureDatabase, migrateDatabase } from '../db/client.ts';
import { type DomainEvent, recordingSink } from '../events/index.ts';
import { charge, moneyViolations, pay } from '../payments/testing.ts';
import { createFans, createSale, enter, statusOf, type TestFan } from '../waiting-room/testing.ts';
import { eventually, freePort, type RedisProcess, startRedisServer } from './testing.ts';

/**
 * Faults against real processes: redis-servers of this file's own (flushed, restarted empty), and the worker role
 * as a child process (`tsx server/src/main.ts`, ROLE=worker) killed with SIGKILL mid-work. A database of this
 * file's own too, because a worker process adopts every open sale of its database (production's `sync`).
 */
const databaseUrl = `${inject('mysqlServerUrl')}/frontrow_fault_${randomBytes(4).toString('hex')}`;
const cleanups: Array<() => Promise<unknown>> = [];
const QUIET = { RATE_LIMIT_QUEUE_PER_USER: '0', RATE_LIMIT_BOOKING_PER_USER: '0', DATABASE_URL: databaseUrl };

beforeAll(async () => {
  await ensureDatabase(databaseUrl);
  const database = createDatabase(databaseUrl, { connectionLimit: 2 });
  await migrateDatabase(database);
  await database.close();
});
afterAll(async () => {
  for (const clean of cleanups.reverse()) await clean().catch(() => undefined);
  await dropDatabase(databaseUrl);
});

async function ownRedis(): Promise<RedisProcess> {
  const redis = await startRedisServer();
  cleanups.push(() => redis.close());
  return redis;
}

const place = (s: QueueStatus) => ({
  status: s.status,
  lane: s.lane,
  ticket: s.ticket,
  position: s.position,
});

async function snapshot(t: TestServer, concertId: number, fans: TestFan[]) {
  const out = new Map<string, QueueStatus>();
  for (const fan of fans) out.set(fan.id, await statusOf(t, concertId, fan));
  return out;
}

/** The fans the log says are in the room, as they were; admitted fans READY; fans who left stay out. */
async function expectRestored(
  t: TestServer,
  concertId: number,
  fans: TestFan[],
  before: Map<string, QueueStatus>,
) {
  for (const fan of fans) {
    const was = before.get(fan.id)!;
    const now = await statusOf(t, concertId, fan);
    if (was.status === 'WAITING') expect(place(now)).toEqual(place(was));
    else if (was.status === 'READY') expect(now.status).toBe('READY');
    else expect(now.status).toBe(was.status);
  }
}

/** Every entry the room's log holds is in MySQL. */
async function drained(t: TestServer, concertId: number) {
  const { redis, keys } = t.services;
  await eventually(
    async () =>
      (await redis.llen(keys.queueLog(concertId))) + (await redis.llen(keys.queueLogInflight(concertId))) ===
      0
        ? true
        : undefined,
    15_000,
    'the write-behind',
  );
}

describe('Redis loses its data', () => {
  it('rebuilds every waiting fan from MySQL after a flush (admin) and after an empty restart (by itself)', async () => {
    const redis = await ownRedis();
    const recorder = recordingSink();
    const t = await createTestServer(
      { ...QUIET, REDIS_URL: redis.url },
      { salesSync: 'all', events: recorder },
    );
    cleanups.push(() => t.close());
    const admin = await t.token({ role: 'admin' });
    const concertId = await createSale(t, admin);
    const fans = [...(await createFans(t, 4, 'vip')), ...(await createFans(t, 8))];
    for (const fan of fans) await enter(t, concertId, fan);
    const open = { groupSize: 2, intervalSeconds: 1, maxActive: 1_000 };
    await t.call('POST', `/api/v1/admin/concerts/${concertId}/sale/open`, { token: admin, body: open });
    await t.call('POST', `/api/v1/admin/concerts/${concertId}/sale/pause`, { token: admin });
    await t.call('POST', `/api/v1/admin/concerts/${concertId}/admit`, { token: admin, body: { count: 3 } });
    await t.call('DELETE', `/api/v1/concerts/${concertId}/queue/me`, { token: fans[7]!.token });
    await t.startWorkers();
    await drained(t, concertId);
    const before = await snapshot(t, concertId, fans);
    expect([...before.values()].filter((s) => s.status === 'WAITING')).toHaveLength(8);

    // FLUSHALL, then the admin endpoint.
    await redis.flushAll();
    expect((await statusOf(t, concertId, fans[0]!)).status).toBe('NOT_IN_QUEUE');
    const rebuilt = await t.call('POST', `/api/v1/admin/concerts/${concertId}/queue/rebuild`, {
      token: admin,
    });
    expect(rebuilt.status).toBe(200);
    expect(rebuilt.body.data).toMatchObject({
      saleState: 'PAUSED',
      waiting: { vip: 1, normal: 7 },
      ready: 3,
    });
    await expectRestored(t, concertId, fans, before);

    // An empty restart while the workers run: the recovery watch rebuilds and re-adopts, nobody calls anything.
    await redis.stop('SIGKILL');
    await redis.start();
    await eventually(
      async () => ((await statusOf(t, concertId, fans[8]!)).status !== 'NOT_IN_QUEUE' ? true : undefined),
      20_000,
      'the automatic rebuild',
    );
    await expectRestored(t, concertId, fans, before);
    const schedulers = async () => [
      ...(await t.services.saleJobs.queue.getJobSchedulers()).map((s) => s.key),
      ...(await t.services.holdQueue.queue.getJobSchedulers()).map((s) => s.key),
    ];
    await eventually(async () => ((await schedulers()).length >= 3 ? true : undefined), 10_000, 'schedulers');
    expect(await schedulers()).toEqual(expect.arrayContaining(['drain', 'cleanup', 'booking-holds-sweeper']));

    // Admission picks up where it was: every fan in the room is admitted, once.
    await t.call('POST', `/api/v1/admin/concerts/${concertId}/sale/resume`, { token: admin });
    const inRoom = fans.filter((f) => before.get(f.id)!.status !== 'NOT_IN_QUEUE');
    await eventually(
      async () => {
        for (const fan of inRoom)
          if ((await statusOf(t, concertId, fan)).status !== 'READY') return undefined;
        return true;
      },
      30_000,
      'every fan admitted',
    );
    const admitted = recorder.events.filter(
      (e): e is Extract<DomainEvent, { type: 'queue.admitted' }> => e.type === 'queue.admitted',
    );
    expect(new Set(admitted.map((e) => e.userId)).size).toBe(admitted.length);
    await t.call('POST', `/api/v1/admin/concerts/${concertId}/sale/close`, { token: admin });
  }, 120_000);
});

const root = fileURLToPath(new URL('../../..', import.meta.url));
// Node itself with tsx's loader, not the tsx command: the command runs the server as a child of its own, so a
// SIGKILL sent to it would leave the server running.
const serverArgs = ['--import', 'tsx', '--conditions=frontrow-source', 'server/src/main.ts'];

/** The worker role as its own process, on this file's Redis and database. */
async function startWorker(env: Record<string, string>) {
  const port = await freePort();
  let output = '';
  const child: ChildProcess = spawn(process.execPath, serverArgs, {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ROLE: 'worker', PORT: String(port), LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d) => {
    output += d;
  });
  child.stderr?.on('data', (d) => {
    output += d;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  cleanups.push(async () => {
    child.kill('SIGKILL');
    await exited;
  });
  await eventually(
    async () => ((await fetch(`http://127.0.0.1:${port}/ready`)).status === 200 ? true : undefined),
    60_000,
    'the worker process',
  ).catch((err: Error) => {
    throw new Error(`${err.message}\n${output}`);
  });
  return {
    output: () => output,
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

describe('the worker process is killed with SIGKILL', () => {
  it('in the middle of admission and of hold expiry: nothing lost, nothing done twice', async () => {
    const redis = await ownRedis();
    const env = {
      ...QUIET,
      REDIS_URL: redis.url,
      REDIS_PREFIX: `frfault:${randomBytes(3).toString('hex')}`,
      HOLD_MINUTES: '0.05',
      DEMO_DATA: 'false',
    };
    const t = await createTestServer(env, { salesSync: 'all' });
    cleanups.push(() => t.close());
    const first = await startWorker(env);

    // A drop: 24 fans, admitted three a second by the worker.
    const admin = await t.token({ role: 'admin' });
    const concertId = await createSale(t, admin);
    const fans = [...(await createFans(t, 6, 'vip')), ...(await createFans(t, 18))];
    for (const fan of fans) await enter(t, concertId, fan);
    // Seats: eight holds of three seconds; four are paid, four run out and are expired by the worker.
    const seats = await createConcert(t, { rows: 1, seatsPerRow: 8, price: 1_000 });
    const holders = await Promise.all(Array.from({ length: 8 }, () => createFan(t, [seats.concertId])));
    const held: number[] = [];
    for (const [i, fan] of holders.entries()) {
      const res = await holdSeats(t, fan, seats, [seats.seatIds[i]!]);
      expect(res.status).toBe(201);
      held.push(res.body.data.reservationId);
    }
    // Payment processing: the first four pay at once; their expiry jobs, still due, must find them paid.
    for (const [i, fan] of holders.slice(0, 4).entries()) {
      await charge(t, fan, 1_000);
      expect((await pay(t, fan, seats.concertId, held[i]!)).status).toBe(201);
    }
    await t.call('POST', `/api/v1/admin/concerts/${concertId}/sale/open`, {
      token: admin,
      body: { groupSize: 3, intervalSeconds: 1, maxActive: 1_000 },
    });

    const served = async () =>
      (
        await t.services.redis.hmget(t.services.keys.queueStats(concertId), 'served:vip', 'served:normal')
      ).reduce((n, v) => n + Number(v ?? 0), 0);
    const statusCount = async (status: 'EXPIRED' | 'PAID') =>
      (
        await t.services.database.db
          .select({ id: reservations.id })
          .from(reservations)
          .where(and(eq(reservations.concertId, seats.concertId), eq(reservations.status, status)))
      ).length;
    await eventually(async () => ((await served()) >= 3 ? true : undefined), 30_000, 'admission to start');
    await eventually(
      async () => ((await statusCount('EXPIRED')) >= 1 ? true : undefined),
      30_000,
      'a first expiry',
    );
    await first.kill();
    const servedAtKill = await served();
    expect(servedAtKill).toBeLessThan(fans.length);

    // While no worker runs, the late payers are refused by the database clock, whether or not their hold was
    // expired by a job yet.
    for (const [i, fan] of holders.slice(4).entries()) {
      await charge(t, fan, 1_000);
      const res = await pay(t, fan, seats.concertId, held[4 + i]!);
      expect(res.body.error.code).toBe('RESERVATION_EXPIRED');
    }
    const paid = 4;

    const second = await startWorker(env);
    await eventually(
      async () => ((await served()) === fans.length ? true : undefined),
      60_000,
      'every fan admitted',
    );
    await eventually(
      async () => ((await statusCount('EXPIRED')) === holders.length - paid ? true : undefined),
      60_000,
      'every unpaid hold expired',
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${second.output()}`);
    });

    // Admission: every fan once (the served counter would count a second admission), in the log once.
    for (const fan of fans) expect((await statusOf(t, concertId, fan)).status).toBe('READY');
    await drained(t, concertId);
    const rows = await t.services.database.db
      .select({ ticket: queueEntries.ticket })
      .from(queueEntries)
      .where(and(eq(queueEntries.concertId, concertId), isNotNull(queueEntries.admittedAt)));
    expect(rows).toHaveLength(fans.length);
    // Holds: each paid exactly once or expired, seats and money consistent.
    expect(await statusCount('PAID')).toBe(paid);
    const paymentRows = await t.services.database.db
      .select({ id: payments.id })
      .from(payments)
      .innerJoin(reservations, eq(reservations.id, payments.reservationId))
      .where(eq(reservations.concertId, seats.concertId));
    expect(paymentRows).toHaveLength(paid);
    expect(await seatViolations(t, seats.scheduleId)).toEqual([]);
    expect(
      await moneyViolations(
        t,
        holders.map((h) => h.userId),
      ),
    ).toEqual([]);
  }, 240_000);
});
