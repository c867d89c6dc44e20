import type { Payment, Reservation, ReservationRequestState } from '@frontrow/client/protocol';
import { z } from '@hono/zod-openapi';
import type { Services } from '../compose.ts';
import type { AppContext } from '../http/context.ts';
import { currentUser } from '../http/context.ts';
import { AppError, notFound } from '../http/errors.ts';
import { declareRoute } from '../http/presets.ts';
import { createRouter, errorResponses, IdParam } from '../http/router.ts';
import { mapsTo, parseWith, requireQueueAccess, requireSelf, SeatIdsField } from './shared.ts';

/**
 * Seed 002, the lock and queue ticketing API: its v2 queued reservations (202 with request_id, polled by id) and
 * its v1 bookings, which pay a hold with points. Its responses are bare JSON objects with snake_case fields, as
 * the document's FastAPI server answers; errors keep Frontrow's envelope.
 */
export const SEED002_TAG = 'compat: seed 002 (lock and queue ticketing)';

const id = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

const QueuedBody = z
  .object({
    event_id: id.openapi({ description: 'The concert' }),
    seat_ids: SeatIdsField,
    schedule_id: id
      .optional()
      .openapi({ description: 'Not in the document: needed when the event has several' }),
    user_id: z.union([z.string().min(1).max(64), z.number().int()]).optional(),
    priority: z
      .enum(['high', 'normal', 'low'])
      .optional()
      .openapi({ description: 'Ignored: the lane comes from the user token’s tier' }),
  })
  .openapi('Seed002ReservationRequest');

const Accepted = z
  .object({ request_id: z.string(), status: z.literal('pending'), position: z.number().int() })
  .openapi('Seed002Accepted');

const RequestView = z
  .object({
    request_id: z.string(),
    status: z.enum(['pending', 'processing', 'completed', 'failed', 'cancelled']),
    event_id: z.number().int(),
    schedule_id: z.number().int(),
    seat_ids: z.array(z.number().int()),
    result: z
      .object({
        reservation_id: z.number().int(),
        reservation_number: z.string(),
        total_amount: z.number().int(),
        expires_at: z.string(),
      })
      .nullable(),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
  })
  .openapi('Seed002RequestState');

const BookingBody = z
  .object({ reservation_id: id, user_id: z.union([z.string().min(1).max(64), z.number().int()]).optional() })
  .openapi('Seed002BookingRequest');

const BookingView = z
  .object({
    id: z.number().int(),
    booking_reference: z.string(),
    reservation_id: z.number().int(),
    user_id: z.string(),
    status: z.enum(['CONFIRMED', 'CANCELLED']),
    total_amount: z.number().int(),
    created_at: z.string(),
  })
  .openapi('Seed002Booking');

const RequestParam = z.object({
  request_id: z
    .uuid({ error: 'must be a request id' })
    .openapi({ param: { name: 'request_id', in: 'path' } }),
});

const bare = <T extends z.ZodType>(schema: T, description: string) => ({
  content: { 'application/json': { schema } },
  description,
});

/**
 * The schedule of the document's request: the event is the concert; its schedule is the one named, or the only
 * one. The caller's userId and booking session of that concert are checked, as on the native routes.
 */
async function documentRequest(c: AppContext, s: Services, raw: unknown) {
  const body = parseWith(QueuedBody, raw);
  requireSelf(c, body.user_id);
  const concertId = body.event_id;
  let scheduleId = body.schedule_id;
  if (scheduleId === undefined) {
    const schedules = await s.catalog.listSchedules(concertId);
    if (schedules.length !== 1) {
      throw new AppError('VALIDATION_ERROR', 'schedule_id is required: this event has several schedules', {
        scheduleIds: schedules.map((x) => x.scheduleId),
      });
    }
    scheduleId = schedules[0]?.scheduleId ?? 0;
  } else if ((await s.booking.scheduleOf(scheduleId)).concertId !== concertId) {
    throw new AppError('VALIDATION_ERROR', 'schedule_id is not a schedule of event_id', { scheduleId });
  }
  const access = await requireQueueAccess(c, s, concertId);
  return { user: currentUser(c), concertId, scheduleId, seatIds: body.seat_ids, jti: access.jti };
}

/** v2: queues the request; a worker decides it in order (the lane is the token's tier, never `priority`). */
export async function submitQueued(c: AppContext, s: Services, raw: unknown): Promise<Response> {
  const { user, concertId, scheduleId, seatIds, jti } = await documentRequest(c, s, raw);
  const accepted = await s.reservationRequests.submit({
    userId: user.id,
    lane: user.tier,
    concertId,
    scheduleId,
    seatIds,
    jti,
  });
  return c.json(
    { request_id: accepted.requestId, status: 'pending' as const, position: accepted.position },
    202,
  );
}

/** v1: holds the seats at once (all or none), as POST /api/v1/reservations does. */
export async function holdNow(c: AppContext, s: Services, raw: unknown): Promise<Response> {
  const { user, scheduleId, seatIds } = await documentRequest(c, s, raw);
  const held = await s.booking.hold({ userId: user.id, scheduleId, seatIds });
  return c.json(reservationSnake(held), 201);
}

const reservationSnake = (r: Reservation) => ({
  id: r.reservationId,
  reservation_number: r.reservationNumber,
  event_id: r.concertId,
  schedule_id: r.scheduleId,
  user_id: r.userId,
  seat_ids: r.seats.map((seat) => seat.seatId),
  total_amount: r.totalAmount,
  status: r.status,
  created_at: r.reservedAt,
  expires_at: r.expiresAt,
});

type RequestStatusWord = z.infer<typeof RequestView>['status'];

/** The hold a completed request made, in the document's words. */
export function resultView(result: Reservation | undefined): z.infer<typeof RequestView>['result'] {
  return result
    ? {
        reservation_id: result.reservationId,
        reservation_number: result.reservationNumber,
        total_amount: result.totalAmount,
        expires_at: result.expiresAt,
      }
    : null;
}

export const statusWord = (status: ReservationRequestState['status']) =>
  status.toLowerCase() as RequestStatusWord;

function requestView(r: ReservationRequestState): z.infer<typeof RequestView> {
  return {
    request_id: r.requestId,
    status: statusWord(r.status),
    event_id: r.concertId,
    schedule_id: r.scheduleId,
    seat_ids: r.seatIds,
    result: resultView(r.result),
    error: r.error ? { code: r.error.code, message: r.error.message } : null,
  };
}

const bookingView = (p: Payment): z.infer<typeof BookingView> => ({
  id: p.paymentId,
  booking_reference: p.reservation.reservationNumber,
  reservation_id: p.reservationId,
  user_id: p.userId,
  status: p.status === 'COMPLETED' ? 'CONFIRMED' : 'CANCELLED',
  total_amount: p.amount,
  created_at: p.paidAt,
});

export function seed002Routes(s: Services) {
  const tags = [SEED002_TAG];
  // The access token (or the document's queue ticket) is checked by the handler.
  const writer = s.routes.access({ persist: true, limit: 'booking', verify: 'handler' });
  const reader = s.routes.fan();

  const submit = declareRoute(writer, {
    method: 'post',
    path: '/v2/reservations',
    tags,
    summary: 'Queue a seat request (202 with request_id)',
    description: mapsTo(
      'POST /api/v2/reservations',
      'needs the user token and the concert’s access token (X-Queue-Token), where the document has only ' +
        'X-User-ID; `priority` is ignored (the lane is the token’s tier); `schedule_id` names the schedule ' +
        'when the event has several. The outcome is also pushed as the Socket.IO event `reservation:update`.',
    ),
    request: { body: { required: true, content: { 'application/json': { schema: QueuedBody } } } },
    responses: { 202: bare(Accepted, 'Queued'), ...errorResponses(400, 401, 403, 404, 429, 503) },
  });

  const get = declareRoute(reader, {
    method: 'get',
    path: '/v2/reservations/{request_id}',
    tags,
    summary: 'The state of one of my queued requests',
    description: mapsTo('GET /api/v2/reservations/{requestId}', 'statuses in lower case, as the document’s.'),
    request: { params: RequestParam },
    responses: { 200: bare(RequestView, 'The request'), ...errorResponses(400, 401, 404) },
  });

  const cancel = declareRoute(reader, {
    method: 'delete',
    path: '/v2/reservations/{request_id}',
    tags,
    summary: 'Cancel a pending request',
    description: mapsTo('DELETE /api/v2/reservations/{requestId}'),
    request: { params: RequestParam },
    responses: { 200: bare(RequestView, 'Cancelled'), ...errorResponses(400, 401, 404, 409) },
  });

  const book = (path: string) =>
    declareRoute(writer, {
      method: 'post',
      path,
      tags,
      summary: 'Book a held reservation: pays it with points (CONFIRMED)',
      description: mapsTo(
        'POST /api/v1/payments',
        'creating the booking and confirming its payment are one step: the booking is CONFIRMED at once ' +
          '(402 INSUFFICIENT_POINTS when the balance is short, 409 ALREADY_PAID the second time).',
      ),
      request: { body: { required: true, content: { 'application/json': { schema: BookingBody } } } },
      responses: { 201: bare(BookingView, 'Booked'), ...errorResponses(400, 401, 402, 403, 404, 409) },
    });

  const bookings = declareRoute(reader, {
    method: 'get',
    path: '/api/v1/bookings',
    tags,
    summary: 'My bookings, newest first',
    description: mapsTo('GET /api/v1/payments'),
    responses: { 200: bare(z.array(BookingView), 'Bookings'), ...errorResponses(401) },
  });

  const BookingParam = z.object({
    id: IdParam.openapi({ param: { name: 'id', in: 'path' } }),
  });
  const RefParam = z.object({
    ref: z
      .string()
      .min(1)
      .max(64)
      .openapi({ param: { name: 'ref', in: 'path' } }),
  });
  const oneBooking = (path: string, method: 'get' | 'post', summary: string, native: string, note?: string) =>
    declareRoute(method === 'get' ? reader : s.routes.fan({ persist: true, limit: 'booking' }), {
      method,
      path,
      tags,
      summary,
      description: mapsTo(native, note),
      request: { params: path.includes('{ref}') ? RefParam : BookingParam },
      responses: { 200: bare(BookingView, 'The booking'), ...errorResponses(400, 401, 404, 409) },
    });
  const byId = oneBooking('/api/v1/bookings/{id}', 'get', 'One of my bookings', 'GET /api/v1/payments');
  const byRef = oneBooking(
    '/api/v1/bookings/reference/{ref}',
    'get',
    'One of my bookings by its reference (the reservation number)',
    'GET /api/v1/payments',
  );
  const confirm = oneBooking(
    '/api/v1/bookings/{id}/confirm-payment',
    'post',
    'Confirm the payment of a booking',
    'POST /api/v1/payments',
    'a booking is paid when it is made, so this answers the booking as it is (CONFIRMED).',
  );
  const cancelBooking = oneBooking(
    '/api/v1/bookings/{id}/cancel',
    'post',
    'Cancel a booking: its points are refunded and its seats freed',
    'POST /api/v1/reservations/{id}/cancel of its reservation',
  );

  /** The caller's booking (payment) by id or reference; someone else's is a 404 like the native routes. */
  const findBooking = async (userId: string, match: (p: Payment) => boolean) => {
    const found = (await s.payments.payments.list(userId)).find(match);
    if (!found) throw notFound('Booking');
    return found;
  };

  const bookHandler = async (c: AppContext, body: z.infer<typeof BookingBody>) => {
    requireSelf(c, body.user_id);
    const userId = currentUser(c).id;
    const reservation = await s.booking.get(userId, body.reservation_id);
    if (reservation.status === 'HELD') await requireQueueAccess(c, s, reservation.concertId);
    const payment = await s.payments.payments.pay(userId, body.reservation_id);
    return c.json(bookingView(payment), 201);
  };

  return createRouter()
    .openapi(submit, async (c) => submitQueued(c, s, c.req.valid('json')) as never)
    .openapi(get, async (c) => {
      const state = await s.reservationRequests.get(currentUser(c).id, c.req.valid('param').request_id);
      return c.json(requestView(state), 200);
    })
    .openapi(cancel, async (c) => {
      const state = await s.reservationRequests.cancel(currentUser(c).id, c.req.valid('param').request_id);
      return c.json(requestView(state), 200);
    })
    .openapi(book('/v1/bookings'), async (c) => bookHandler(c, c.req.valid('json')))
    .openapi(book('/api/v1/bookings'), async (c) => bookHandler(c, c.req.valid('json')))
    .openapi(byId, async (c) => {
      const id = Number(c.req.param('id'));
      return c.json(bookingView(await findBooking(currentUser(c).id, (p) => p.paymentId === id)), 200);
    })
    .openapi(byRef, async (c) => {
      const ref = c.req.param('ref');
      const found = await findBooking(currentUser(c).id, (p) => p.reservation.reservationNumber === ref);
      return c.json(bookingView(found), 200);
    })
    .openapi(confirm, async (c) => {
      const id = Number(c.req.param('id'));
      return c.json(bookingView(await findBooking(currentUser(c).id, (p) => p.paymentId === id)), 200);
    })
    .openapi(cancelBooking, async (c) => {
      const userId = currentUser(c).id;
      const id = Number(c.req.param('id'));
      const booking = await findBooking(userId, (p) => p.paymentId === id);
      await s.payments.payments.cancel(userId, booking.reservationId);
      return c.json(bookingView(await findBooking(userId, (p) => p.paymentId === id)), 200);
    })
    .openapi(bookings, async (c) =>
      c.json((await s.payments.payments.list(currentUser(c).id)).map(bookingView), 200),
    );
}
