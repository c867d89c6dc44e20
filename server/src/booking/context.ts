import { schedules } from '@frontrow/db';
import { eq } from 'drizzle-orm';
import type { Config } from '../config/index.ts';
import type { Db } from '../db/client.ts';
import type { TxRun } from '../db/tx.ts';
import { notFound } from '../http/errors.ts';
import type { Seats } from '../inventory/seats.ts';
import type { Logger } from '../logging/logger.ts';

/**
 * Puts holds' expiries on the durable timer (a BullMQ delayed job each, added together); failures are logged, the
 * sweeper covers them, so the promise never rejects.
 */
export interface ExpiryScheduler {
  schedule(holds: Array<{ reservationId: number; expiresAt: Date }>): Promise<void>;
}

/** What the parts of the booking feature share. */
export interface BookingContext {
  db: Db;
  run: TxRun;
  config: Readonly<Config>;
  logger: Logger;
  expiry: ExpiryScheduler;
  scheduleOf(scheduleId: number): Promise<ScheduleFacts>;
  /** The seats (inventory/seats.ts): every seat status change is announced through `seats.changed`. */
  seats: Seats;
  holdMs: number;
}

export interface ScheduleFacts {
  scheduleId: number;
  concertId: number;
  bookingOpenAt: Date;
  bookingCloseAt: Date;
}

/**
 * Schedules never move between concerts and have no edit API, so their facts are memoised per process. An unknown
 * id is remembered as unknown for `unknownTtlMs`, so a flood of made-up schedule ids (seat maps, holds,
 * seats:watch) costs MySQL one query per id and interval rather than one per request; a schedule created meanwhile
 * under an id looked up just before reads as unknown for at most that long.
 */
export function scheduleDirectory(
  db: Db,
  opts: { max?: number; unknownTtlMs?: number; now?: () => number } = {},
) {
  const max = opts.max ?? 10_000;
  const unknownTtlMs = opts.unknownTtlMs ?? 5_000;
  const now = opts.now ?? Date.now;
  const memo = new Map<number, ScheduleFacts>();
  /** Unknown schedule id → until when it is answered 404 without a query. */
  const unknown = new Map<number, number>();
  return async function scheduleOf(scheduleId: number): Promise<ScheduleFacts> {
    const hit = memo.get(scheduleId);
    if (hit) return hit;
    if ((unknown.get(scheduleId) ?? 0) > now()) throw notFound('Schedule', { scheduleId });
    const [row] = await db
      .select({
        scheduleId: schedules.id,
        concertId: schedules.concertId,
        bookingOpenAt: schedules.bookingOpenAt,
        bookingCloseAt: schedules.bookingCloseAt,
      })
      .from(schedules)
      .where(eq(schedules.id, scheduleId));
    if (!row) {
      if (unknown.size >= max) unknown.clear();
      unknown.set(scheduleId, now() + unknownTtlMs);
      throw notFound('Schedule', { scheduleId });
    }
    unknown.delete(scheduleId);
    if (memo.size >= max) memo.clear();
    memo.set(scheduleId, row);
    return row;
  };
}
