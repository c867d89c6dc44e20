import { z } from '@hono/zod-openapi';
import type { Services } from '../compose.ts';
import { currentUser, ok } from '../http/context.ts';
import { AppError } from '../http/errors.ts';
import { declareRoute } from '../http/presets.ts';
import { createRouter, errorResponses, IdParam, jsonBody, jsonResponse } from '../http/router.ts';
import { UserIdField } from './seed001.ts';
import {
  isQueueTicket,
  mapsTo,
  minutesOf,
  queueTicket,
  queueTokenOf,
  requireQueueAccess,
  requireSelf,
  SeatIdsField,
  ticketConcert,
  tokenState,
} from './shared.ts';
import { ReservationViewSchema, reservationView } from './views.ts';

/**
 * Seed 004, the concert reservation README: the token queue (issue, status), the 5-minute hold under a concert,
 * and its points routes. The document names its endpoints without their shapes; the shapes here follow seed 001's
 * where it gives them. Its schedules, seats, payment and points share native paths (compat/clashes.ts).
 */
export const SEED004_TAG = 'compat: seed 004 (concert reservation README)';

const id = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

const TokenRequest = z
  .object({ concertId: id, userId: UserIdField.optional() })
  .openapi('Seed004TokenRequest');

const TokenView = z
  .object({
    token: z.string().openapi({ description: 'Send as X-Queue-Token (or Queue-Token)' }),
    userId: z.string(),
    concertId: z.number().int(),
    status: z.enum(['WAITING', 'ACTIVE', 'EXPIRED']),
    queuePosition: z.number().int().nullable(),
    estimatedWaitTimeMinutes: z.number().int().nullable(),
  })
  .openapi('Seed004QueueToken');

const HoldBody = z
  .object({
    scheduleId: id,
    seatId: id.optional(),
    seatIds: SeatIdsField.optional(),
    userId: UserIdField.optional(),
  })
  .refine(
    (b) => (b.seatId === undefined) !== (b.seatIds === undefined),
    'name seatId or seatIds (one of them)',
  )
  .openapi('Seed004ReservationRequest');

const ConcertParam = z.object({
  concertId: IdParam.openapi({ param: { name: 'concertId', in: 'path' } }),
});

export function seed004Routes(s: Services) {
  const tags = [SEED004_TAG];
  const ticketFor = (userId: string, concertId: number) =>
    queueTicket(s.config.accessTokenSecret, userId, concertId);

  const issue = declareRoute(s.routes.fan({ limit: 'queue' }), {
    method: 'post',
    path: '/api/v1/queue/token',
    tags,
    summary: 'Join the waiting room of a concert and get a queue token',
    description: mapsTo(
      'POST /api/v1/concerts/{concertId}/queue',
      'needs the user token; asking again returns the same token (200) with the current state.',
    ),
    request: { body: jsonBody(TokenRequest) },
    responses: {
      201: jsonResponse(TokenView, 'Queued'),
      200: jsonResponse(TokenView, 'Already queued: the same token'),
      ...errorResponses(400, 401, 403, 404, 409, 503),
    },
  });

  // The queue token names the concert; the handler checks it.
  const status = declareRoute(s.routes.access({ limit: 'queue', verify: 'handler' }), {
    method: 'get',
    path: '/api/v1/queue/status',
    tags,
    summary: 'My place in the queue, for the queue token in X-Queue-Token',
    description: mapsTo(
      'GET /api/v1/concerts/{concertId}/queue/me (the concert of the token)',
      'ACTIVE means admitted (READY or ENTERED); the booking routes take the same token from then on.',
    ),
    responses: { 200: jsonResponse(TokenView, 'Status'), ...errorResponses(401, 404) },
  });

  const hold = declareRoute(s.routes.access({ persist: true, limit: 'booking', verify: 'handler' }), {
    method: 'post',
    path: '/api/v1/concerts/{concertId}/reservations',
    tags,
    summary: 'Hold seats of a schedule for HOLD_MINUTES (status TEMPORARY)',
    description: mapsTo(
      'POST /api/v1/reservations',
      'the concert is in the path and must be the schedule’s (404 otherwise); seatId or seatIds.',
    ),
    request: { params: ConcertParam, body: jsonBody(HoldBody) },
    responses: {
      201: jsonResponse(ReservationViewSchema, 'Held'),
      ...errorResponses(400, 401, 403, 404, 409, 422),
    },
  });

  return createRouter()
    .openapi(issue, async (c) => {
      const body = c.req.valid('json');
      requireSelf(c, body.userId);
      const caller = currentUser(c);
      const entered = await s.waitingRoom.enter(body.concertId, { id: caller.id, tier: caller.tier });
      const view = {
        token: ticketFor(caller.id, body.concertId),
        userId: caller.id,
        concertId: body.concertId,
        status: tokenState(entered.status.status),
        queuePosition: entered.status.position,
        estimatedWaitTimeMinutes: minutesOf(entered.status.estimatedWaitSeconds),
      };
      return entered.created ? c.json(ok(view), 201) : c.json(ok(view), 200);
    })
    .openapi(status, async (c) => {
      const userId = currentUser(c).id;
      const token = queueTokenOf(c);
      if (!isQueueTicket(token)) {
        throw new AppError('UNAUTHENTICATED', 'X-Queue-Token with a queue token is required');
      }
      const concertId = ticketConcert(s.config.accessTokenSecret, userId, token);
      const current = await s.waitingRoom.status(concertId, userId);
      return c.json(
        ok({
          token,
          userId,
          concertId,
          status: tokenState(current.status),
          queuePosition: current.position,
          estimatedWaitTimeMinutes: minutesOf(current.estimatedWaitSeconds),
        }),
        200,
      );
    })
    .openapi(hold, async (c) => {
      const { concertId } = c.req.valid('param');
      const body = c.req.valid('json');
      requireSelf(c, body.userId);
      const schedule = await s.booking.scheduleOf(body.scheduleId);
      if (schedule.concertId !== concertId) {
        throw new AppError('NOT_FOUND', 'Schedule not found in this concert', {
          concertId,
          scheduleId: body.scheduleId,
        });
      }
      await requireQueueAccess(c, s, concertId);
      const held = await s.booking.hold({
        userId: currentUser(c).id,
        scheduleId: body.scheduleId,
        seatIds: body.seatIds ?? (body.seatId ? [body.seatId] : []),
      });
      return c.json(ok(await reservationView(s, held, 'seed004')), 201);
    });
}
