import { eq, type SQL, sql } from 'drizzle-orm';
import type { Reservation, ReservationStatus } from '../../../client-sdk/src/protocol.ts';
import { reservations } from '../../../drizzle/schema.ts';
import { affectedRows, dbDate, selectRows, type Tx, type TxRun } from '../db/tx.ts';
import { AppError, notFound } from '../http/errors.ts';
import type { BookingContext } from './context.ts';
import { loadReservations } from './reservations.ts';

/**
 * Lock order, shared by every transaction that touches a reservation (holds, payments, refunds, expiry): the
 * fan's user row (when money or the seat limit is involved), then seats in id order, then reservation rows. Seat
 * locks always come before reservation locks, so a hold taking over a lapsed seat and an expiry job or payment
 * of that seat's old reservation never wait on each other in a cycle.
 */
export interface LockedReservation {
  id: number;
  user_id: string;
  concert_id: number;
  schedule_id: number;
  status: ReservationStatus;
  extended: number;
  total_amount: number;
  expires_at: string;
  reservation_number: string;
  /** 1 while `expires_at` is in the future by the database clock. */
  live: number;
  remaining_us: number;
}

/** Locks the seats a hold still marks `status`, in id order (the order every seat-locking transaction shares). */
export const lockSeatsOfHoldSql = (holdId: number, status: 'HELD' | 'SOLD' = 'HELD'): SQL =>
  sql`SELECT id FROM seats WHERE hold_id = ${holdId} AND status = ${status} ORDER BY id FOR UPDATE`;

export async function lockSeatsOfHold(
  tx: Tx,
  holdId: number,
  status: 'HELD' | 'SOLD' = 'HELD',
): Promise<number[]> {
  const rows = await selectRows<{ id: number }>(tx, lockSeatsOfHoldSql(holdId, status));
  return rows.map((r) => r.id);
}

/** Locks a reservation's row and reads it with the database clock's verdict on its expiry. */
export const lockReservationSql = (id: number): SQL =>
  sql`SELECT id, user_id, concert_id, schedule_id, status, extended, total_amount, expires_at, reservation_number,
        expires_at > UTC_TIMESTAMP(3) AS live,
        TIMESTAMPDIFF(MICROSECOND, UTC_TIMESTAMP(3), expires_at) AS remaining_us
      FROM reservations WHERE id = ${id} FOR UPDATE`;

export async function lockReservation(tx: Tx, id: number): Promise<LockedReservation | undefined> {
  const [row] = await selectRows<LockedReservation>(tx, lockReservationSql(id));
  return row;
}

/** The one mapping from "this reservation is not a live hold" to an error, shared by extend, cancel and pay. */
export function assertLiveHold(r: LockedReservation): void {
  const details = { reservationId: r.id, status: r.status };
  if (r.status === 'PAID') throw new AppError('ALREADY_PAID', 'This reservation is already paid', details);
  if (r.status === 'CANCELLED' || r.status === 'REFUNDED') {
    throw new AppError('ALREADY_CANCELLED', `This reservation was ${r.status.toLowerCase()}`, details);
  }
  if (r.status === 'EXPIRED' || !r.live) {
    throw new AppError('RESERVATION_EXPIRED', 'This hold has expired', { ...details, status: 'EXPIRED' });
  }
}

export async function loadOne(tx: Tx, id: number): Promise<Reservation> {
  const [r] = await loadReservations(tx, eq(reservations.id, id));
  if (!r) throw notFound('Reservation', { reservationId: id });
  return r;
}

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
    return loadOne(tx, id);
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
    await releaseSeats(tx, id);
    return loadOne(tx, id);
  });
  ctx.seatsChanged(
    reservation.concertId,
    reservation.scheduleId,
    seatIds.map((seatId) => ({ seatId, status: 'AVAILABLE' })),
  );
  return reservation;
}

/** A dead reservation gives up its live seat ids and whatever seats it still marks HELD. Named hold only. */
async function releaseSeats(tx: Tx, holdId: number): Promise<void> {
  await affectedRows(
    tx,
    sql`UPDATE reservation_seats SET live_seat_id = NULL WHERE reservation_id = ${holdId} AND live_seat_id IS NOT NULL`,
  );
  await affectedRows(
    tx,
    sql`UPDATE seats SET status = 'AVAILABLE', hold_id = NULL, held_until = NULL
        WHERE hold_id = ${holdId} AND status = 'HELD'`,
  );
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
    await releaseSeats(tx, id);
    return { state, seatIds, concertId: r.concert_id, scheduleId: r.schedule_id };
  });
  if (!('concertId' in out)) return out;
  ctx.seatsChanged(
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
