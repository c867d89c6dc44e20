import type { Reservation } from '@frontrow/client/protocol';
import { sql } from 'drizzle-orm';
import { affectedRows, dbDate, selectRows, type TxRun } from '../db/tx.ts';
import { AppError, notFound } from '../http/errors.ts';
import { lockReservation, lockSeatsOfHold, releaseSeats } from '../inventory/locks.ts';
import { assertLiveHold, loadReservation } from '../inventory/reservations.ts';
import type { BookingContext } from './context.ts';

/** One extension per hold, by HOLD_MINUTES from its current end, only while it is still held. */
export async function extend(ctx: BookingContext, userId: string, id: number): Promise<Reservation> {
  const reservation = await ctx.run(async (tx) => {
    await lockSeatsOfHold(tx, id);
    const r = await lockReservation(tx, id);
    if (!r || r.user_id !== userId) throw notFound('Reservation', { reservationId: id });
    assertLiveHold(r);
    if (r.extended) {
      throw new AppError('ALREADY_EXTENDED', 'This hold was already extended once', { reservationId: id });
    }
    const expiresAt = new Date(dbDate(r.expires_at).getTime() + ctx.holdMs);
    await affectedRows(
      tx,
      sql`UPDATE reservations SET expires_at = ${expiresAt}, extended = TRUE WHERE id = ${id} AND status = 'HELD'`,
    );
    await affectedRows(
      tx,
      sql`UPDATE seats SET held_until = ${expiresAt} WHERE hold_id = ${id} AND status = 'HELD'`,
    );
    return loadReservation(tx, id);
  });
  // The first expiry job re-delays itself when it finds the hold extended; this one covers a job already gone.
  await ctx.expiry.schedule([{ reservationId: id, expiresAt: new Date(reservation.expiresAt) }]);
  return reservation;
}

/** Cancels a live hold: CANCELLED, and its seats are AVAILABLE again at once. */
export async function cancelHold(
  ctx: BookingContext,
  userId: string,
  id: number,
  run: TxRun = ctx.run,
): Promise<Reservation> {
  let seatIds: number[] = [];
  // The transaction returns the response itself: an idempotency key records exactly this value.
  const reservation = await run(async (tx) => {
    seatIds = await lockSeatsOfHold(tx, id);
    const r = await lockReservation(tx, id);
    if (!r || r.user_id !== userId) throw notFound('Reservation', { reservationId: id });
    assertLiveHold(r);
    await affectedRows(
      tx,
      sql`UPDATE reservations SET status = 'CANCELLED', closed_at = UTC_TIMESTAMP(3) WHERE id = ${id} AND status = 'HELD'`,
    );
    await releaseSeats(tx, id, 'HELD');
    return loadReservation(tx, id);
  });
  ctx.seats.changed(
    reservation.concertId,
    reservation.scheduleId,
    seatIds.map((seatId) => ({ seatId, status: 'AVAILABLE' })),
  );
  return reservation;
}

export type ExpireOutcome =
  | { state: 'missing' | 'paid' }
  | { state: 'pending'; remainingMs: number }
  | { state: 'expired' | 'released'; seatIds: number[] };

/**
 * The expiry job's work, safe to run any number of times and at any moment: a hold whose time has passed (by the
 * database clock) becomes EXPIRED, and seats still HELD *by this hold* go back on sale. A late or repeated run
 * cannot free a seat that another hold has taken over or that was sold, because the release names this hold.
 * A hold not yet due (extended, or the job ran early) reports how long it has left.
 */
export async function expire(ctx: BookingContext, id: number): Promise<ExpireOutcome> {
  type Done = { state: 'expired' | 'released'; seatIds: number[]; concertId: number; scheduleId: number };
  const out = await ctx.run(async (tx): Promise<ExpireOutcome | Done> => {
    const seatIds = await lockSeatsOfHold(tx, id);
    const r = await lockReservation(tx, id);
    if (!r) return { state: 'missing' };
    if (r.status === 'PAID') return { state: 'paid' };
    if (r.status === 'HELD' && r.live) {
      return { state: 'pending', remainingMs: Math.ceil(Number(r.remaining_us) / 1000) };
    }
    let state: Done['state'] = 'released';
    if (r.status === 'HELD') {
      await affectedRows(
        tx,
        sql`UPDATE reservations SET status = 'EXPIRED', closed_at = UTC_TIMESTAMP(3) WHERE id = ${id} AND status = 'HELD'`,
      );
      state = 'expired';
    }
    await releaseSeats(tx, id, 'HELD');
    return { state, seatIds, concertId: r.concert_id, scheduleId: r.schedule_id };
  });
  if (!('concertId' in out)) return out;
  ctx.seats.changed(
    out.concertId,
    out.scheduleId,
    out.seatIds.map((seatId) => ({ seatId, status: 'AVAILABLE' })),
  );
  return { state: out.state, seatIds: out.seatIds };
}

/**
 * The sweeper: expires every hold past its time that a lost or late job has not, and releases seats left HELD by
 * holds retired during a takeover. Reads never wait for it; it keeps the table honest.
 */
export async function sweep(
  ctx: BookingContext,
  batch = 500,
): Promise<{ expired: number; released: number }> {
  const due = await selectRows<{ id: number }>(
    ctx.db,
    sql`SELECT id FROM reservations WHERE status = 'HELD' AND expires_at <= UTC_TIMESTAMP(3)
        ORDER BY expires_at LIMIT ${batch}`,
  );
  const leftovers = await selectRows<{ id: number }>(
    ctx.db,
    sql`SELECT DISTINCT r.id FROM reservations r JOIN seats s ON s.hold_id = r.id AND s.status = 'HELD'
        WHERE r.status = 'EXPIRED' AND r.expires_at > UTC_TIMESTAMP(3) - INTERVAL 1 DAY LIMIT ${batch}`,
  );
  let expired = 0;
  let released = 0;
  for (const { id } of [...due, ...leftovers]) {
    const outcome = await expire(ctx, id);
    if (outcome.state === 'expired') expired++;
    if (outcome.state === 'released') released++;
  }
  return { expired, released };
}
