import { Counter, Gauge, type Registry } from 'prom-client';
import type { Booking } from '../booking/service.ts';
import { AppError, asDependencyError } from '../http/errors.ts';
import type { Payments } from '../payments/service.ts';

/** What an attempt ended as: `success`, or the API error code it failed with (a closed set, so bounded labels). */
export function outcomeOf(err: unknown): string {
  if (err instanceof AppError) return err.code;
  return asDependencyError(err) || asDependencyError((err as { cause?: unknown })?.cause)
    ? 'DEPENDENCY_UNAVAILABLE'
    : 'INTERNAL_ERROR';
}

/**
 * The business counters of a drop: holds, expiries, cancellations, payments and refunds, counted where the
 * booking and payment services return (every caller goes through them: REST, the expiry worker, the simulator,
 * queued requests). The two success rates are ratios of this process's counters since it started; across
 * replicas use `sum(rate(frontrow_holds_total{outcome="success"}[5m])) / sum(rate(frontrow_holds_total[5m]))`.
 */
export function createBusinessMetrics(registry: Registry) {
  const holds = new Counter({
    name: 'frontrow_holds_total',
    help: 'Seat hold attempts (reservations) by outcome: success, or the error code (SEAT_UNAVAILABLE, ...)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const holdEnds = new Counter({
    name: 'frontrow_hold_ends_total',
    help: 'Holds that ended unpaid: expired (by its job or the sweeper), released (leftover seats) or cancelled',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const payments = new Counter({
    name: 'frontrow_payments_total',
    help: 'Payment attempts by outcome: success, or the error code (INSUFFICIENT_POINTS, RESERVATION_EXPIRED, ...)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const refunds = new Counter({
    name: 'frontrow_refunds_total',
    help: 'Paid reservations cancelled with their points refunded',
    registers: [registry],
  });

  /** success / all attempts of a counter, NaN before the first attempt (no data is not a 0% rate). */
  const ratio = async (counter: Counter<'outcome'>): Promise<number> => {
    let success = 0;
    let all = 0;
    for (const v of (await counter.get()).values) {
      all += v.value;
      if (v.labels.outcome === 'success') success += v.value;
    }
    return all === 0 ? Number.NaN : success / all;
  };
  new Gauge({
    name: 'frontrow_reservation_success_ratio',
    help: 'Share of hold attempts that got their seats, since this process started',
    registers: [registry],
    async collect() {
      this.set(await ratio(holds));
    },
  });
  new Gauge({
    name: 'frontrow_payment_success_ratio',
    help: 'Share of payment attempts that completed, since this process started',
    registers: [registry],
    async collect() {
      this.set(await ratio(payments));
    },
  });

  async function track<T>(counter: Counter<'outcome'>, run: () => Promise<T>): Promise<T> {
    try {
      const result = await run();
      counter.inc({ outcome: 'success' });
      return result;
    } catch (err) {
      counter.inc({ outcome: outcomeOf(err) });
      throw err;
    }
  }

  return {
    counters: { holds, holdEnds, payments, refunds },

    /** The booking service with its outcomes counted; same interface, same behaviour. */
    booking(booking: Booking): Booking {
      return {
        ...booking,
        hold: (input) => track(holds, () => booking.hold(input)),
        async cancel(userId, id, opts) {
          const reservation = await booking.cancel(userId, id, opts);
          holdEnds.inc({ reason: 'cancelled' });
          return reservation;
        },
        async expire(id) {
          const outcome = await booking.expire(id);
          if (outcome.state === 'expired' || outcome.state === 'released')
            holdEnds.inc({ reason: outcome.state });
          return outcome;
        },
        async sweep() {
          const swept = await booking.sweep();
          if (swept.expired > 0) holdEnds.inc({ reason: 'expired' }, swept.expired);
          if (swept.released > 0) holdEnds.inc({ reason: 'released' }, swept.released);
          return swept;
        },
      };
    },

    /** The payments feature with payments and refunds counted. */
    payments(feature: Payments): Payments {
      const service = feature.payments;
      return {
        ...feature,
        payments: {
          ...service,
          pay: (userId, reservationId, opts) =>
            track(payments, () => service.pay(userId, reservationId, opts)),
          async cancel(userId, id, opts) {
            const reservation = await service.cancel(userId, id, opts);
            if (reservation.status === 'REFUNDED') refunds.inc();
            return reservation;
          },
        },
      };
    },
  };
}
export type BusinessMetrics = ReturnType<typeof createBusinessMetrics>;
