import type { Reservation } from '@frontrow/client/protocol';
import { z } from '@hono/zod-openapi';
import { currentAccess, requireConcert } from '../access/middleware.ts';
import type { TxRun } from '../db/tx.ts';
import { currentUser, ok, sendRecorded } from '../http/context.ts';
import { declareRoute, type RoutePresets } from '../http/presets.ts';
import { createRouter, errorResponses, jsonBody, jsonResponse } from '../http/router.ts';
import { type Idempotency, withIdempotency } from '../payments/idempotency.ts';
import { IdempotencyHeaders } from '../payments/schemas.ts';
import {
  CreateReservationSchema,
  ReservationParams,
  ReservationSchema,
  SeatMapParams,
  SeatMapSchema,
} from './schemas.ts';
import type { Booking } from './service.ts';

export interface BookingRouteDeps {
  booking: Booking;
  routes: RoutePresets;
  /** Cancels any reservation of the caller; payments plugs in refunds of paid ones. Defaults to holds only. */
  cancel?: (userId: string, id: number, opts: { run?: TxRun }) => Promise<Reservation>;
  /** The Idempotency-Key store (payments); without it the header is validated and ignored. */
  idempotency?: Idempotency;
}

const booking = ['booking'];

export function bookingRoutes(deps: BookingRouteDeps) {
  const { routes } = deps;
  const svc = deps.booking;
  const cancel = deps.cancel ?? ((userId: string, id: number) => svc.cancel(userId, id));

  const seatMap = declareRoute(routes.access(), {
    method: 'get',
    path: '/api/v1/concerts/{concertId}/schedules/{scheduleId}/seats',
    tags: booking,
    summary: 'Seat map of a schedule (access token of the concert)',
    description:
      'A hold whose time has passed reads as AVAILABLE at once. Cached for at most 0.5 s per process.',
    request: { params: SeatMapParams },
    responses: { 200: jsonResponse(SeatMapSchema, 'The seat map'), ...errorResponses(400, 404) },
  });

  const create = declareRoute(routes.access({ persist: true, limit: 'booking' }), {
    method: 'post',
    path: '/api/v1/reservations',
    tags: booking,
    summary: 'Hold seats: all of them or none',
    description:
      'Holds the seats for HOLD_MINUTES. 409 SEAT_UNAVAILABLE names the taken seats in `details.seatIds`; ' +
      '422 SEAT_LIMIT_EXCEEDED above MAX_SEATS_PER_USER held or bought per schedule; 409 BOOKING_CLOSED outside ' +
      'the schedule booking window.',
    request: { body: jsonBody(CreateReservationSchema) },
    responses: {
      201: jsonResponse(ReservationSchema, 'The hold'),
      ...errorResponses(400, 404, 409, 422),
    },
  });

  const list = declareRoute(routes.fan({ limit: 'booking' }), {
    method: 'get',
    path: '/api/v1/reservations',
    tags: booking,
    summary: 'My reservations, newest first',
    description: 'Needs only the user token, so a fan whose booking session ended (paid) still sees them.',
    responses: { 200: jsonResponse(z.array(ReservationSchema), 'Reservations') },
  });

  const get = declareRoute(routes.fan(), {
    method: 'get',
    path: '/api/v1/reservations/{id}',
    tags: booking,
    summary: 'One of my reservations (someone else’s is a 404)',
    request: { params: ReservationParams },
    responses: { 200: jsonResponse(ReservationSchema, 'The reservation'), ...errorResponses(400, 404) },
  });

  const extend = declareRoute(routes.access({ persist: true }), {
    method: 'post',
    path: '/api/v1/reservations/{id}/extend',
    tags: booking,
    summary: 'Extend a live hold once, by HOLD_MINUTES',
    description: '409 ALREADY_EXTENDED the second time; 409 RESERVATION_EXPIRED once the hold is over.',
    request: { params: ReservationParams },
    responses: {
      200: jsonResponse(ReservationSchema, 'The extended hold'),
      ...errorResponses(400, 404, 409),
    },
  });

  const cancelRoute = declareRoute(routes.fan({ persist: true }), {
    method: 'post',
    path: '/api/v1/reservations/{id}/cancel',
    tags: booking,
    summary: 'Cancel a hold (CANCELLED) or a paid reservation (REFUNDED)',
    description:
      'Needs only the user token: the booking session ends when a reservation is paid, and a refund comes later. ' +
      '409 REFUND_WINDOW_CLOSED for a paid reservation from REFUND_UNTIL_HOURS_BEFORE_SHOW before its show on.',
    request: { params: ReservationParams, headers: IdempotencyHeaders },
    responses: {
      200: jsonResponse(ReservationSchema, 'The reservation, closed'),
      ...errorResponses(400, 404, 409, 422),
    },
  });

  return createRouter()
    .openapi(seatMap, async (c) => {
      const { concertId, scheduleId } = c.req.valid('param');
      requireConcert(currentAccess(c), concertId);
      return c.json(ok(await svc.seatMap(concertId, scheduleId)), 200);
    })
    .openapi(create, async (c) => {
      const body = c.req.valid('json');
      const schedule = await svc.scheduleOf(body.scheduleId);
      requireConcert(currentAccess(c), schedule.concertId);
      const reservation = await svc.hold({ userId: currentUser(c).id, ...body });
      return c.json(ok(reservation), 201);
    })
    .openapi(list, async (c) => c.json(ok(await svc.list(currentUser(c).id)), 200))
    .openapi(get, async (c) => c.json(ok(await svc.get(currentUser(c).id, c.req.valid('param').id)), 200))
    .openapi(extend, async (c) => {
      const userId = currentUser(c).id;
      const { id } = c.req.valid('param');
      requireConcert(currentAccess(c), (await svc.get(userId, id)).concertId);
      return c.json(ok(await svc.extend(userId, id)), 200);
    })
    .openapi(cancelRoute, async (c) => {
      const userId = currentUser(c).id;
      const { id } = c.req.valid('param');
      const key = c.req.valid('header')['idempotency-key'];
      const request = { userId, key, method: c.req.method, path: c.req.path, body: null };
      const response = await withIdempotency(deps.idempotency, request, {
        status: 200,
        write: (opts) => cancel(userId, id, opts),
      });
      return sendRecorded(c, response);
    });
}
