import { eq } from 'drizzle-orm';
import type { Reservation, SeatMap } from '../../../client-sdk/src/protocol.ts';
import { reservations } from '../../../drizzle/schema.ts';
import type { Config } from '../config/index.ts';
import type { Db } from '../db/client.ts';
import { type TxRun, transactionRunner } from '../db/tx.ts';
import type { EventSink } from '../events/index.ts';
import type { Logger } from '../logging/logger.ts';
import { type BookingContext, type ExpiryScheduler, scheduleDirectory } from './context.ts';
import { type HoldOutcome, type HoldRequest, hold, holdMany } from './hold.ts';
import { cancelHold, type ExpireOutcome, expire, extend, sweep } from './lifecycle.ts';
import { findOwnReservation, loadReservations } from './reservations.ts';
import { createSeatMaps } from './seat-map.ts';

export interface BookingDeps {
  db: Db;
  config: Readonly<Config>;
  logger: Logger;
  events: EventSink;
  expiry: ExpiryScheduler;
  now: () => Date;
}

/**
 * Booking: seat maps, holds, and their lifecycle. No HTTP here; the REST routes, the expiry worker and the
 * queued-reservation worker all call these functions.
 */
export function createBooking(deps: BookingDeps) {
  const { db, events, logger } = deps;
  const seatMaps = createSeatMaps(db, deps.now);
  const ctx: BookingContext = {
    db,
    run: transactionRunner(db),
    config: deps.config,
    logger,
    expiry: deps.expiry,
    scheduleOf: scheduleDirectory(db),
    holdMs: Math.max(1, Math.round(deps.config.sale.holdMinutes * 60_000)),
    seatsChanged(concertId, scheduleId, changes) {
      seatMaps.invalidate(scheduleId);
      if (changes.length === 0) return;
      try {
        events.publish({ type: 'seats.changed', concertId, scheduleId, seats: changes });
      } catch (err) {
        logger.warn({ err, scheduleId }, 'publishing seats.changed failed');
      }
    },
  };

  return {
    /** Shared with payments, which moves seats and reservations under the same rules. */
    context: ctx,
    scheduleOf: ctx.scheduleOf,
    seatMap: (concertId: number, scheduleId: number): Promise<SeatMap> =>
      seatMaps.read(concertId, scheduleId),
    hold: (input: HoldRequest): Promise<Reservation> => hold(ctx, input),
    /** Several holds decided in order in one transaction (queued reservations). */
    holdMany: (inputs: HoldRequest[]): Promise<HoldOutcome[]> => holdMany(ctx, inputs),
    get: (userId: string, id: number): Promise<Reservation> => findOwnReservation(db, userId, id),
    list: (userId: string): Promise<Reservation[]> => loadReservations(db, eq(reservations.userId, userId)),
    extend: (userId: string, id: number): Promise<Reservation> => extend(ctx, userId, id),
    /** Cancels a live hold. Paid reservations are refunded by payments, which wraps this. */
    cancel: (userId: string, id: number, opts: { run?: TxRun } = {}): Promise<Reservation> =>
      cancelHold(ctx, userId, id, opts.run),
    expire: (id: number): Promise<ExpireOutcome> => expire(ctx, id),
    sweep: () => sweep(ctx),
  };
}
export type Booking = ReturnType<typeof createBooking>;
