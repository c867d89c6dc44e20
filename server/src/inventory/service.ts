import { roundSeatsLeft } from '@frontrow/client/wait-range';
import type { Db } from '../db/client.ts';
import type { DomainEvent, EventSink } from '../events/index.ts';
import type { Logger } from '../logging/logger.ts';
import type { RedisClient } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import type { SaleCache } from '../waiting-room/sale-cache.ts';
import { countSeats, type SeatCount } from './counts.ts';
import { createRecounts } from './recounts.ts';
import { createInventoryScripts } from './scripts.ts';

export interface InventoryDeps {
  redis: RedisClient;
  keys: Keys;
  db: Db;
  saleCache: SaleCache;
  events: EventSink;
  logger: Logger;
  now: () => Date;
}

/** A recount scans every seat of the concert: a busy sale's recounts start at least this far apart (recounts.ts). */
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

  const recounts = createRecounts(refresh, {
    everyMs: RECOUNT_EVERY_MS,
    onError: (err, concertId) =>
      logger.warn({ err: (err as Error).message, concertId }, 'seat recount failed'),
  });

  return {
    refresh,
    /** An event sink: every committed seat change recounts its concert. */
    sink: {
      publish(event: DomainEvent) {
        if (event.type === 'seats.changed') recounts.request(event.concertId);
      },
    } satisfies EventSink,
    /** Resolves when every recount started so far has finished (tests, shutdown). */
    settled: recounts.settled,
  };
}
export type Inventory = ReturnType<typeof createInventory>;
