import type { Lane } from '@frontrow/client/protocol';
import { queueEntries } from '@frontrow/db';
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import type { RedisClient } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import { createRecoveryScripts } from './scripts.ts';

/**
 * A concert's ticket and lane counters, brought back from MySQL's queue-entry log. Apart from the rest of
 * recovery because the sale cache needs them before anything else of a concert exists in Redis.
 */
export function createQueueCounters({ redis, keys, db }: { redis: RedisClient; keys: Keys; db: Db }) {
  const scripts = createRecoveryScripts(redis, keys);

  /** Raises ticket-seq and lane-seq to what the log has issued (never lowers them). */
  async function raise(concertId: number): Promise<void> {
    const rows = await db
      .select({
        lane: queueEntries.lane,
        n: sql<number>`CAST(COUNT(*) AS SIGNED)`,
        maxTicket: sql<number>`CAST(MAX(${queueEntries.ticket}) AS SIGNED)`,
      })
      .from(queueEntries)
      .where(eq(queueEntries.concertId, concertId))
      .groupBy(queueEntries.lane);
    if (rows.length === 0) return;
    const count = (lane: Lane) => Number(rows.find((r) => r.lane === lane)?.n ?? 0);
    const ticketSeq = Math.max(...rows.map((r) => Number(r.maxTicket)));
    await scripts.restore(concertId, [ticketSeq, count('vip'), count('presale'), count('normal'), '']);
  }

  return {
    raise,

    /**
     * The sale cache's guard (sale-cache.ts `fill`): a sale hash being filled while its ticket counter is gone
     * means Redis lost the concert, so the counters come back from the log before any fan can enter, and a new
     * fan can never be given a ticket the log already holds for someone else.
     */
    async guard(concertId: number): Promise<void> {
      if ((await redis.exists(keys.ticketSeq(concertId))) === 0) await raise(concertId);
    },
  };
}
export type QueueCounters = ReturnType<typeof createQueueCounters>;
