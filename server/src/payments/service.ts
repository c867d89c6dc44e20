import type { Config } from '../config/index.ts';
import type { Db } from '../db/client.ts';
import { transactionRunner } from '../db/tx.ts';
import type { Seats } from '../inventory/seats.ts';
import type { Logger } from '../logging/logger.ts';
import { createIdempotency } from './idempotency.ts';
import { endPaidSessions } from './paid-sessions.ts';
import { createPaymentService, type HoldCanceller, type TurnEnder } from './payments.ts';
import { createPoints } from './points.ts';

export interface PaymentsFeatureDeps {
  db: Db;
  config: Readonly<Config>;
  logger: Logger;
  /** The seats payments sells and gives back (inventory/seats.ts). */
  seats: Seats;
  /** Booking's holds: a cancel of an unpaid reservation is theirs. */
  holds: HoldCanceller;
  /** The waiting room: paying ends the fan's turn there (payments.ts `endTurn`). */
  waitingRoom: TurnEnder;
  /** Booking sessions (access/sessions.ts): the paid-sessions sweep looks for the ones a payment left open. */
  sessions: { get(concertId: number, userId: string): Promise<{ expiresAt: Date } | undefined> };
}

/** Points, payments, refunds and the idempotency-key store. No HTTP here. */
export function createPayments(deps: PaymentsFeatureDeps) {
  const { db } = deps;
  const run = transactionRunner(db);
  const payments = createPaymentService({
    db,
    run,
    seats: deps.seats,
    holds: deps.holds,
    waitingRoom: deps.waitingRoom,
    logger: deps.logger,
    maxBalance: deps.config.points.maxBalance,
    refundUntilMs: Math.round(deps.config.refundUntilHoursBeforeShow * 3_600_000),
  });
  return {
    points: createPoints({ db, run, limits: deps.config.points }),
    payments,
    idempotency: createIdempotency(db),
    /** Sweeper (worker role): ends the turns a committed payment should have ended (paid-sessions.ts). */
    endPaidSessions: () =>
      endPaidSessions({
        db,
        sessionMs: deps.config.sale.sessionMinutes * 60_000,
        liveSession: (concertId, userId) => deps.sessions.get(concertId, userId),
        endTurn: payments.endTurn,
      }),
  };
}
export type Payments = ReturnType<typeof createPayments>;
