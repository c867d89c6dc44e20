import { z } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { CreateReservationSchema } from '../booking/schemas.ts';
import { ScheduleQuerySchema } from '../catalog/schemas.ts';
import type { Services } from '../compose.ts';
import type { CompatDocument } from '../config/index.ts';
import type { AppContext, AppEnv } from '../http/context.ts';
import { currentUser, ok } from '../http/context.ts';
import { createRouter, IdParam } from '../http/router.ts';
import { UserIdField } from './seed001.ts';
import { holdNow, submitQueued } from './seed002.ts';
import {
  isQueueTicket,
  parseWith,
  queueTokenOf,
  requireQueueAccess,
  requireQueueTicket,
  requireSelf,
} from './shared.ts';
import { paymentView, reservationView, scheduleView } from './views.ts';

/**
 * The document endpoints whose method and path are also native routes. This router is mounted before the native
 * ones; each handler answers only a request that is recognisably the document's (a queue ticket in Queue-Token /
 * X-Queue-Token, or a field the native route does not take) and passes every other request on unchanged. They
 * are plain handlers: /openapi.json keeps the native operation of each path, and the document's tag describes
 * the variant (see `clashNotes`).
 */

const id = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

const ReservationBody = CreateReservationSchema.extend({ userId: UserIdField.optional() });

const PaymentBody = z.object({
  reservationId: id,
  paymentMethod: z.enum(['BALANCE', 'POINTS'], { error: 'paymentMethod must be BALANCE' }).optional(),
  userId: UserIdField.optional(),
});

const SeatParams = z.object({ concertId: IdParam, scheduleId: IdParam });

type Handle = (c: AppContext, body: Record<string, unknown>) => Promise<Response>;
type Applies = (c: AppContext, body: Record<string, unknown>) => boolean;

const hasTicket: Applies = (c) => isQueueTicket(queueTokenOf(c));
const hasField =
  (...names: string[]): Applies =>
  (c, body) =>
    hasTicket(c, body) || names.some((name) => name in body);

async function bodyOf(c: Context<AppEnv>): Promise<Record<string, unknown>> {
  if (c.req.method === 'GET' || !c.req.header('content-type')?.includes('json')) return {};
  const body = await c.req.json().catch(() => undefined);
  return body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
}

export function clashRoutes(s: Services, enabled: ReadonlySet<CompatDocument>) {
  const router = createRouter();
  const user = s.guards.user({ persist: true });

  // The native route of the same path spends the same bucket; a request is charged once, here or there.
  const booking = s.rateLimits.limit('booking');
  const unlimited: MiddlewareHandler<AppEnv> = (_c, next) => next();

  /**
   * Serves `path` for the document when `applies`, behind the native route's rate limit and the user guard;
   * anything else goes on to native.
   */
  const serve = (
    method: 'GET' | 'POST',
    path: string,
    limit: MiddlewareHandler<AppEnv>,
    applies: Applies,
    handle: Handle,
  ) =>
    router.on(method, path, limit, async (c, next) => {
      const body = await bodyOf(c);
      if (!applies(c, body)) return next();
      let response: Response | undefined;
      await user(c, async () => {
        response = await handle(c, body);
      });
      return response;
    });

  const seeds001or004 = enabled.has('seed001') || enabled.has('seed004');
  if (seeds001or004) {
    serve('GET', '/api/v1/concerts/:concertId/schedules', unlimited, hasTicket, async (c) => {
      const concertId = parseWith(IdParam, c.req.param('concertId'));
      const range = parseWith(ScheduleQuerySchema, c.req.query());
      requireQueueTicket(c, s, concertId);
      const schedules = await s.catalog.listSchedules(concertId, range);
      return c.json(ok(schedules.map(scheduleView)), 200);
    });

    serve(
      'GET',
      '/api/v1/concerts/:concertId/schedules/:scheduleId/seats',
      unlimited,
      hasTicket,
      async (c) => {
        const { concertId, scheduleId } = parseWith(SeatParams, c.req.param());
        await requireQueueAccess(c, s, concertId);
        const map = await s.booking.seatMap(concertId, scheduleId);
        const info = scheduleView(map.scheduleInfo);
        return c.json(
          ok({
            scheduleInfo: {
              scheduleId: info.scheduleId,
              concertTitle: info.concertTitle,
              performanceDate: info.performanceDate,
              performanceTime: info.performanceTime,
              venueName: info.venueName,
            },
            seats: map.seats.map((seat, i) => ({
              seatId: seat.seatId,
              seatNumber: i + 1,
              label: seat.label,
              price: seat.price,
              status: seat.status,
            })),
          }),
          200,
        );
      },
    );

    serve('POST', '/api/v1/payments', booking, hasField('userId', 'paymentMethod'), async (c, raw) => {
      const body = parseWith(PaymentBody, raw);
      requireSelf(c, body.userId);
      const userId = currentUser(c).id;
      const reservation = await s.booking.get(userId, body.reservationId);
      if (reservation.status === 'HELD') await requireQueueAccess(c, s, reservation.concertId);
      const payment = await s.payments.payments.pay(userId, body.reservationId);
      return c.json(ok(await paymentView(s, payment, reservation)), 201);
    });
  }

  if (enabled.has('seed002')) {
    // The document's bodies are snake_case; Frontrow's are camelCase, so the field names tell them apart.
    const documentBody: Applies = (_c, body) => 'event_id' in body || 'seat_ids' in body;
    serve('POST', '/api/v2/reservations', booking, documentBody, (c, raw) => submitQueued(c, s, raw));
    serve('POST', '/api/v1/reservations', booking, documentBody, (c, raw) => holdNow(c, s, raw));
  }

  if (enabled.has('seed001')) {
    serve('POST', '/api/v1/reservations', booking, hasField('userId'), async (c, raw) => {
      const body = parseWith(ReservationBody, raw);
      requireSelf(c, body.userId);
      const { concertId } = await s.booking.scheduleOf(body.scheduleId);
      await requireQueueAccess(c, s, concertId);
      const held = await s.booking.hold({
        userId: currentUser(c).id,
        scheduleId: body.scheduleId,
        seatIds: body.seatIds,
      });
      return c.json(ok(await reservationView(s, held, 'seed001')), 201);
    });
  }

  if (enabled.has('seed004')) {
    // The native routes serve the document's shapes; the document adds a userId, which must be the caller.
    const selfThenNative = (
      method: 'GET' | 'POST',
      path: string,
      limit: MiddlewareHandler<AppEnv>,
      from: 'query' | 'body',
    ) =>
      router.on(method, path, limit, async (c, next) => {
        const userId = from === 'query' ? c.req.query('userId') : (await bodyOf(c)).userId;
        if (userId !== undefined) await user(c, async () => requireSelf(c, userId));
        return next();
      });
    selfThenNative('GET', '/api/v1/points', unlimited, 'query');
    selfThenNative('POST', '/api/v1/points/charge', booking, 'body');
  }

  return router;
}

/** Tag descriptions in /openapi.json for the document endpoints served by `clashRoutes`. */
export const clashNotes: Record<CompatDocument, string> = {
  seed000: '',
  seed001:
    'Also served on native paths, for a request carrying a queue ticket (Queue-Token or X-Queue-Token from ' +
    'POST /api/v1/queue/tokens) or the document’s fields: GET /api/v1/concerts/{concertId}/schedules ' +
    '(venueId null, performanceTime HH:mm:ss); GET /api/v1/concerts/{concertId}/schedules/{scheduleId}/seats ' +
    '(seatNumber: the seat’s place in the schedule); POST /api/v1/reservations with userId (status RESERVED; ' +
    '409 SEAT_UNAVAILABLE, 422 SEAT_LIMIT_EXCEEDED); POST /api/v1/payments with paymentMethod BALANCE or userId ' +
    '(402 INSUFFICIENT_POINTS, 409 ALREADY_PAID / RESERVATION_EXPIRED). A userId that is not the caller is 403.',
  seed002:
    'Also served on native paths, for the document’s body (event_id, seat_ids): POST /api/v2/reservations ' +
    '(as POST /v2/reservations) and POST /api/v1/reservations (the v1 hold, 201 with the reservation in the ' +
    'document’s snake_case).',
  seed004:
    'Also served on native paths: the schedules, seats and payment routes of seed 001 (a queue ticket from ' +
    'POST /api/v1/queue/token in X-Queue-Token); GET /api/v1/points?userId= and POST /api/v1/points/charge ' +
    'with userId in the body are the native routes with that userId checked against the caller (403).',
};
