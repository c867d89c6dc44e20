import type { AccessLookup } from './access.ts';
import type { Transport } from './http.ts';
import { newIdempotencyKey, seg } from './ids.ts';
import type {
  ChargeResult,
  CreateReservationRequest,
  LedgerPage,
  Payment,
  Points,
  Reservation,
  ReservationRequestState,
} from './protocol.ts';
import { type QueuedRequestOptions, queuedReservation } from './queued-request.ts';
import type { Realtime } from './realtime.ts';
import { type SeatWatchHandlers, watchSeats } from './seats-watch.ts';

/** Options of calls that need the concert access token; omitted, the client's remembered one is sent. */
export interface AccessOptions {
  accessToken?: string;
}
/** Options of writes that move money: a fresh Idempotency-Key is generated unless one is given. */
export interface IdempotentOptions {
  idempotencyKey?: string;
}

export function seatsApi(rt: Realtime, access: AccessLookup) {
  return {
    /**
     * Watches a schedule's seat map live: the full map first (and after every reconnection), then each change as
     * other fans hold, buy and release seats. Returns the unsubscribe function.
     *
     * @example
     * const stop = fr.seats.watch(scheduleId, accessToken, {
     *   onSnapshot: ({ seats }) => draw(seats),
     *   onChange: (changes, seats) => draw(seats),
     * });
     */
    watch: (scheduleId: number, accessToken: string | undefined, handlers: SeatWatchHandlers): (() => void) =>
      watchSeats(rt, scheduleId, access(accessToken) ?? '', handlers),
  };
}

export function reservationsApi(http: Transport, rt: Realtime, access: AccessLookup) {
  return {
    /**
     * Holds seats (all of them or none) for HOLD_MINUTES. Throws SEAT_UNAVAILABLE (`details.seatIds` are the
     * taken ones), SEAT_LIMIT_EXCEEDED, BOOKING_CLOSED.
     *
     * @example
     * const hold = await fr.reservations.hold({ scheduleId, seatIds: [101, 102] });
     * console.log(hold.reservationNumber, 'until', hold.expiresAt);
     */
    hold: (input: CreateReservationRequest, opts: AccessOptions = {}): Promise<Reservation> =>
      http.request('POST', '/api/v1/reservations', { body: input, accessToken: access(opts.accessToken) }),

    /**
     * The caller's reservations, newest first (user token only).
     *
     * @example
     * const paid = (await fr.reservations.list()).filter((r) => r.status === 'PAID');
     */
    list: (): Promise<Reservation[]> => http.request('GET', '/api/v1/reservations'),

    /**
     * One of the caller's reservations (someone else's is NOT_FOUND).
     *
     * @example
     * const r = await fr.reservations.get(reservationId);
     */
    get: (reservationId: number): Promise<Reservation> =>
      http.request('GET', `/api/v1/reservations/${seg(reservationId)}`),

    /**
     * Extends a live hold once (ALREADY_EXTENDED the second time, RESERVATION_EXPIRED once it ran out).
     *
     * @example
     * const longer = await fr.reservations.extend(hold.reservationId);
     */
    extend: (reservationId: number, opts: AccessOptions = {}): Promise<Reservation> =>
      http.request('POST', `/api/v1/reservations/${seg(reservationId)}/extend`, {
        accessToken: access(opts.accessToken),
      }),

    /**
     * Cancels a hold (CANCELLED, seats back on sale) or a paid reservation (REFUNDED, points back).
     *
     * @example
     * const refunded = await fr.reservations.cancel(reservationId);
     */
    cancel: (reservationId: number): Promise<Reservation> =>
      http.request('POST', `/api/v1/reservations/${seg(reservationId)}/cancel`),

    /**
     * The queued (v2) path: the request waits in a priority lane (VIP first) and a worker makes the hold. Resolves
     * with the reservation when the pushed verdict arrives (polling if the socket is down); throws the
     * hold's error (SEAT_UNAVAILABLE, ...) when it failed.
     *
     * @example
     * const hold = await fr.reservations.request({ scheduleId, seatIds: [7] }, {
     *   onProgress: (u) => console.log(u.status),
     * });
     */
    request: (input: CreateReservationRequest, opts: QueuedRequestOptions = {}): Promise<Reservation> =>
      queuedReservation(http, rt, input, { ...opts, accessToken: access(opts.accessToken) }),

    /**
     * The state of a queued request.
     *
     * @example
     * const { status } = await fr.reservations.requestStatus(requestId);
     */
    requestStatus: (requestId: string): Promise<ReservationRequestState> =>
      http.request('GET', `/api/v2/reservations/${seg(requestId)}`),

    /**
     * Cancels a queued request that is still PENDING (ALREADY_PROCESSING otherwise).
     *
     * @example
     * await fr.reservations.cancelRequest(requestId);
     */
    cancelRequest: (requestId: string): Promise<ReservationRequestState> =>
      http.request('DELETE', `/api/v2/reservations/${seg(requestId)}`),
  };
}

export function pointsApi(http: Transport) {
  return {
    /**
     * The caller's points balance.
     *
     * @example
     * const { balance } = await fr.points.balance();
     */
    balance: (): Promise<Points> => http.request('GET', '/api/v1/points'),

    /**
     * Adds points (a positive integer; CHARGE_LIMIT_EXCEEDED above the caps). Safe to retry: the same
     * Idempotency-Key is never charged twice.
     *
     * @example
     * const { balance } = await fr.points.charge(200_000);
     */
    charge: (amount: number, opts: IdempotentOptions = {}): Promise<ChargeResult> =>
      http.request('POST', '/api/v1/points/charge', {
        body: { amount },
        idempotencyKey: opts.idempotencyKey ?? newIdempotencyKey(),
      }),

    /**
     * The points ledger, newest first; pass `nextCursor` back for the next page.
     *
     * @example
     * const page = await fr.points.history({ limit: 20 });
     */
    history: (opts: { cursor?: string; limit?: number } = {}): Promise<LedgerPage> =>
      http.request('GET', '/api/v1/points/history', { query: opts }),
  };
}

export function paymentsApi(http: Transport, access: AccessLookup) {
  return {
    /**
     * Pays a held reservation with points. Throws INSUFFICIENT_POINTS, RESERVATION_EXPIRED, ALREADY_PAID.
     * Paying ends the booking session. Safe to retry with the same Idempotency-Key.
     *
     * @example
     * const payment = await fr.payments.pay(hold.reservationId);
     * console.log('ticket', payment.reservation.reservationNumber);
     */
    pay: (reservationId: number, opts: IdempotentOptions & AccessOptions = {}): Promise<Payment> =>
      http.request('POST', '/api/v1/payments', {
        body: { reservationId },
        accessToken: access(opts.accessToken),
        idempotencyKey: opts.idempotencyKey ?? newIdempotencyKey(),
      }),

    /**
     * The caller's payments.
     *
     * @example
     * const payments = await fr.payments.list();
     */
    list: (): Promise<Payment[]> => http.request('GET', '/api/v1/payments'),
  };
}
