import { drawOrder } from '@frontrow/client/draw';
import type { QueueStatus } from '@frontrow/client/protocol';
import { queueEntries, queueShuffles } from '@frontrow/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import { createServices, createWorkers } from '../compose.ts';
import { type DomainEvent, recordingSink } from '../events/index.ts';
import { recordedDrawSeed } from '../fairness/draw.ts';
import { createLogger } from '../logging/logger.ts';
import {
  createFans,
  createSale,
  enter,
  eventually,
  QUIET,
  statusOf,
  type TestFan,
} from '../waiting-room/testing.ts';

/** The worker role runs here: timers, the admission scheduler and the write-behind are real BullMQ jobs. */
const fast = { ...QUIET, ADMIT_INTERVAL_SECONDS: '0.2', ADMIT_GROUP_SIZE: '3', MAX_ACTIVE_USERS: '1000' };

const admittedIds = (events: DomainEvent[], concertId: number) =>
  events.flatMap((e) => (e.type === 'queue.admitted' && e.concertId === concertId ? [e.userId] : []));

describe('a sale run by the worker role', () => {
  const sink = recordingSink();
  let t: TestServer;
  let admin: string;
  beforeAll(async () => {
    t = await createTestServer(fast, { events: sink });
    admin = await t.token({ role: 'admin' });
  });
  afterAll(() => t.close());

  it('opens by itself, shuffles the pre-queue once inside each lane, admits VIP, then presale, then normal, closes by itself', async () => {
    const concertId = await createSale(t, admin, { openInMs: 2_500, closeInMs: 8_000, seats: 100 });
    const vip = await createFans(t, 8, 'vip');
    const normal = await createFans(t, 12, 'normal');
    const presale = await createFans(t, 5, 'normal');
    const listed = await t.call('POST', `/api/v1/admin/concerts/${concertId}/allow-list`, {
      token: admin,
      body: { userIds: presale.map((f) => f.id), lane: 'presale' },
    });
    expect(listed.status).toBe(200);
    const early: TestFan[] = [];
    for (let i = 0; i < 12; i++)
      early.push(...[normal[i]!, ...(i < 8 ? [vip[i]!] : []), ...(i < 5 ? [presale[i]!] : [])]);
    const before = new Map<string, QueueStatus>();
    for (const fan of early) before.set(fan.id, (await enter(t, concertId, fan)).body.data);
    await t.startWorkers();

    const saleState = async () => (await t.call('GET', `/api/v1/concerts/${concertId}`)).body.data.saleState;
    await eventually(
      async () => ((await saleState()) === 'ON_SALE' ? true : undefined),
      8_000,
      'the sale to open',
    );

    // The revealed seed replays the draw: the fan holding the i-th (ticket, laneSeq) pair of its lane after it
    // is the fan whose entry ticket was drawn i-th. MySQL records the draw after the step that opened the sale in
    // Redis (a few round trips later, more of them on a cluster): the record is waited for, not assumed.
    const shuffle = await eventually(
      async () =>
        (
          await t.services.database.db
            .select()
            .from(queueShuffles)
            .where(eq(queueShuffles.concertId, concertId))
        )[0],
      8_000,
      'the draw recorded in MySQL',
    );
    const seed = (await t.services.redis.hget(t.services.keys.sale(concertId), 'seed'))!;
    expect(shuffle).toMatchObject({
      seed: recordedDrawSeed(seed),
      vipCount: 8,
      presaleCount: 5,
      normalCount: 12,
    });
    const after = new Map<string, QueueStatus>();
    for (const fan of early) after.set(fan.id, await statusOf(t, concertId, fan));
    const byLaneSeq = (fans: TestFan[], m: Map<string, QueueStatus>) =>
      [...fans].sort((a, b) => m.get(a.id)!.laneSeq! - m.get(b.id)!.laneSeq!).map((f) => f.id);
    const entryTickets = (fans: TestFan[]) => fans.map((f) => before.get(f.id)!.ticket!);
    const drawn = drawOrder(seed, {
      vip: entryTickets(vip),
      presale: entryTickets(presale),
      normal: entryTickets(normal),
    });
    const ticketsAfter = (fans: TestFan[]) => byLaneSeq(fans, after).map((id) => before.get(id)!.ticket);
    expect(ticketsAfter(vip)).toEqual(drawn.vip);
    expect(ticketsAfter(presale)).toEqual(drawn.presale);
    expect(ticketsAfter(normal)).toEqual(drawn.normal);
    const pairs = (fans: TestFan[], m: Map<string, QueueStatus>) =>
      fans.map((f) => `${m.get(f.id)!.lane}/${m.get(f.id)!.ticket}/${m.get(f.id)!.laneSeq}`).sort();
    expect(pairs(vip, after)).toEqual(pairs(vip, before));
    expect(pairs(presale, after)).toEqual(pairs(presale, before));
    expect(pairs(normal, after)).toEqual(pairs(normal, before));
    expect(presale.every((f) => after.get(f.id)!.lane === 'presale')).toBe(true);

    // Exactly once: opening again (an admin, a retried timer) changes nobody's place.
    await t.services.sales.open(concertId);
    expect(await t.services.redis.hget(t.services.keys.sale(concertId), 'seed')).toBe(seed);
    for (const fan of early)
      expect((await statusOf(t, concertId, fan)).ticket).toBe(after.get(fan.id)!.ticket);

    // Later fans queue behind, first come first served.
    const [late] = await createFans(t, 1);
    expect((await enter(t, concertId, late!)).body.data).toMatchObject({ ticket: 26, laneSeq: 13 });

    await eventually(
      async () => (admittedIds(sink.events, concertId).length === 26 ? true : undefined),
      8_000,
      'everyone admitted',
    );
    const entryOwner = new Map(early.map((f) => [before.get(f.id)!.ticket!, f.id]));
    const drawnFans = [...drawn.vip, ...drawn.presale, ...drawn.normal].map((ticket) =>
      entryOwner.get(ticket),
    );
    expect(admittedIds(sink.events, concertId)).toEqual([...drawnFans, late!.id]);

    await eventually(
      async () => ((await saleState()) === 'CLOSED' ? true : undefined),
      10_000,
      'the sale to close',
    );
    expect((await statusOf(t, concertId, late!)).status).toBe('BOOKING_CLOSED');
    // The admission scheduler is removed right after the step that closed the sale in Redis.
    await eventually(
      async () =>
        (await t.services.saleJobs.queue.getJobScheduler(`admit-${concertId}`)) ? undefined : true,
      8_000,
      'the admission scheduler removed',
    );

    // Written behind: one row per ticket, its owner after the shuffle, admitted, closed with the sale.
    const rows = await eventually(async () => {
      const found = await t.services.database.db
        .select()
        .from(queueEntries)
        .where(eq(queueEntries.concertId, concertId));
      return found.length === 26 && found.every((r) => r.leftReason === 'CLOSED') ? found : undefined;
    }, 8_000);
    for (const fan of [...early, late!]) {
      const ticket = fan === late ? 26 : after.get(fan.id)!.ticket;
      const row = rows.find((r) => r.ticket === ticket)!;
      expect(row).toMatchObject({ userId: fan.id, lane: presale.includes(fan) ? 'presale' : fan.tier });
      expect(row.admittedAt).toBeInstanceOf(Date);
    }
  });

  it('adopts its sales when the worker role starts: cache, timers and schedulers, idempotently', async () => {
    const concertId = await createSale(t, admin);
    const opened = await t.call('POST', `/api/v1/admin/concerts/${concertId}/sale/open`, { token: admin });
    expect(opened.status).toBe(200);
    // Redis lost the sale and BullMQ its scheduler: a (re)start of the worker role rebuilds both from MySQL.
    await t.services.redis.del(t.services.keys.sale(concertId));
    await t.services.saleJobs.stopAdmission(concertId);
    await t.services.sales.sync();
    await t.services.sales.sync();
    expect(await t.services.redis.hget(t.services.keys.sale(concertId), 'state')).toBe('ON_SALE');
    expect(await t.services.saleJobs.queue.getJobScheduler(`admit-${concertId}`)).toBeDefined();
    // A worker runs the scheduler's admit job every 0.2 s: the job may be active at this moment, with its next run
    // added a round trip after it became active.
    const timers = (await t.services.saleJobs.queue.getJobs(['delayed', 'waiting', 'active'])).filter(
      (j) => j.data.concertId === concertId,
    );
    // The admin opened early: the timed open is gone, the close remains once (and the scheduler's admit job).
    expect(timers.filter((j) => j.name !== 'admit').map((j) => j.name)).toEqual(['sale-close']);
    expect(timers.some((j) => j.name === 'admit')).toBe(true);

    const fans = await createFans(t, 4);
    for (const fan of fans) await enter(t, concertId, fan);
    await eventually(
      async () => ((await statusOf(t, concertId, fans[3]!)).status === 'READY' ? true : undefined),
      8_000,
      'admission after adoption',
    );
  });

  it('schedules the timers of a new concert once, however often they are scheduled', async () => {
    const concertId = await createSale(t, admin, { openInMs: 10 * 3_600_000 });
    await t.services.sales.sync();
    await t.services.sales.sync();
    const timers = (await t.services.saleJobs.queue.getJobs(['delayed', 'waiting'])).filter(
      (j) => j.data.concertId === concertId,
    );
    expect(timers.map((j) => j.name).sort()).toEqual(['queue-open', 'sale-close', 'sale-open']);
    const open = timers.find((j) => j.name === 'sale-open')!;
    expect(open.delay).toBeGreaterThan(9.9 * 3_600_000);
  });
});

describe('two worker processes on one sale', () => {
  it('never admit a fan twice and never skip one', async () => {
    const sinkA = recordingSink();
    const sinkB = recordingSink();
    const a = await createTestServer(
      { ...fast, ADMIT_INTERVAL_SECONDS: '0.1', ADMIT_GROUP_SIZE: '4' },
      { events: sinkA },
    );
    // A second process of the same deployment: same configuration, same Redis prefix, its own connections.
    const b = await createServices(a.config, {
      logger: createLogger('silent'),
      events: sinkB,
      salesSync: 'registered',
    });
    const bWorkers = await createWorkers(b);
    try {
      const admin = await a.token({ role: 'admin' });
      const concertId = await createSale(a, admin, { seats: 100 });
      const fans = await createFans(a, 80);
      for (const fan of fans) await enter(a, concertId, fan);
      await a.startWorkers();
      expect(
        (await a.call('POST', `/api/v1/admin/concerts/${concertId}/sale/open`, { token: admin })).status,
      ).toBe(200);
      // Both processes also admit by hand while the scheduler ticks on whichever worker takes each job.
      await Promise.all(
        Array.from({ length: 6 }, (_, i) => (i % 2 ? a.services : b).admission.admitNow(concertId, 3)),
      );
      const all = () => [...admittedIds(sinkA.events, concertId), ...admittedIds(sinkB.events, concertId)];
      await eventually(async () => (all().length >= 80 ? true : undefined), 10_000, 'all 80 admitted');
      await new Promise((r) => setTimeout(r, 300)); // a few more ticks: nobody may come twice
      expect(all()).toHaveLength(80);
      expect(new Set(all())).toEqual(new Set(fans.map((f) => f.id)));
      expect(admittedIds(sinkB.events, concertId).length).toBeGreaterThan(0);
      expect(await a.services.redis.zcard(a.services.keys.ready(concertId))).toBe(80);
    } finally {
      for (const part of bWorkers.reverse()) await part.close();
      await b.close();
      await a.close();
    }
  });
});
