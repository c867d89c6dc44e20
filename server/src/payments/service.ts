import type { Booking } from '../booking/service.ts';
import type { Config } from '../config/index.ts';
import type { Logger } from '../logging/logger.ts';
import { createIdempotency } from './idempotency.ts';
import { createPaymentService } from './payments.ts';
import { createPoints } from './points.ts';

export interface PaymentsFeatureDeps {
  booking: Booking;
  config: Readonly<Config>;
  logger: Logger;
  /** The waiting room's interface to end a fan's booking session (frees the admission slot). */
  accessSessions: { end(concertId: number, userId: string): Promise<unknown> };
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
  };
}
export type Payments = ReturnType<typeof createPayments>;
