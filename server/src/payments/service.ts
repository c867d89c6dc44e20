import type { Booking } from '../booking/service.ts';
import type { Config } from '../config/index.ts';
import type { Logger } from '../logging/logger.ts';
import { createIdempotency } from './idempotency.ts';
import { endPaidSessions } from './paid-sessions.ts';
import { createPaymentService } from './payments.ts';
import { createPoints } from './points.ts';

export interface PaymentsFeatureDeps {
  booking: Booking;
  config: Readonly<Config>;
  logger: Logger;
  /** The waiting room's interface to a fan's booking session: ending it frees the admission slot. */
  accessSessions: {
    end(concertId: number, userId: string): Promise<unknown>;
    get(concertId: number, userId: string): Promise<{ expiresAt: Date } | undefined>;
  };
}

/** Points, payments, refunds and the idempotency-key store. No HTTP here. */
export function createPayments(deps: PaymentsFeatureDeps) {
  const { db, run } = deps.booking.context;
  return {
    points: createPoints({ db, run, limits: deps.config.points }),
    payments: createPaymentService({
      booking: deps.booking,
      logger: deps.logger,
      maxBalance: deps.config.points.maxBalance,
      refundUntilMs: Math.round(deps.config.refundUntilHoursBeforeShow * 3_600_000),
      endSession: (concertId, userId) => deps.accessSessions.end(concertId, userId),
    }),
    idempotency: createIdempotency(db),
    /** Sweeper (worker role): ends the sessions a committed payment should have ended (paid-sessions.ts). */
    endPaidSessions: () =>
      endPaidSessions({
        db,
        sessionMs: deps.config.sale.sessionMinutes * 60_000,
        liveSession: (concertId, userId) => deps.accessSessions.get(concertId, userId),
        endSession: (concertId, userId) => deps.accessSessions.end(concertId, userId),
      }),
  };
}
export type Payments = ReturnType<typeof createPayments>;
