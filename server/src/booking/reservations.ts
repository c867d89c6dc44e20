import { and, desc, eq, inArray, type SQL, sql } from 'drizzle-orm';
import type { Reservation, ReservationSeat, ReservationStatus } from '../../../client-sdk/src/protocol.ts';
import { reservationSeats, reservations, seats } from '../../../drizzle/schema.ts';
import { seatLabel } from '../catalog/service.ts';
import type { Queryable } from '../db/tx.ts';
import { notFound } from '../http/errors.ts';

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

/** The caller's reservation; someone else's is indistinguishable from a missing one (404), by design. */
export async function findOwnReservation(q: Queryable, userId: string, id: number): Promise<Reservation> {
  const [found] = await loadReservations(q, and(eq(reservations.id, id), eq(reservations.userId, userId)));
  if (!found) throw notFound('Reservation', { reservationId: id });
  return found;
}
