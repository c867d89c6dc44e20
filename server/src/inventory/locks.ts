import type { ReservationStatus } from '@frontrow/client/protocol';
import { type SQL, sql } from 'drizzle-orm';
import { affectedRows, selectRows, type Tx } from '../db/tx.ts';
import { notFound } from '../http/errors.ts';

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

/** Locks the fan's user row: first in the lock order. */
export const lockUserSql = (userId: string): SQL => sql`SELECT id FROM users WHERE id = ${userId} FOR UPDATE`;

export async function lockUser(tx: Tx, userId: string): Promise<void> {
  const [row] = await selectRows<{ id: string }>(tx, lockUserSql(userId));
  if (!row) throw notFound('User', { userId });
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

/** The seats a paid hold still marks HELD become SOLD (under the locks above). */
export const sellSeatsSql = (holdId: number): SQL =>
  sql`UPDATE seats SET status = 'SOLD', held_until = NULL WHERE hold_id = ${holdId} AND status = 'HELD'`;

/**
 * A reservation that ends (cancelled, expired, refunded) gives up its live seat ids and the seats it still marks
 * `status`: they are AVAILABLE again. The release names the hold, so it never frees a seat another hold has
 * taken over.
 */
export async function releaseSeats(tx: Tx, holdId: number, status: 'HELD' | 'SOLD'): Promise<void> {
  await affectedRows(
    tx,
    sql`UPDATE reservation_seats SET live_seat_id = NULL WHERE reservation_id = ${holdId} AND live_seat_id IS NOT NULL`,
  );
  await affectedRows(
    tx,
    sql`UPDATE seats SET status = 'AVAILABLE', hold_id = NULL, held_until = NULL
        WHERE hold_id = ${holdId} AND status = ${status}`,
  );
}
