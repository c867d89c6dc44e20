import { LANES, type Lane, type SaleState } from '@frontrow/client/protocol';
import { concerts, queueEntries, queueShuffles } from '@frontrow/db';
import { asc, eq, ne } from 'drizzle-orm';
import type { SaleJobs } from '../admission/jobs.ts';
import type { Sales } from '../admission/sales.ts';
import { createWriteBehind } from '../admission/write-behind.ts';
import type { Config } from '../config/index.ts';
import type { Db } from '../db/client.ts';
import type { EventSink } from '../events/index.ts';
import { AppError, notFound } from '../http/errors.ts';
import type { Logger } from '../logging/logger.ts';
import type { RedisClient } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import { parseFanRecord } from '../redis/records.ts';
import type { SaleCache } from '../waiting-room/sale-cache.ts';
import { type EntryRow, fanRecord, planRebuild, type RebuildPlan, type RestoredFan } from './plan.ts';
import { createRecoveryScripts } from './scripts.ts';

export interface RecoveryDeps {
  redis: RedisClient;
  keys: Keys;
  db: Db;
  saleCache: SaleCache;
  sales: Sales;
  saleJobs: SaleJobs;
  events: EventSink;
  logger: Logger;
  sale: Config['sale'];
  now: () => Date;
  /** Which concerts `rebuildLost` looks at: every one not CLOSED in MySQL, or those this prefix registered. */
  syncMode: 'all' | 'registered';
}

export interface RebuildReport {
  concertId: number;
  /** `rebuilt`: fans were put back; `unchanged`: RedisClient already had every fan the log says is in the room. */
  status: 'rebuilt' | 'unchanged';
  saleState: SaleState;
  /** Rows of queue_entries read, and the fans they name. */
  entries: number;
  fans: number;
  waiting: Record<Lane, number>;
  ready: number;
  restored: number;
  alreadyPresent: number;
  /** Fans not put back because their leaving is still in the write-behind log (MySQL has not seen it yet). */
  leaving: number;
  ticketSeq: number;
  laneSeq: Record<Lane, number>;
}

const FANS_PER_CALL = 500;
const CHECK_CHUNK = 1_000;
/** More log entries than this still in Redis after the drain means MySQL is well behind: refuse unless forced. */
const LOG_BACKLOG_LIMIT = 10_000;

/**
 * Recovery of the waiting rooms after Redis lost its data (docs/architecture.md "Where state lives"): MySQL's
 * queue_entries log, written behind from Redis every second, is the record a concert's queue is rebuilt from.
 */
export function createRecovery(deps: RecoveryDeps) {
  const { redis, keys, db, saleCache, sales, saleJobs, logger } = deps;
  const scripts = createRecoveryScripts(redis, keys);
  const writeBehind = createWriteBehind({ redis, keys, db, logger });
  const readyWindowMs = Math.round(deps.sale.readyWindowMinutes * 60_000);
  const sessionMs = Math.round(deps.sale.sessionMinutes * 60_000);

  /** The tickets of these fans that Redis has a record of (any status), and of those it has none of. */
  async function presence(concertId: number, fans: RestoredFan[]) {
    const present: number[] = [];
    const missing: number[] = [];
    for (let i = 0; i < fans.length; i += CHECK_CHUNK) {
      const chunk = fans.slice(i, i + CHECK_CHUNK);
      const records = await redis.hmget(keys.fans(concertId), ...chunk.map((f) => f.userId));
      chunk.forEach((fan, k) => {
        const rec = records[k];
        if (rec) present.push(parseFanRecord(rec)?.ticket ?? Number.NaN);
        else missing.push(fan.ticket);
      });
    }
    return { present, missing };
  }

  /** The sale hash, the pre-queue shuffle's "done" mark, the timers and the admission scheduler, as at start. */
  async function readopt(concertId: number): Promise<SaleState> {
    const row = await saleCache.readRow(concertId);
    if (!row) throw notFound('Concert', { concertId });
    await sales.register(row);
    const [shuffle] = await db.select().from(queueShuffles).where(eq(queueShuffles.concertId, concertId));
    if (shuffle) {
      // The shuffle ran once already: opening again must not shuffle the restored order a second time.
      await redis
        .multi()
        .hsetnx(keys.sale(concertId), 'shuffled', '1')
        .hsetnx(keys.sale(concertId), 'shuffledVip', String(shuffle.vipCount))
        .hsetnx(keys.sale(concertId), 'shuffledPresale', String(shuffle.presaleCount))
        .hsetnx(keys.sale(concertId), 'shuffledNormal', String(shuffle.normalCount))
        .exec();
    }
    const [state, intervalMs] = await redis.hmget(keys.sale(concertId), 'state', 'intervalMs');
    if (state === 'ON_SALE') await saleJobs.startAdmission(concertId, Number(intervalMs));
    await saleJobs.startHousekeeping();
    return (state ?? row.saleState) as SaleState;
  }

  /**
   * Writes behind what Redis's queue log still holds, so MySQL is as new as it can be; refuses (unless `force`)
   * when the log is so far behind that the rebuild would miss much of it.
   */
  async function flushLog(concertId: number, force: boolean): Promise<void> {
    await writeBehind.drain(concertId).catch((err: unknown) => {
      logger.warn({ err, concertId }, 'could not write the queue log behind before the rebuild');
    });
    const backlog =
      (await redis.llen(keys.queueLog(concertId))) + (await redis.llen(keys.queueLogInflight(concertId)));
    if (backlog > LOG_BACKLOG_LIMIT && !force) {
      throw new AppError(
        'ALREADY_PROCESSING',
        `Redis holds ${backlog} queue-log entries of concert ${concertId} that MySQL has not got yet; ` +
          'let the write-behind catch up, or rebuild with force',
        { concertId, backlog },
      );
    }
  }

  /** The concert's queue_entries log, in ticket order. */
  async function readLog(concertId: number): Promise<EntryRow[]> {
    return db
      .select({
        userId: queueEntries.userId,
        ticket: queueEntries.ticket,
        lane: queueEntries.lane,
        enteredAt: queueEntries.enteredAt,
        admittedAt: queueEntries.admittedAt,
        claimedAt: queueEntries.claimedAt,
        leftAt: queueEntries.leftAt,
      })
      .from(queueEntries)
      .where(eq(queueEntries.concertId, concertId))
      .orderBy(asc(queueEntries.ticket));
  }

  /**
   * Refuses (unless `force`) a room Redis did not lose. Fans who entered after the loss hold tickets above every
   * lost one (counters.ts `guard`); a present fan with a ticket below a missing one means Redis did not lose this
   * room, or lost only part of it.
   */
  async function requireLost(concertId: number, fans: RestoredFan[], force: boolean): Promise<void> {
    const { present, missing } = await presence(concertId, fans);
    const lowestPresent = present.reduce((a, b) => Math.min(a, b), Number.POSITIVE_INFINITY);
    const highestMissing = missing.reduce((a, b) => Math.max(a, b), 0);
    if (lowestPresent < highestMissing && !force) {
      throw new AppError(
        'QUEUE_LIVE',
        `The waiting room of concert ${concertId} is live in Redis (${present.length} of ${fans.length} fans ` +
          'present); rebuild with force to add the missing ones',
        { concertId, present: present.length, planned: fans.length },
      );
    }
  }

  /** Puts the planned fans back, in calls of FANS_PER_CALL, and counts what restore.lua did with them. */
  async function restoreFans(concertId: number, plan: RebuildPlan, fans: RestoredFan[]) {
    const stats = Object.entries(plan.stats)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    let restored = 0;
    let alreadyPresent = 0;
    let leaving = 0;
    // The counters go first (in the first call), so a fan entering meanwhile lands after every restored one.
    for (let i = 0; i === 0 || i < fans.length; i += FANS_PER_CALL) {
      const args = fans.slice(i, i + FANS_PER_CALL).flatMap((f) => [f.userId, fanRecord(f)]);
      const [r, p, l] = await scripts.restore(
        concertId,
        [plan.ticketSeq, plan.laneSeq.vip, plan.laneSeq.presale, plan.laneSeq.normal, stats],
        args,
      );
      restored += Number(r);
      alreadyPresent += Number(p);
      leaving += Number(l);
    }
    return { restored, alreadyPresent, leaving };
  }

  /**
   * Rebuilds a concert's waiting room from MySQL: the same tickets, lanes and laneSeq order; admitted fans are
   * not queued again (those whose turn is still running are READY, to claim a new session); fans who left stay
   * out; the counters continue after the highest ticket and laneSeq. The log Redis still holds is written first,
   * so MySQL is as new as it can be, and a leaving still in it keeps its fan out (restore.lua). It never
   * overwrites: it only adds fans Redis lacks, so it is idempotent (run again it answers `unchanged`).
   * Unless `force`, it refuses with 409 QUEUE_LIVE when Redis still holds part of the room (a fan it has sits
   * before one it lacks: the room was not lost, or only partly), and with 409 ALREADY_PROCESSING while MySQL is
   * far behind Redis's log (the write-behind is still at work).
   */
  async function rebuild(concertId: number, opts: { force?: boolean } = {}): Promise<RebuildReport> {
    const force = opts.force === true;
    const exists = await saleCache.readRow(concertId);
    if (!exists) throw notFound('Concert', { concertId });
    await flushLog(concertId, force);
    const plan = planRebuild(await readLog(concertId), {
      nowMs: deps.now().getTime(),
      readyWindowMs,
      sessionMs,
    });
    // A closed sale has no room to put anyone back into (its log closes every entry); only the counters count.
    const closed =
      exists.saleState === 'CLOSED' || (await redis.hget(keys.sale(concertId), 'state')) === 'CLOSED';
    const fans = closed ? [] : [...plan.waiting, ...plan.ready];
    await requireLost(concertId, fans, force);
    const counts = await restoreFans(concertId, plan, fans);
    const saleState = await readopt(concertId);
    if (counts.restored > 0) deps.events.publish({ type: 'queue.moved', concertId });

    const report: RebuildReport = {
      concertId,
      status: counts.restored > 0 ? 'rebuilt' : 'unchanged',
      saleState,
      entries: plan.entries,
      fans: plan.fans,
      waiting: Object.fromEntries(
        LANES.map((l) => [l, fans.filter((f) => f.status === 'W' && f.lane === l).length]),
      ) as Record<Lane, number>,
      ready: fans.filter((f) => f.status === 'R').length,
      ...counts,
      ticketSeq: plan.ticketSeq,
      laneSeq: plan.laneSeq,
    };
    logger.info({ ...report }, 'waiting room rebuilt from queue_entries');
    return report;
  }

  async function concertIds(): Promise<number[]> {
    if (deps.syncMode === 'registered') return (await redis.smembers(keys.sales)).map(Number);
    const rows = await db.select({ id: concerts.id }).from(concerts).where(ne(concerts.saleState, 'CLOSED'));
    return rows.map((r) => r.id);
  }

  return {
    rebuild,
    /**
     * Every adopted concert, for the recovery watch: after Redis lost its data, and (forced) after any reconnect,
     * since a Redis restarted from its AOF may be a second older than what was already written to MySQL.
     */
    async rebuildLost(opts: { force?: boolean } = {}): Promise<RebuildReport[]> {
      const reports: RebuildReport[] = [];
      for (const id of await concertIds()) {
        try {
          reports.push(await rebuild(id, opts));
        } catch (err) {
          logger.error(
            { err, concertId: id },
            'automatic rebuild failed; rebuild it by hand (docs/operations.md "Recovery")',
          );
        }
      }
      return reports;
    },
  };
}
export type Recovery = ReturnType<typeof createRecovery>;
