import type { Payment, Reservation, Schedule } from '@frontrow/client/protocol';
import { z } from '@hono/zod-openapi';
import type { Services } from '../compose.ts';
import { seatNumbers } from './shared.ts';

/**
 * Frontrow's reservations, payments and schedules in the words of seeds 001 and 004: a seat number (its place in
 * the schedule, see `seatNumbers`), a reservation status in the document's vocabulary, HH:mm:ss times.
 */

const holdWords = {
  seed001: { HELD: 'RESERVED', PAID: 'PAID' },
  seed004: { HELD: 'TEMPORARY', PAID: 'CONFIRMED' },
} as const;

export type HoldDialect = keyof typeof holdWords;

export async function reservationView(s: Services, r: Reservation, dialect: HoldDialect) {
  const { numberOf } = await seatNumbers(s, r.concertId, r.scheduleId);
  const words: Record<string, string> = holdWords[dialect];
  return {
    reservationId: r.reservationId,
    reservationNumber: r.reservationNumber,
    userId: r.userId,
    concertId: r.concertId,
    scheduleId: r.scheduleId,
    seats: r.seats.map((seat) => ({
      seatId: seat.seatId,
      seatNumber: numberOf.get(seat.seatId) ?? null,
      label: seat.label,
      price: seat.price,
    })),
    totalAmount: r.totalAmount,
    status: words[r.status] ?? r.status,
    reservedAt: r.reservedAt,
    expiresAt: r.expiresAt,
  };
}

export async function paymentView(s: Services, p: Payment, r: Reservation) {
  const { numberOf } = await seatNumbers(s, r.concertId, r.scheduleId);
  return {
    paymentId: p.paymentId,
    reservationId: p.reservationId,
    userId: p.userId,
    amount: p.amount,
    paymentMethod: 'BALANCE' as const,
    status: p.status,
    paidAt: p.paidAt,
    reservation: {
      reservationNumber: p.reservation.reservationNumber,
      seats: p.reservation.seats.map((seat) => ({
        seatId: seat.seatId,
        seatNumber: numberOf.get(seat.seatId) ?? null,
        price: seat.price,
      })),
    },
  };
}

/** Frontrow has no venue records, so `venueId` is null; times get their seconds. */
export function scheduleView(schedule: Schedule) {
  return {
    scheduleId: schedule.scheduleId,
    concertId: schedule.concertId,
    concertTitle: schedule.concertTitle,
    venueId: null,
    venueName: schedule.venueName,
    performanceDate: schedule.performanceDate,
    performanceTime: `${schedule.performanceTime}:00`,
    bookingOpenAt: schedule.bookingOpenAt,
    bookingCloseAt: schedule.bookingCloseAt,
    availableSeats: schedule.availableSeats,
    status: schedule.status,
  };
}

export const ReservationViewSchema = z
  .object({
    reservationId: z.number().int(),
    reservationNumber: z.string(),
    userId: z.string(),
    concertId: z.number().int(),
    scheduleId: z.number().int(),
    seats: z.array(
      z.object({
        seatId: z.number().int(),
        seatNumber: z.number().int().nullable(),
        label: z.string(),
        price: z.number().int(),
      }),
    ),
    totalAmount: z.number().int(),
    status: z.string().openapi({ description: 'TEMPORARY while held, CONFIRMED once paid' }),
    reservedAt: z.string(),
    expiresAt: z.string(),
  })
  .openapi('CompatReservation');
