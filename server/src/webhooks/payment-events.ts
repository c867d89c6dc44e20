import type { Logger } from '../logging/logger.ts';
import type { Payments } from '../payments/service.ts';
import type { Webhooks } from './service.ts';

/**
 * The payments feature with `reservation.paid` and `reservation.refunded` sent to webhooks once the payment or
 * refund is committed. Queuing runs off the caller's path; a failure to queue is logged, never the caller's.
 */
export function withPaymentWebhooks(feature: Payments, webhooks: Webhooks, logger: Logger): Payments {
  const service = feature.payments;
  const send = (type: 'reservation.paid' | 'reservation.refunded', data: Record<string, unknown>) =>
    void webhooks.emit(type, data).catch((err) => logger.warn({ err, type }, 'webhook not queued'));
  return {
    ...feature,
    payments: {
      ...service,
      async pay(userId, reservationId, opts) {
        const payment = await service.pay(userId, reservationId, opts);
        send('reservation.paid', {
          reservationId: payment.reservationId,
          reservationNumber: payment.reservation.reservationNumber,
          userId: payment.userId,
          amount: payment.amount,
          paidAt: payment.paidAt,
        });
        return payment;
      },
      async cancel(userId, id, opts) {
        const reservation = await service.cancel(userId, id, opts);
        if (reservation.status === 'REFUNDED')
          send('reservation.refunded', {
            reservationId: reservation.reservationId,
            reservationNumber: reservation.reservationNumber,
            concertId: reservation.concertId,
            userId: reservation.userId,
            amount: reservation.totalAmount,
          });
        return reservation;
      },
    },
  };
}
