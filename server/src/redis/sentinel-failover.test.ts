import type { AddressInfo } from 'node:net';
import { createServer, type Server, type Socket } from 'node:net';
import { queueEntries } from '@frontrow/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import { throughOutage } from '../../test/outage.ts';
import { cli, type SentinelProcs, startSentinels } from '../../test/redis-procs.ts';
import { seatViolations } from '../booking/testing.ts';
import { recordingSink } from '../events/index.ts';
import { createFans, createSale, eventually, QUIET, type TestFan } from '../waiting-room/testing.ts';

/**
 * A drop on Redis behind Sentinel (one primary, one replica, three sentinels on the suite's own ports), whose
 * primary is killed while fans enter, poll, claim and hold. REDIS_URL points at a listener that counts every
 * connection made to it.
 */
const sink = recordingSink();
/** How long the drop may take, failover included, before the test gives up on it. */
const DROP_DEADLINE_MS = 40_000;
let redis: SentinelProcs;
let listener: Server;
let urlConnections = 0;
const opened: Socket[] = [];
let t: TestServer;
let admin: string;

beforeAll(async () => {
  redis = await startSentinels({
    primaryPort: 6401,
    replicaPort: 6402,
    sentinelPorts: [26401, 26402, 26403],
  });
  listener = createServer((socket) => {
    urlConnections++;
    opened.push(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  t = await createTestServer(
    {
      ...QUIET,
      RATE_LIMIT_BOOKING_PER_USER: '0',
      REDIS_URL: `redis://127.0.0.1:${(listener.address() as AddressInfo).port}`,
      REDIS_SENTINELS: redis.seeds,
      REDIS_SENTINEL_NAME: redis.name,
      ADMIT_INTERVAL_SECONDS: '0.2',
      ADMIT_GROUP_SIZE: '3',
    },
    { events: sink },
  );
  await t.startWorkers();
  admin = await t.token({ role: 'admin' });
}, 60_000);

afterAll(async () => {
  try {
    await t?.close();
  } finally {
    await redis?.close();
  }
  for (const s of opened) s.destroy();
  await new Promise((resolve) => listener?.close(resolve));
});

describe('a Sentinel failover in the middle of a drop', () => {
  it('answers 503 for a while, then completes the drop with dense tickets, no double admission, no oversell', async () => {
    const concertId = await createSale(t, admin, { openInMs: -60_000 });
    expect(
      (await t.call('POST', `/api/v1/admin/concerts/${concertId}/sale/open`, { token: admin, body: {} }))
        .status,
    ).toBe(200);
    const [schedule] = (await t.call('GET', `/api/v1/concerts/${concertId}/schedules`)).body.data;
    const scheduleId: number = schedule.scheduleId;

    // Every answer of the drop, by status; a 503 with its time.
    const outage = throughOutage(t);
    const { unavailable, unexpected } = outage;
    const call = (
      method: string,
      path: string,
      fan: TestFan,
      headers?: Record<string, string>,
      body?: unknown,
    ) => outage.call(method, path, { token: fan.token, headers, body });

    const held: number[] = [];
    const sold = { out: 0 };
    async function fanRun(fan: TestFan, index: number) {
      const entered = await call('POST', `/api/v1/concerts/${concertId}/queue`, fan);
      expect([200, 201]).toContain(entered.status);
      for (;;) {
        const status = await call('GET', `/api/v1/concerts/${concertId}/queue/me`, fan);
        if (status.body.data?.canEnter) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const claim = await call('POST', `/api/v1/concerts/${concertId}/queue/access-token`, fan);
      expect(claim.status, JSON.stringify(claim.body)).toBe(200);
      const access = { 'x-queue-token': claim.body.data.accessToken };
      for (;;) {
        const map = await call(
          'GET',
          `/api/v1/concerts/${concertId}/schedules/${scheduleId}/seats`,
          fan,
          access,
        );
        const free = (map.body.data?.seats ?? []).filter((s: { status: string }) => s.status === 'AVAILABLE');
        if (free.length === 0) {
          sold.out++;
          return;
        }
        // Fans spread over the free seats, and some pick the same one: the loser of a race tries again.
        const seat = free[(index * 7) % free.length].seatId;
        const hold = await call('POST', '/api/v1/reservations', fan, access, { scheduleId, seatIds: [seat] });
        if (hold.status === 201) {
          held.push(seat);
          return;
        }
      }
    }

    // Fans who entered first and then wait quietly: one of them stands for a write the replica never got.
    const quiet = await createFans(t, 3);
    for (const fan of quiet)
      expect((await call('POST', `/api/v1/concerts/${concertId}/queue`, fan)).status).toBe(201);
    const fans = await createFans(t, 20);
    const runs = fans.map((fan, i) => new Promise((r) => setTimeout(r, i * 30)).then(() => fanRun(fan, i)));

    // Mid-drop: the primary dies. Before it does, the replica loses one drained fan (a write it never
    // received), which the promoted replica must get back from MySQL.
    await eventually(async () => (held.length >= 3 ? true : undefined), 30_000, 'the first holds');
    const lost = quiet[2]!;
    await eventually(
      async () => {
        const rows = await t.services.database.db
          .select()
          .from(queueEntries)
          .where(eq(queueEntries.userId, lost.id));
        return rows.length === 1 ? true : undefined;
      },
      10_000,
      'the quiet fan in MySQL',
    );
    const fansKey = t.services.keys.fans(concertId);
    const before = await t.services.redis.hget(fansKey, lost.id);
    expect(before).toBeTruthy();
    await cli(redis.replica.port, 'CONFIG', 'SET', 'replica-read-only', 'no');
    await cli(redis.replica.port, 'HDEL', fansKey, lost.id);
    const killedAt = Date.now();
    await redis.primary.kill();
    await eventually(
      async () => ((await redis.currentPrimary()) === redis.replica.port ? true : undefined),
      30_000,
      'the replica to be promoted',
    );

    // A client that gave up on Redis for good would leave fans polling forever: bounded, it fails the test.
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([
      Promise.all(runs).then(() => true),
      new Promise<false>((r) => {
        timer = setTimeout(() => r(false), DROP_DEADLINE_MS);
      }),
    ]);
    clearTimeout(timer);
    const window = outage.window(killedAt);
    console.log(`sentinel failover: ${unavailable.length} answers 503 within ${window} ms of the kill`);
    expect(finished, `the drop did not complete: held ${held.length}, sold out for ${sold.out}`).toBe(true);
    expect(unexpected).toEqual([]);

    // Everyone got a seat or found them gone; no seat twice, nothing oversold.
    expect(held.length + sold.out).toBe(fans.length);
    expect(new Set(held).size).toBe(held.length);
    expect(held.length).toBe(fans.length);
    expect(await seatViolations(t, scheduleId)).toEqual([]);
    // Nobody admitted twice.
    const admitted = sink.events.filter((e) => e.type === 'queue.admitted' && e.concertId === concertId);
    const perFan = new Map<string, number>();
    for (const e of admitted) if ('userId' in e) perFan.set(e.userId, (perFan.get(e.userId) ?? 0) + 1);
    expect([...perFan.values()].filter((n) => n > 1)).toEqual([]);
    // The promoted replica got the lost fan back, with the same record; tickets are dense 1..N in MySQL.
    await eventually(
      async () => ((await t.services.redis.hget(fansKey, lost.id)) ? true : undefined),
      20_000,
      'rebuild',
    );
    expect((await t.services.redis.hget(fansKey, lost.id))?.split('|')[2]).toBe(before?.split('|')[2]);
    const rows = await t.services.database.db
      .select()
      .from(queueEntries)
      .where(eq(queueEntries.concertId, concertId));
    const tickets = rows.map((r) => r.ticket).sort((a, b) => a - b);
    expect(tickets).toEqual(Array.from({ length: fans.length + quiet.length }, (_, i) => i + 1));
    expect(urlConnections).toBe(0);
  }, 60_000);
});
