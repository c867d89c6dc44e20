import type { Reservation, SeatMap } from '@frontrow/client/protocol';
import { reservations } from '@frontrow/db';
import { eq } from 'drizzle-orm';
import type { Config } from '../config/index.ts';
import type { Db } from '../db/client.ts';
import { type TxRun, transactionRunner } from '../db/tx.ts';
import { findOwnReservation, loadReservations } from '../inventory/reservations.ts';
import type { Seats } from '../inventory/seats.ts';
import type { Logger } from '../logging/logger.ts';
import { type BookingContext, type ExpiryScheduler, scheduleDirectory } from './context.ts';
import { type HoldOutcome, type HoldRequest, hold, holdMany } from './hold.ts';
import { cancelHold, type ExpireOutcome, expire, extend, sweep } from './lifecycle.ts';

export interface BookingDeps {
  db: Db;
  config: Readonly<Config>;
  logger: Logger;
  /** The seats booking shares with payments (inventory/seats.ts): seat maps and the seats-changed event. */
  seats: Seats;
  expiry: ExpiryScheduler;
}

/**
 * Booking: holds and their lifecycle, over the seats and reservations of the inventory. No HTTP here; the REST
 * routes, the expiry worker and the queued-reservation worker all call these functions.
 */
export function createBooking(deps: BookingDeps) {
  const { db } = deps;
  const ctx: BookingContext = {
    db,
    run: transactionRunner(db),
    config: deps.config,
    logger: deps.logger,
    expiry: deps.expiry,
    scheduleOf: scheduleDirectory(db),
    holdMs: Math.max(1, Math.round(deps.config.sale.holdMinutes * 60_000)),
    seats: deps.seats,
  };

  return {
    scheduleOf: ctx.scheduleOf,
    seatMap: (concertId: number, scheduleId: number): Promise<SeatMap> =>
      deps.seats.map(concertId, scheduleId),
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
