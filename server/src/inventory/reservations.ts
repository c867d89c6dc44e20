import type { Reservation, ReservationSeat, ReservationStatus } from '@frontrow/client/protocol';
import { reservationSeats, reservations, seats } from '@frontrow/db';
import { and, desc, eq, inArray, type SQL, sql } from 'drizzle-orm';
import type { Queryable } from '../db/tx.ts';
import { AppError, notFound } from '../http/errors.ts';
import type { LockedReservation } from './locks.ts';
import { seatLabel } from './seat-map.ts';

/**
 * A hold past its time reads as EXPIRED at once, by the database clock, whether or not its expiry job or the
 * sweeper has run yet.
 */
const effectiveStatus = sql<ReservationStatus>`CASE WHEN ${reservations.status} = 'HELD' AND ${reservations.expiresAt} <= UTC_TIMESTAMP(3) THEN 'EXPIRED' ELSE ${reservations.status} END`;

type ReservationRow = typeof reservations.$inferSelect;

export function toReservation(
  row: ReservationRow,
  status: ReservationStatus,
  seatList: ReservationSeat[],
): Reservation {
  return {
    reservationId: row.id,
    reservationNumber: row.reservationNumber,
    userId: row.userId,
    concertId: row.concertId,
    scheduleId: row.scheduleId,
    seats: seatList,
    totalAmount: row.totalAmount,
    status,
    extended: row.extended,
    reservedAt: row.reservedAt.toISOString(),
    expiresAt: row.expiresAt.toISOString(),
    paidAt: row.paidAt?.toISOString() ?? null,
    closedAt: row.closedAt?.toISOString() ?? null,
  };
}

/** The seats of some reservations with their labels, by reservation id, in seat id order. */
export async function seatsOf(
  q: Queryable,
  reservationIds: number[],
): Promise<Map<number, ReservationSeat[]>> {
  const out = new Map<number, ReservationSeat[]>();
  if (reservationIds.length === 0) return out;
  const rows = await q
    .select({
      reservationId: reservationSeats.reservationId,
      seatId: reservationSeats.seatId,
      price: reservationSeats.price,
      section: seats.section,
      row: seats.row,
      number: seats.number,
    })
    .from(reservationSeats)
    .innerJoin(seats, eq(seats.id, reservationSeats.seatId))
    .where(inArray(reservationSeats.reservationId, reservationIds))
    .orderBy(reservationSeats.reservationId, reservationSeats.seatId);
  for (const r of rows) {
    const list = out.get(r.reservationId) ?? [];
    list.push({ seatId: r.seatId, label: seatLabel(r.section, r.row, r.number), price: r.price });
    out.set(r.reservationId, list);
  }
  return out;
}

/** Reservations matching `where`, newest first, with their seats. */
export async function loadReservations(q: Queryable, where: SQL | undefined): Promise<Reservation[]> {
  const rows = await q
    .select({ row: reservations, status: effectiveStatus })
    .from(reservations)
    .where(where)
    .orderBy(desc(reservations.id));
  const seatMap = await seatsOf(
    q,
    rows.map((r) => r.row.id),
  );
  return rows.map((r) => toReservation(r.row, r.status, seatMap.get(r.row.id) ?? []));
}

/** One reservation by id, as read inside the transaction that changed it. */
export async function loadReservation(q: Queryable, id: number): Promise<Reservation> {
  const [r] = await loadReservations(q, eq(reservations.id, id));
  if (!r) throw notFound('Reservation', { reservationId: id });
  return r;
}

/** The caller's reservation; someone else's is indistinguishable from a missing one (404), by design. */
export async function findOwnReservation(q: Queryable, userId: string, id: number): Promise<Reservation> {
  const [found] = await loadReservations(q, and(eq(reservations.id, id), eq(reservations.userId, userId)));
  if (!found) throw notFound('Reservation', { reservationId: id });
  return found;
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
