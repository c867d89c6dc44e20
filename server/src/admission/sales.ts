import type {
  CreatedConcert,
  OpenSaleRequest,
  SaleNotice,
  SaleState,
  SaleView,
} from '@frontrow/client/protocol';
import { concerts, queueShuffles } from '@frontrow/db';
import { eq, inArray, ne, sql } from 'drizzle-orm';
import type { Catalog } from '../catalog/service.ts';
import type { Db } from '../db/client.ts';
import type { DomainEvent, EventSink } from '../events/index.ts';
import { commitDrawSeed, drawWords, recordedDrawSeed } from '../fairness/draw.ts';
import { AppError } from '../http/errors.ts';
import type { Logger } from '../logging/logger.ts';
import type { RedisClient } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import type { LuaReply } from '../redis/scripts.ts';
import { type SaleCache, type SaleRow, saleRowColumns } from '../waiting-room/sale-cache.ts';
import type { SaleJobs, SaleTimes, WaitingRoomJob } from './jobs.ts';
import { saleViewFromHash } from './sale-view.ts';
import { admissionError, createAdmissionScripts } from './scripts.ts';

export interface SalesDeps {
  redis: RedisClient;
  keys: Keys;
  db: Db;
  saleCache: SaleCache;
  jobs: SaleJobs;
  events: EventSink;
  logger: Logger;
  now: () => Date;
  /**
   * Which concerts `sync` adopts: every concert not CLOSED in MySQL (production: the worker rebuilds its caches
   * and timers after a restart or a lost Redis), or only those this key prefix registered (tests, where many
   * prefixes share one database and must not open each other's sales).
   */
  syncMode: 'all' | 'registered';
  /** The queued reservation requests: closing a sale fails those still waiting (reservation-requests). */
  requests: { failClosed(concertId: number): Promise<number> };
  /** Seeds the sale's seat count from MySQL (inventory/service.ts): at registration, open and adoption. */
  countSeats: (concertId: number) => Promise<unknown>;
}

/**
 * The life of a concert's sale: SCHEDULED → QUEUE_OPEN (join window) → ON_SALE ⇄ PAUSED → CLOSED. Every move is
 * a Lua script on the sale hash (so jobs and admins racing each other see one order), then mirrored to MySQL
 * `concerts.sale_state` (the durable record and what the public listing shows), then announced as `sale.state`.
 */
export function createSales(deps: SalesDeps) {
  const { redis, keys, db, saleCache, jobs, events, logger, now } = deps;
  const scripts = createAdmissionScripts(redis, keys);

  async function view(concertId: number): Promise<SaleView> {
    return saleViewFromHash(concertId, await redis.hgetall(keys.sale(concertId)));
  }

  /** Writes Redis's current state to MySQL (read back, so racing moves converge on the last one). */
  async function mirror(concertId: number): Promise<SaleState | undefined> {
    const state = (await redis.hget(keys.sale(concertId), 'state')) as SaleState | null;
    if (state) await db.update(concerts).set({ saleState: state }).where(eq(concerts.id, concertId));
    return state ?? undefined;
  }

  async function saleTimes(concertId: number): Promise<SaleTimes | undefined> {
    const [state, joinOpensAt, opensAt, closesAt] = await redis.hmget(
      keys.sale(concertId),
      'state',
      'joinOpensAt',
      'opensAt',
      'closesAt',
    );
    if (!state) return undefined;
    return {
      state: state as SaleState,
      joinOpensAt: Number(joinOpensAt),
      opensAt: Number(opensAt),
      closesAt: Number(closesAt),
    };
  }

  async function scheduleTimers(concertId: number): Promise<void> {
    const times = await saleTimes(concertId);
    if (times) await jobs.scheduleTimers(concertId, times);
  }

  async function cancelTimers(concertId: number, names: WaitingRoomJob[]): Promise<void> {
    const times = await saleTimes(concertId);
    if (times) await jobs.cancelTimers(concertId, times, names);
  }

  async function startAdmission(concertId: number): Promise<void> {
    await jobs.startAdmission(concertId, Number(await redis.hget(keys.sale(concertId), 'intervalMs')));
  }

  /** A count that fails leaves the sale without one: admission waits for the next tick's count. */
  async function seedCount(concertId: number): Promise<void> {
    await deps
      .countSeats(concertId)
      .catch((err: Error) => logger.warn({ err: err.message, concertId }, 'seat count failed'));
  }

  async function setState(concertId: number, target: SaleState, from: SaleState[]): Promise<string> {
    const reply = await saleCache.run(concertId, () =>
      scripts.setState(concertId, [target, `,${from.join(',')},`]),
    );
    if (reply[0] === 'CONFLICT') throw admissionError('CONFLICT', concertId, String(reply[1]));
    return String(reply[1]);
  }

  /** Why the sale is PAUSED or CLOSED, shown to fans; none clears it. */
  async function setReason(concertId: number, reason: string | undefined): Promise<void> {
    if (reason) await redis.hset(keys.sale(concertId), 'stateReason', reason);
    else await redis.hdel(keys.sale(concertId), 'stateReason');
  }

  const stateEvent = (concertId: number, state: SaleState, reason?: string): DomainEvent =>
    reason ? { type: 'sale.state', concertId, state, reason } : { type: 'sale.state', concertId, state };

  async function applyOverrides(concertId: number, o: OpenSaleRequest): Promise<void> {
    const set: Partial<typeof concerts.$inferInsert> = {};
    const cached: Record<string, number> = {};
    if (o.groupSize !== undefined) {
      set.admitGroupSize = o.groupSize;
      cached.groupSize = o.groupSize;
    }
    if (o.intervalSeconds !== undefined) {
      set.admitIntervalSeconds = o.intervalSeconds;
      cached.intervalMs = Math.round(o.intervalSeconds * 1000);
    }
    if (o.maxActive !== undefined) {
      set.maxActive = o.maxActive;
      cached.maxActive = o.maxActive;
    }
    // The seat settings live with the sale in Redis only (no column for them): a Redis that lost its data
    // falls back to the configuration for them, as for a sale opened without overrides.
    if (o.admitSeatRatio !== undefined) cached.admitRatio = o.admitSeatRatio;
    if (o.reopenOnReturns !== undefined) cached.reopenOnReturns = o.reopenOnReturns ? 1 : 0;
    if (Object.keys(cached).length > 0) await redis.hset(keys.sale(concertId), cached);
    if (Object.keys(set).length === 0) return;
    await db.update(concerts).set(set).where(eq(concerts.id, concertId));
  }

  /**
   * open-sale.lua with the draw's stream for the sale's committed seed, sized to the lanes; again with a longer
   * stream when fans entered in between (MORE), or with the seed read again when the cache was refilled (STALE).
   */
  async function openScript(concertId: number, resume: boolean): Promise<LuaReply> {
    const key = keys.sale(concertId);
    let words = 0;
    for (let attempt = 0; attempt < 8; attempt++) {
      const multi = commitDrawSeed(redis.multi(), key).hmget(key, 'drawSeed', 'shuffled');
      for (const lane of keys.lanes(concertId)) multi.zcard(lane);
      const read = await multi.exec();
      const [seed, shuffled] = (read?.[2]?.[1] ?? []) as (string | null)[];
      if (!seed) throw new Error(`no draw seed for concert ${concertId}`);
      const waiting = (read ?? []).slice(3).reduce((sum, [, n]) => sum + Number(n ?? 0), 0);
      words = Math.max(words, waiting + 64);
      const stream = shuffled ? '' : drawWords(seed, words);
      const reply = await saleCache.run(concertId, () =>
        scripts.openSale(concertId, [now().getTime(), stream, resume ? '1' : '0', seed]),
      );
      if (reply[0] === 'MORE') words = Number(reply[1]);
      else if (reply[0] !== 'STALE') return reply;
    }
    throw new Error(`the draw of concert ${concertId} did not settle`);
  }

  return {
    view,
    mirror,

    /** A new concert: cache its sale and schedule its join-window, open and close timers. */
    async register(row: SaleRow): Promise<void> {
      await saleCache.fill(row);
      await seedCount(row.id);
      await scheduleTimers(row.id);
    },

    /**
     * Opens the sale (an admin, early or on time, or the timer at bookingOpenAt): the pre-queue is shuffled in the
     * same step, once; admission starts. Opening an open sale only applies the overrides; an admin's open also
     * resumes a paused sale. Every step after the script is idempotent, so a retried timer finishes the job.
     */
    async open(
      concertId: number,
      overrides: OpenSaleRequest = {},
      opts: { resume?: boolean } = {},
    ): Promise<SaleView> {
      const reply = await openScript(concertId, opts.resume !== false);
      if (reply[0] !== 'OK') throw admissionError('BOOKING_CLOSED', concertId);
      const [, previous, state, seed, vip, presale, normal, shuffledNow] = reply as LuaReply;
      await applyOverrides(concertId, overrides);
      await seedCount(concertId);
      await mirror(concertId);
      if (seed) {
        await db
          .insert(queueShuffles)
          .values({
            concertId,
            seed: recordedDrawSeed(String(seed)),
            vipCount: Number(vip),
            presaleCount: Number(presale),
            normalCount: Number(normal),
          })
          .onDuplicateKeyUpdate({ set: { seed: sql`seed` } });
      }
      if (state === 'ON_SALE') {
        // An admin's open resumes a paused sale: the pause's reason no longer applies.
        await setReason(concertId, undefined);
        await startAdmission(concertId);
      }
      if (opts.resume !== false) await cancelTimers(concertId, ['queue-open', 'sale-open']);
      if (previous !== state) {
        logger.info({ concertId, from: previous, seed, vip, presale, normal }, 'sale opened');
        events.publish({ type: 'sale.state', concertId, state: 'ON_SALE', from: previous as SaleState });
      }
      if (shuffledNow === 1 && Number(vip) + Number(presale) + Number(normal) > 0)
        events.publish({ type: 'queue.moved', concertId });
      return view(concertId);
    },

    /**
     * The organiser's notice to everyone watching: kept with the sale (every status shows it) until replaced;
     * an empty message clears it. Plain text: clients show it escaped.
     */
    async notice(concertId: number, message: string, level: 'info' | 'warning'): Promise<SaleNotice> {
      await saleCache.ensure(concertId);
      const notice: SaleNotice = { concertId, message, level, at: now().toISOString() };
      if (message) await redis.hset(keys.sale(concertId), 'notice', JSON.stringify(notice));
      else await redis.hdel(keys.sale(concertId), 'notice');
      events.publish({ type: 'sale.notice', notice });
      return notice;
    },

    /** Pauses admission; `reason` (plain text) is what fans see while it lasts. */
    async pause(concertId: number, reason?: string): Promise<SaleView> {
      const previous = await setState(concertId, 'PAUSED', ['ON_SALE']);
      await setReason(concertId, reason);
      await jobs.stopAdmission(concertId);
      await mirror(concertId);
      if (previous !== 'PAUSED' || reason) events.publish(stateEvent(concertId, 'PAUSED', reason));
      return view(concertId);
    },

    async resume(concertId: number): Promise<SaleView> {
      const previous = await setState(concertId, 'ON_SALE', ['PAUSED']);
      await setReason(concertId, undefined);
      await startAdmission(concertId);
      await mirror(concertId);
      if (previous !== 'ON_SALE')
        events.publish({ type: 'sale.state', concertId, state: 'ON_SALE', from: 'PAUSED' });
      return view(concertId);
    },

    /**
     * Closes the sale for good: every waiting fan and every session ends (BOOKING_CLOSED). Idempotent. `reason`
     * (plain text) is what fans see.
     */
    async close(concertId: number, reason?: string): Promise<SaleView> {
      const reply = await saleCache.run(concertId, () => scripts.closeSale(concertId, [now().getTime()]));
      if (reason) await setReason(concertId, reason);
      const [, previous, waiting, active] = reply;
      await jobs.stopAdmission(concertId);
      await cancelTimers(concertId, ['queue-open', 'sale-open', 'sale-close']);
      await mirror(concertId);
      // On every close, not only the first: a retried close finishes what a failed one left.
      const requestsFailed = await deps.requests.failClosed(concertId);
      if (previous !== 'CLOSED') {
        logger.info({ concertId, from: previous, waiting, active, requestsFailed }, 'sale closed');
        events.publish(stateEvent(concertId, 'CLOSED', reason));
        events.publish({ type: 'queue.moved', concertId });
      }
      return view(concertId);
    },

    /** The join window opened (timer): cosmetic, since enter decides by the clock, but the listing shows it. */
    async queueOpen(concertId: number): Promise<void> {
      try {
        const previous = await setState(concertId, 'QUEUE_OPEN', ['SCHEDULED']);
        await mirror(concertId);
        if (previous !== 'QUEUE_OPEN') events.publish({ type: 'sale.state', concertId, state: 'QUEUE_OPEN' });
      } catch (err) {
        // Opened early or closed already: the join window has nothing left to do.
        if (!(err instanceof AppError)) throw err;
      }
    },

    /**
     * The worker role's start: caches every adopted sale from MySQL (Redis wins where it has the sale already,
     * and MySQL is brought in line), re-schedules its timers, and makes sure every open sale has its scheduler.
     */
    async sync(): Promise<number> {
      const registered =
        deps.syncMode === 'registered' ? (await redis.smembers(keys.sales)).map(Number) : undefined;
      if (registered?.length === 0) return 0;
      const rows = await db
        .select(saleRowColumns)
        .from(concerts)
        .where(registered ? inArray(concerts.id, registered) : ne(concerts.saleState, 'CLOSED'));
      for (const row of rows) {
        await saleCache.fill(row);
        const state = await redis.hget(keys.sale(row.id), 'state');
        if (state !== row.saleState) await mirror(row.id);
        if (state === 'CLOSED') continue;
        await seedCount(row.id);
        await scheduleTimers(row.id);
        if (state === 'ON_SALE') await startAdmission(row.id);
      }
      return rows.length;
    },
  };
}
export type Sales = ReturnType<typeof createSales>;

/**
 * The catalog with the sale wired in: a created concert gets its waiting-room cache and its timers at once. A
 * failure there does not undo the concert (it is in MySQL); the worker's next start schedules it.
 */
export function withSaleTimers(catalog: Catalog, sales: Sales, logger: Logger): Catalog {
  return {
    ...catalog,
    async createConcert(input) {
      const created: CreatedConcert = await catalog.createConcert(input);
      await sales
        .register({
          id: created.concertId,
          title: created.title,
          saleState: created.saleState,
          saleOpensAt: new Date(created.saleOpensAt),
          saleClosesAt: new Date(created.saleClosesAt),
          admitGroupSize: null,
          admitIntervalSeconds: null,
          maxActive: null,
        })
        .catch((err) => logger.error({ err, concertId: created.concertId }, 'could not schedule the sale'));
      return created;
    },
  };
}
