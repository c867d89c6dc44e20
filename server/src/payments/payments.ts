import { desc, eq, sql } from 'drizzle-orm';
import type { Payment, Reservation } from '../../../client-sdk/src/protocol.ts';
import { payments, reservations } from '../../../drizzle/schema.ts';
import { assertLiveHold, loadOne, lockReservation, lockSeatsOfHold } from '../booking/lifecycle.ts';
import { seatsOf } from '../booking/reservations.ts';
import type { Booking } from '../booking/service.ts';
import { affectedRows, selectRows, type Tx, type TxRun } from '../db/tx.ts';
import { AppError, notFound } from '../http/errors.ts';
import type { Logger } from '../logging/logger.ts';
import { credit, currentBalance, debit } from './ledger.ts';

export interface PaymentsDeps {
  booking: Booking;
  logger: Logger;
  maxBalance: number;
  /** Ends the fan's booking session (and so frees its admission slot) once it has paid. */
  endSession(concertId: number, userId: string): Promise<unknown>;
}

type PaymentRow = typeof payments.$inferSelect;

function toPayment(
  row: PaymentRow,
  reservationNumber: string,
  seats: Payment['reservation']['seats'],
): Payment {
  return {
    paymentId: row.id,
    reservationId: row.reservationId,
    userId: row.userId,
    amount: row.amount,
    paymentMethod: 'POINTS',
    status: row.status,
    paidAt: row.paidAt.toISOString(),
    refundedAt: row.refundedAt?.toISOString() ?? null,
    reservation: { reservationNumber, seats },
  };
}

/** Locks the caller's user row first: the lock order every money-moving transaction shares (see lifecycle.ts). */
async function lockUser(tx: Tx, userId: string): Promise<void> {
  const [row] = await selectRows<{ id: string }>(
    tx,
    sql`SELECT id FROM users WHERE id = ${userId} FOR UPDATE`,
  );
  if (!row) throw notFound('User', { userId });
}

export function createPaymentService(deps: PaymentsDeps) {
  const ctx = deps.booking.context;
  const { db } = ctx;

  async function loadPayment(q: Tx | typeof db, paymentId: number): Promise<Payment> {
    const [row] = await q
      .select({ payment: payments, reservationNumber: reservations.reservationNumber })
      .from(payments)
      .innerJoin(reservations, eq(reservations.id, payments.reservationId))
      .where(eq(payments.id, paymentId));
    if (!row) throw notFound('Payment', { paymentId });
    const seats = await seatsOf(q, [row.payment.reservationId]);
    return toPayment(row.payment, row.reservationNumber, seats.get(row.payment.reservationId) ?? []);
  }

  /**
   * Pays a live hold with points, in one transaction: the hold must still be HELD by the caller and not past its
   * time by the database clock (409 RESERVATION_EXPIRED), not paid (409 ALREADY_PAID), and the balance must
   * cover it (402 INSUFFICIENT_POINTS); then the debit and its ledger row, the payment, PAID and SOLD. A payment
   * racing the hold's expiry waits for or wins the seat locks: exactly one of them happens.
   */
  async function pay(userId: string, reservationId: number, opts: { run?: TxRun } = {}): Promise<Payment> {
    const run = opts.run ?? ctx.run;
    let sold: { concertId: number; scheduleId: number; seatIds: number[] } | undefined;
    // The transaction returns the response itself: an idempotency key records exactly this value.
    const payment = await run(async (tx) => {
      await lockUser(tx, userId);
      const seatIds = await lockSeatsOfHold(tx, reservationId, 'HELD');
      const r = await lockReservation(tx, reservationId);
      if (!r || r.user_id !== userId) throw notFound('Reservation', { reservationId });
      assertLiveHold(r);
      const amount = Number(r.total_amount);
      const entry = await debit(tx, userId, amount, reservationId);
      if (!entry) {
        throw new AppError('INSUFFICIENT_POINTS', 'The balance does not cover this reservation', {
          required: amount,
          balance: await currentBalance(tx, userId),
        });
      }
      const [created] = await tx
        .insert(payments)
        .values({ reservationId, userId, amount, paidAt: entry.at })
        .$returningId();
      if (!created) throw new Error('payment insert returned no id');
      await affectedRows(
        tx,
        sql`UPDATE reservations SET status = 'PAID', paid_at = ${entry.at} WHERE id = ${reservationId} AND status = 'HELD'`,
      );
      const soldCount = await affectedRows(
        tx,
        sql`UPDATE seats SET status = 'SOLD', held_until = NULL WHERE hold_id = ${reservationId} AND status = 'HELD'`,
      );
      if (soldCount === 0 || soldCount !== seatIds.length) {
        throw new Error(`reservation ${reservationId}: ${soldCount} of ${seatIds.length} seats sold`);
      }
      sold = { concertId: r.concert_id, scheduleId: r.schedule_id, seatIds };
      return loadPayment(tx, created.id);
    });
    if (!sold) throw new Error('payment committed without its seats');
    const { concertId, scheduleId, seatIds } = sold;
    // After the commit: the fan's session ends (its slot goes to the next fan) and the seats show SOLD.
    await deps.endSession(concertId, userId).catch((err: unknown) => {
      deps.logger.warn({ err, userId, concertId }, 'could not end the booking session after payment');
    });
    ctx.seatsChanged(
      concertId,
      scheduleId,
      seatIds.map((seatId) => ({ seatId, status: 'SOLD' })),
    );
    return payment;
  }

  /**
   * Cancels a PAID reservation, in one transaction: REFUNDED, the points back with a REFUND ledger row (the
   * ledger's unique (reservation, type) makes a second refund impossible), the payment REFUNDED, and the seats
   * AVAILABLE again. A refund that would lift the balance above MAX_BALANCE is refused (422), like a charge.
   */
  async function refund(userId: string, id: number, run: TxRun): Promise<Reservation> {
    let seatIds: number[] = [];
    const reservation = await run(async (tx) => {
      await lockUser(tx, userId);
      seatIds = await lockSeatsOfHold(tx, id, 'SOLD');
      const r = await lockReservation(tx, id);
      if (!r || r.user_id !== userId) throw notFound('Reservation', { reservationId: id });
      if (r.status === 'REFUNDED') {
        throw new AppError('ALREADY_CANCELLED', 'This reservation was already refunded', {
          reservationId: id,
        });
      }
      if (r.status !== 'PAID') throw new Error(`reservation ${id} went from PAID to ${r.status}`);
      const [payment] = await tx.select().from(payments).where(eq(payments.reservationId, id)).for('update');
      if (payment?.status !== 'COMPLETED') throw new Error(`reservation ${id} is PAID without a payment`);
      const entry = await credit(tx, userId, 'REFUND', payment.amount, deps.maxBalance, id);
      if (!entry) {
        throw new AppError('CHARGE_LIMIT_EXCEEDED', 'The refund would take the balance above its cap', {
          maxBalance: deps.maxBalance,
          refund: payment.amount,
        });
      }
      await affectedRows(
        tx,
        sql`UPDATE payments SET status = 'REFUNDED', refunded_at = ${entry.at} WHERE id = ${payment.id}`,
      );
      await affectedRows(
        tx,
        sql`UPDATE reservations SET status = 'REFUNDED', closed_at = ${entry.at} WHERE id = ${id} AND status = 'PAID'`,
      );
      await affectedRows(
        tx,
        sql`UPDATE reservation_seats SET live_seat_id = NULL WHERE reservation_id = ${id}`,
      );
      await affectedRows(
        tx,
        sql`UPDATE seats SET status = 'AVAILABLE', hold_id = NULL, held_until = NULL
            WHERE hold_id = ${id} AND status = 'SOLD'`,
      );
      return loadOne(tx, id);
    });
    ctx.seatsChanged(
      reservation.concertId,
      reservation.scheduleId,
      seatIds.map((seatId) => ({ seatId, status: 'AVAILABLE' })),
    );
    return reservation;
  }

  return {
    pay,

    /**
     * POST /api/v1/reservations/{id}/cancel: a hold is cancelled (booking), a paid reservation refunded. A cancel
     * racing its own payment may find the hold paid under its locks and answer 409 ALREADY_PAID; cancelling again
     * then refunds.
     */
    async cancel(userId: string, id: number, opts: { run?: TxRun } = {}): Promise<Reservation> {
      const current = await deps.booking.get(userId, id);
      if (current.status === 'PAID' || current.status === 'REFUNDED')
        return refund(userId, id, opts.run ?? ctx.run);
      return deps.booking.cancel(userId, id, opts);
    },

    /** The caller's payments, newest first. */
    async list(userId: string): Promise<Payment[]> {
      const rows = await db
        .select({ payment: payments, reservationNumber: reservations.reservationNumber })
        .from(payments)
        .innerJoin(reservations, eq(reservations.id, payments.reservationId))
        .where(eq(payments.userId, userId))
        .orderBy(desc(payments.id));
      const seats = await seatsOf(
        db,
        rows.map((r) => r.payment.reservationId),
      );
      return rows.map((r) =>
        toPayment(r.payment, r.reservationNumber, seats.get(r.payment.reservationId) ?? []),
      );
    },
  };
}
export type PaymentService = ReturnType<typeof createPaymentService>;
