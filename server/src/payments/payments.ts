import type { Payment, Reservation } from '@frontrow/client/protocol';
import { payments, reservations } from '@frontrow/db';
import { desc, eq, sql } from 'drizzle-orm';
import type { ResultSetHeader } from 'mysql2';
import type { Db } from '../db/client.ts';
import { affectedRows, selectRows, statements, type Tx, type TxRun } from '../db/tx.ts';
import { AppError, notFound } from '../http/errors.ts';
import {
  type LockedReservation,
  lockReservation,
  lockReservationSql,
  lockSeatsOfHold,
  lockSeatsOfHoldSql,
  lockUser,
  lockUserSql,
  releaseSeats,
  sellSeatsSql,
} from '../inventory/locks.ts';
import { assertLiveHold, findOwnReservation, loadReservation, seatsOf } from '../inventory/reservations.ts';
import type { Seats } from '../inventory/seats.ts';
import type { Logger } from '../logging/logger.ts';
import { credit, debit, ledgerRow } from './ledger.ts';

/** Cancels an unpaid hold (booking's `cancel`); payments refunds the paid ones itself. */
export interface HoldCanceller {
  cancel(userId: string, id: number, opts: { run?: TxRun }): Promise<Reservation>;
}

/** The waiting room's end of a fan's turn (waiting-room/service.ts `finish`). */
export interface TurnEnder {
  finish(concertId: number, userId: string, reason: 'PAID'): Promise<unknown>;
}

export interface PaymentsDeps {
  db: Db;
  run: TxRun;
  /** The seats payments sells and gives back (inventory/seats.ts). */
  seats: Seats;
  holds: HoldCanceller;
  /** Paying ends the fan's turn there (`endTurn`). */
  waitingRoom: TurnEnder;
  logger: Logger;
  maxBalance: number;
  /** A paid reservation is refundable until this long before its schedule starts (REFUND_UNTIL_HOURS_BEFORE_SHOW). */
  refundUntilMs: number;
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

export function createPaymentService(deps: PaymentsDeps) {
  const { db } = deps;

  /**
   * Paying ends the fan's turn: the waiting room frees its admission slot for the next fan, ends its booking
   * session (its access token stops working) and logs PAID. Runs after the payment commits; the paid-sessions
   * sweep (paid-sessions.ts) runs it again for a payment whose process died before it did.
   */
  async function endTurn(concertId: number, userId: string): Promise<void> {
    await deps.waitingRoom.finish(concertId, userId, 'PAID');
  }

  /**
   * Pays a live hold with points, in one transaction: the hold must still be HELD by the caller and not past its
   * time by the database clock (409 RESERVATION_EXPIRED), not paid (409 ALREADY_PAID), and the balance must
   * cover it (402 INSUFFICIENT_POINTS); then the debit and its ledger row, the payment, PAID and SOLD. A payment
   * racing the hold's expiry waits for or wins the seat locks: exactly one of them happens.
   */
  async function pay(userId: string, reservationId: number, opts: { run?: TxRun } = {}): Promise<Payment> {
    const run = opts.run ?? deps.run;
    let sold: { concertId: number; scheduleId: number; seatIds: number[] } | undefined;
    // The transaction returns the response itself: an idempotency key records exactly this value.
    const payment = await run(async (tx) => {
      // Round trip 1: the locks, in the order every money-moving transaction shares (inventory/locks.ts).
      const [users, seatRows, held] = (await statements(
        tx,
        lockUserSql(userId),
        lockSeatsOfHoldSql(reservationId, 'HELD'),
        lockReservationSql(reservationId),
      )) as [Array<{ id: string }>, Array<{ id: number }>, LockedReservation[]];
      if (users.length === 0) throw notFound('User', { userId });
      const r = held[0];
      if (!r || r.user_id !== userId) throw notFound('Reservation', { reservationId });
      assertLiveHold(r);
      const seatIds = seatRows.map((row) => row.id);
      const amount = Number(r.total_amount);
      // Round trip 2: the debit, and the balance it left.
      const debited = await debit(tx, userId, amount);
      if (!debited.changed) {
        throw new AppError('INSUFFICIENT_POINTS', 'The balance does not cover this reservation', {
          required: amount,
          balance: debited.balance,
        });
      }
      // Round trip 3: the ledger row, the payment, PAID and SOLD.
      const at = debited.at;
      const [, inserted, , soldUpdate] = (await statements(
        tx,
        ledgerRow(tx, {
          userId,
          type: 'PAYMENT',
          amount: -amount,
          balanceAfter: debited.balance,
          reservationId,
          at,
        }),
        tx.insert(payments).values({ reservationId, userId, amount, paidAt: at }).getSQL(),
        sql`UPDATE reservations SET status = 'PAID', paid_at = ${at} WHERE id = ${reservationId} AND status = 'HELD'`,
        sellSeatsSql(reservationId),
      )) as ResultSetHeader[];
      const soldCount = soldUpdate!.affectedRows;
      if (soldCount === 0 || soldCount !== seatIds.length) {
        throw new Error(`reservation ${reservationId}: ${soldCount} of ${seatIds.length} seats sold`);
      }
      sold = { concertId: r.concert_id, scheduleId: r.schedule_id, seatIds };
      const seats = await seatsOf(tx, [reservationId]);
      return toPayment(
        {
          id: inserted!.insertId,
          reservationId,
          userId,
          amount,
          paymentMethod: 'POINTS',
          status: 'COMPLETED',
          paidAt: at,
          refundedAt: null,
        },
        r.reservation_number,
        seats.get(reservationId) ?? [],
      );
    });
    if (!sold) throw new Error('payment committed without its seats');
    const { concertId, scheduleId, seatIds } = sold;
    // After the commit: the fan's turn ends (its slot goes to the next fan) and the seats show SOLD.
    await endTurn(concertId, userId).catch((err: unknown) => {
      deps.logger.warn({ err, userId, concertId }, "could not end the fan's turn after payment");
    });
    deps.seats.changed(
      concertId,
      scheduleId,
      seatIds.map((seatId) => ({ seatId, status: 'SOLD' })),
    );
    return payment;
  }

  /**
   * 409 REFUND_WINDOW_CLOSED from `refundUntilMs` before the show on, by the database clock: a ticket cannot be
   * handed back for its points once the seat can no longer be sold to someone else, least of all after the show.
   */
  async function assertRefundable(tx: Tx, r: LockedReservation): Promise<void> {
    const [schedule] = await selectRows<{ starts_at: Date; open: number }>(
      tx,
      sql`SELECT starts_at, starts_at > UTC_TIMESTAMP(3) + INTERVAL ${deps.refundUntilMs * 1000} MICROSECOND AS open
          FROM schedules WHERE id = ${r.schedule_id}`,
    );
    if (schedule && Number(schedule.open) === 1) return;
    throw new AppError('REFUND_WINDOW_CLOSED', 'This reservation can no longer be refunded', {
      reservationId: r.id,
      refundableUntil: schedule
        ? new Date(new Date(schedule.starts_at).getTime() - deps.refundUntilMs).toISOString()
        : null,
    });
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
      await assertRefundable(tx, r);
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
      await releaseSeats(tx, id, 'SOLD');
      return loadReservation(tx, id);
    });
    deps.seats.changed(
      reservation.concertId,
      reservation.scheduleId,
      seatIds.map((seatId) => ({ seatId, status: 'AVAILABLE' })),
    );
    return reservation;
  }

  return {
    pay,
    endTurn,

    /** The caller's reservation (someone else's is a 404): the pay route checks its state before the token. */
    reservation: (userId: string, id: number): Promise<Reservation> => findOwnReservation(db, userId, id),

    /**
     * POST /api/v1/reservations/{id}/cancel: a hold is cancelled (booking), a paid reservation refunded. A cancel
     * racing its own payment may find the hold paid under its locks and answer 409 ALREADY_PAID; cancelling again
     * then refunds.
     */
    async cancel(userId: string, id: number, opts: { run?: TxRun } = {}): Promise<Reservation> {
      const current = await findOwnReservation(db, userId, id);
      if (current.status === 'PAID' || current.status === 'REFUNDED')
        return refund(userId, id, opts.run ?? deps.run);
      return deps.holds.cancel(userId, id, opts);
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
