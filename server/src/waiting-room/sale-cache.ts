import { concerts } from '@frontrow/db';
import { eq } from 'drizzle-orm';
import type { Config } from '../config/index.ts';
import type { Db } from '../db/client.ts';
import { commitDrawSeed } from '../fairness/draw.ts';
import { notFound } from '../http/errors.ts';
import type { RedisClient } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import type { LuaReply } from '../redis/scripts.ts';

export type SaleRow = Pick<
  typeof concerts.$inferSelect,
  | 'id'
  | 'title'
  | 'saleState'
  | 'saleOpensAt'
  | 'saleClosesAt'
  | 'admitGroupSize'
  | 'admitIntervalSeconds'
  | 'maxActive'
>;

export interface SaleKnobs {
  groupSize: number;
  intervalSeconds: number;
  maxActive: number;
}

/** How long "no such concert" is remembered, so unknown ids cannot make every request read MySQL. */
const MISSING_TTL_MS = 10_000;

/**
 * The sale of each concert as the hot path needs it, in a Redis hash (keys.sale): enter and status read only
 * this, never MySQL. It is filled when a concert is created and when the worker role starts; a miss costs one
 * MySQL read (shared by the requests that miss at the same moment). `state` is written only when absent: after
 * that it changes through the admission scripts, and MySQL `concerts.sale_state` mirrors it.
 */
/** The columns of a concert that the sale cache holds: one definition for every reader of a SaleRow. */
export const saleRowColumns = {
  id: concerts.id,
  title: concerts.title,
  saleState: concerts.saleState,
  saleOpensAt: concerts.saleOpensAt,
  saleClosesAt: concerts.saleClosesAt,
  admitGroupSize: concerts.admitGroupSize,
  admitIntervalSeconds: concerts.admitIntervalSeconds,
  maxActive: concerts.maxActive,
};

export function createSaleCache(deps: {
  redis: RedisClient;
  keys: Keys;
  db: Db;
  sale: Config['sale'];
  /**
   * Runs before a sale hash is filled. Recovery (recovery/counters.ts `guard`) brings back the ticket
   * counters a Redis that lost its data forgot, so no fan entering afterwards reuses a ticket of the durable log.
   */
  beforeFill?: (concertId: number) => Promise<void>;
}) {
  const { redis, keys, db, sale } = deps;
  const loading = new Map<number, Promise<SaleRow>>();

  function knobs(row: SaleRow): SaleKnobs {
    return {
      groupSize: row.admitGroupSize ?? sale.admitGroupSize,
      intervalSeconds: row.admitIntervalSeconds ?? sale.admitIntervalSeconds,
      maxActive: row.maxActive ?? sale.maxActiveUsers,
    };
  }

  async function fill(row: SaleRow): Promise<void> {
    await deps.beforeFill?.(row.id);
    const key = keys.sale(row.id);
    const k = knobs(row);
    const opensAt = row.saleOpensAt.getTime();
    const multi = redis
      .multi()
      .hdel(key, 'missing')
      .persist(key)
      .hset(key, {
        title: row.title,
        joinOpensAt: opensAt - Math.round(sale.queueJoinStartHours * 3_600_000),
        opensAt,
        closesAt: row.saleClosesAt.getTime(),
        groupSize: k.groupSize,
        intervalMs: Math.round(k.intervalSeconds * 1000),
        maxActive: k.maxActive,
      })
      .hsetnx(key, 'state', row.saleState)
      // The sale's own ratio, once an organiser set one at open, outlives a refill.
      .hsetnx(key, 'admitRatio', sale.admitSeatRatio);
    // The draw's seed exists, and its commitment is published, before the first fan can enter.
    await commitDrawSeed(multi, key).exec();
    // The registry lives outside the concert's hash tag, so it cannot join the MULTI on a cluster.
    await redis.sadd(keys.sales, String(row.id));
  }

  async function readRow(concertId: number): Promise<SaleRow | undefined> {
    const [row] = await db.select(saleRowColumns).from(concerts).where(eq(concerts.id, concertId));
    return row;
  }

  async function load(concertId: number): Promise<SaleRow> {
    const pending = loading.get(concertId);
    if (pending) return pending;
    const promise = (async () => {
      const row = await readRow(concertId);
      if (!row) {
        const key = keys.sale(concertId);
        await redis.multi().hsetnx(key, 'missing', '1').pexpire(key, MISSING_TTL_MS, 'NX').exec();
        throw notFound('Concert', { concertId });
      }
      await fill(row);
      return row;
    })().finally(() => loading.delete(concertId));
    loading.set(concertId, promise);
    return promise;
  }

  return {
    knobs,
    fill,
    load,
    readRow,

    /** Makes sure the sale is cached (404 for an unknown concert). */
    async ensure(concertId: number): Promise<void> {
      const [state, missing] = await redis.hmget(keys.sale(concertId), 'state', 'missing');
      if (state) return;
      if (missing) throw notFound('Concert', { concertId });
      await load(concertId);
    },

    /**
     * Runs a script that reads the sale hash; when the cache had nothing (`NO_SALE`), loads the sale from MySQL
     * and runs it once more. Unknown concerts become 404. `code` picks the script's status out of the reply
     * (its first element, or the first script's in a pipeline).
     */
    async run<T>(
      concertId: number,
      script: () => Promise<T>,
      code: (reply: T) => unknown = (reply) => (reply as LuaReply)[0],
    ): Promise<T> {
      let reply = await script();
      if (code(reply) === 'NO_SALE') {
        await load(concertId);
        reply = await script();
      }
      if (code(reply) === 'NOT_FOUND') throw notFound('Concert', { concertId });
      return reply;
    },
  };
}
export type SaleCache = ReturnType<typeof createSaleCache>;
