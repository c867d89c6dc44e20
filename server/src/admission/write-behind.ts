import { randomUUID } from 'node:crypto';
import type { Lane } from '@frontrow/client/protocol';
import { queueEntries } from '@frontrow/db';
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import type { Logger } from '../logging/logger.ts';
import type { RedisClient } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import { parseLogLine } from '../redis/records.ts';
import { createAdmissionScripts } from './scripts.ts';

const BATCH = 500;
const LEASE_MS = 30_000;

type EntryRow = typeof queueEntries.$inferInsert;

/**
 * Folds log entries (`kind|ticket|lane|joinedAtMs|atMs|reason|userId`, oldest first) into one row per ticket.
 * Kinds: E entered, S shuffled (the ticket's new owner), A admitted, C claimed, L left (reason), X sale closed.
 * Returns the rows to upsert and, for an X, the instant every still-open entry of the concert closes at.
 */
export function foldLog(concertId: number, entries: string[]): Array<{ rows: EntryRow[]; closedAt?: Date }> {
  const chunks: Array<{ rows: EntryRow[]; closedAt?: Date }> = [];
  let rows = new Map<number, EntryRow>();
  for (const entry of entries) {
    const { kind, ticket, lane, joinedAtMs, atMs, reason, userId } = parseLogLine(entry);
    if (kind === 'X') {
      // A barrier: rows before it are written first, then every entry still open is closed.
      chunks.push({ rows: [...rows.values()], closedAt: new Date(atMs) });
      rows = new Map();
      continue;
    }
    const row: EntryRow = rows.get(ticket) ?? {
      concertId,
      ticket,
      userId,
      lane: lane as Lane,
      enteredAt: new Date(joinedAtMs),
    };
    // Every entry names the ticket's owner at the time; after a shuffle (S) that is the new one.
    row.userId = userId;
    row.lane = lane as Lane;
    row.enteredAt = new Date(joinedAtMs);
    const when = new Date(atMs);
    if (kind === 'A') row.admittedAt = when;
    if (kind === 'C') row.claimedAt = when;
    if (kind === 'L') {
      row.leftAt = when;
      row.leftReason = reason || 'LEFT';
    }
    rows.set(ticket, row);
  }
  chunks.push({ rows: [...rows.values()] });
  return chunks;
}

/**
 * Writes each concert's queue log behind to MySQL `queue_entries`, in order, in batches, off the request path.
 * Upserts are keyed by (concert_id, ticket) and only ever fill columns in, so a replayed batch (a drainer died
 * after writing, before acknowledging) changes nothing.
 */
export function createWriteBehind(deps: { redis: RedisClient; keys: Keys; db: Db; logger: Logger }) {
  const { redis, keys, db, logger } = deps;
  const scripts = createAdmissionScripts(redis, keys);
  const token = randomUUID();

  async function write(concertId: number, entries: string[]): Promise<void> {
    for (const chunk of foldLog(concertId, entries)) {
      if (chunk.rows.length > 0) {
        await db
          .insert(queueEntries)
          .values(chunk.rows)
          .onDuplicateKeyUpdate({
            set: {
              userId: sql`VALUES(user_id)`,
              lane: sql`VALUES(lane)`,
              enteredAt: sql`VALUES(entered_at)`,
              admittedAt: sql`COALESCE(VALUES(admitted_at), admitted_at)`,
              claimedAt: sql`COALESCE(VALUES(claimed_at), claimed_at)`,
              leftAt: sql`COALESCE(left_at, VALUES(left_at))`,
              leftReason: sql`COALESCE(left_reason, VALUES(left_reason))`,
            },
          });
      }
      if (chunk.closedAt) {
        await db
          .update(queueEntries)
          .set({ leftAt: chunk.closedAt, leftReason: 'CLOSED' })
          .where(and(eq(queueEntries.concertId, concertId), isNull(queueEntries.leftAt)));
      }
    }
  }

  /** Drains one concert's log until it is empty, another drainer holds it, or `budgetMs` is spent. */
  async function drain(concertId: number, budgetMs = 2_000): Promise<number> {
    const deadline = Date.now() + budgetMs;
    let written = 0;
    while (Date.now() < deadline) {
      const reply = await scripts.logTake(concertId, [token, LEASE_MS, BATCH]);
      if (reply[0] !== 'OK') break;
      const entries = (reply[1] as string[]) ?? [];
      await write(concertId, entries);
      await scripts.logAck(concertId, [token]);
      written += entries.length;
    }
    return written;
  }

  return {
    drain,

    /** Every registered concert; a closed sale whose log is written leaves the registry. */
    async drainAll(): Promise<number> {
      let written = 0;
      for (const id of await redis.smembers(keys.sales)) {
        const concertId = Number(id);
        try {
          written += await drain(concertId);
          const [state, pending, inflight] = await Promise.all([
            redis.hget(keys.sale(concertId), 'state'),
            redis.llen(keys.queueLog(concertId)),
            redis.llen(keys.queueLogInflight(concertId)),
          ]);
          if (state === 'CLOSED' && pending === 0 && inflight === 0) await redis.srem(keys.sales, id);
        } catch (err) {
          // One concert's failure (say its row is gone) must not stop the others from being written.
          logger.error({ err, concertId }, 'queue log write-behind failed');
        }
      }
      return written;
    },
  };
}
export type WriteBehind = ReturnType<typeof createWriteBehind>;
