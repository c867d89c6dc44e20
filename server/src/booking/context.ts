import { eq } from 'drizzle-orm';
import type { SeatStatus } from '../../../client-sdk/src/protocol.ts';
import { schedules } from '../../../drizzle/schema.ts';
import type { Config } from '../config/index.ts';
import type { Db } from '../db/client.ts';
import type { TxRun } from '../db/tx.ts';
import { notFound } from '../http/errors.ts';
import type { Logger } from '../logging/logger.ts';

/**
 * Puts holds' expiries on the durable timer (a BullMQ delayed job each, added together); failures are logged, the
 * sweeper covers them.
 */
export interface ExpiryScheduler {
  schedule(holds: Array<{ reservationId: number; expiresAt: Date }>): Promise<void>;
}

export interface SeatChange {
  seatId: number;
  status: SeatStatus;
}

/** What the parts of the booking feature share. */
export interface BookingContext {
  db: Db;
  run: TxRun;
  config: Readonly<Config>;
  logger: Logger;
  expiry: ExpiryScheduler;
  scheduleOf(scheduleId: number): Promise<ScheduleFacts>;
  /** Every seat status change goes through here after its commit: it is published and the seat map cache drops. */
  seatsChanged(concertId: number, scheduleId: number, changes: SeatChange[]): void;
  holdMs: number;
}

export interface ScheduleFacts {
  scheduleId: number;
  concertId: number;
  bookingOpenAt: Date;
  bookingCloseAt: Date;
}

/** Schedules never move between concerts and have no edit API, so their facts are memoised per process. */
export function scheduleDirectory(db: Db, max = 10_000) {
  const memo = new Map<number, ScheduleFacts>();
  return async function scheduleOf(scheduleId: number): Promise<ScheduleFacts> {
    const hit = memo.get(scheduleId);
    if (hit) return hit;
    const [row] = await db
      .select({
        scheduleId: schedules.id,
        concertId: schedules.concertId,
        bookingOpenAt: schedules.bookingOpenAt,
        bookingCloseAt: schedules.bookingCloseAt,
      })
      .from(schedules)
      .where(eq(schedules.id, scheduleId));
    if (!row) throw notFound('Schedule', { scheduleId });
    if (memo.size >= max) memo.clear();
    memo.set(scheduleId, row);
    return row;
  };
}
