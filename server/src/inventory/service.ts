import { roundSeatsLeft } from '@frontrow/client/wait-range';
import type { Db } from '../db/client.ts';
import type { DomainEvent, EventSink } from '../events/index.ts';
import type { Logger } from '../logging/logger.ts';
import type { RedisClient } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import type { SaleCache } from '../waiting-room/sale-cache.ts';
import { countSeats, type SeatCount } from './counts.ts';
import { createInventoryScripts } from './scripts.ts';

export interface InventoryDeps {
  redis: RedisClient;
  keys: Keys;
  db: Db;
  saleCache: SaleCache;
  events: EventSink;
  logger: Logger;
  now: () => Date;
  /** Least time between the starts of two recounts of a concert that seat changes ask for. */
  recountEveryMs?: number;
}

/**
 * A recount scans every seat of the concert. Changes that arrive while one runs, or soon after, share the next
 * one, which starts this long after the previous one started: a busy sale recounts a few times a second, not
 * back to back.
 */
const RECOUNT_EVERY_MS = 250;

export interface RefreshOutcome extends SeatCount {
  change: '' | 'SOLD_OUT' | 'REOPENED' | 'RETURNED' | 'STALE';
  removed: number;
}

/**
 * The seats admission counts with: MySQL's count of a concert's seats, copied into its sale hash (refresh.lua),
 * where admit.lua, status.lua and the tick read it without touching MySQL. Two paths keep it current: every seat
 * change a booking or payment commits (`seats.changed`) recounts at once (or, in a busy sale, within
 * RECOUNT_EVERY_MS), and every admission tick recounts too, which also corrects anything a crashed process never
 * announced (and a hold that ran out unseen).
 */
export function createInventory(deps: InventoryDeps) {
  const { redis, keys, db, saleCache, events, logger, now } = deps;
  const scripts = createInventoryScripts(redis, keys);
  /** Per concert: a recount running, and whether another change arrived while it ran. */
  const running = new Map<number, { again: boolean; done: Promise<void> }>();

  async function refresh(concertId: number): Promise<RefreshOutcome> {
    const count = await countSeats(db, concertId);
    const reply = await saleCache.run(concertId, () =>
      scripts.refresh(concertId, [count.available, count.held, count.sold, count.countedAt, now().getTime()]),
    );
    const [, change, removed, moved] = reply;
    const outcome: RefreshOutcome = {
      ...count,
      change: String(change) as RefreshOutcome['change'],
      removed: Number(removed),
    };
    if (outcome.change === 'SOLD_OUT') {
      const reopenOnReturns = (await redis.hget(keys.sale(concertId), 'reopenOnReturns')) === '1';
      logger.info({ concertId, removed: outcome.removed, sold: count.sold }, 'sale sold out');
      events.publish({ type: 'sale.soldout', concertId, removed: outcome.removed, reopenOnReturns });
    } else if (outcome.change === 'REOPENED') {
      logger.info({ concertId, available: count.available }, 'seats came back: waiting room reopened');
      events.publish({ type: 'sale.reopened', concertId, seatsLeft: roundSeatsLeft(count.available) });
    } else if (outcome.change === 'RETURNED') {
      logger.info(
        { concertId, available: count.available },
        'seats came back after the sell-out; room stays closed',
      );
    }
    if (moved === 1) events.publish({ type: 'queue.moved', concertId });
    return outcome;
  }

  const recountEveryMs = deps.recountEveryMs ?? RECOUNT_EVERY_MS;

  /**
   * Recounts after a change: at once when the concert is quiet; otherwise one more recount, for every change that
   * came meanwhile, starting `recountEveryMs` after the previous one started. One recount per concert at a time.
   */
  function recount(concertId: number): void {
    const current = running.get(concertId);
    if (current) {
      current.again = true;
      return;
    }
    const entry = { again: false, done: Promise.resolve() };
    running.set(concertId, entry);
    entry.done = (async () => {
      do {
        entry.again = false;
        const started = performance.now();
        await refresh(concertId).catch((err: Error) =>
          logger.warn({ err: err.message, concertId }, 'seat recount failed'),
        );
        const wait = recountEveryMs - (performance.now() - started);
        if (entry.again && wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      } while (entry.again);
      running.delete(concertId);
    })();
  }

  return {
    refresh,
    /** An event sink: every committed seat change recounts its concert. */
    sink: {
      publish(event: DomainEvent) {
        if (event.type === 'seats.changed') recount(event.concertId);
      },
    } satisfies EventSink,
    /** Resolves when every recount started so far has finished (tests, shutdown). */
    async settled(): Promise<void> {
      while (running.size > 0) await Promise.all([...running.values()].map((e) => e.done));
    },
  };
}
export type Inventory = ReturnType<typeof createInventory>;
