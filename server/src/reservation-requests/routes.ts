import { currentAccess, requireConcert } from '../access/middleware.ts';
import { CreateReservationSchema } from '../booking/schemas.ts';
import { currentUser, ok } from '../http/context.ts';
import { declareRoute, type RoutePresets } from '../http/presets.ts';
import { createRouter, errorResponses, jsonBody, jsonResponse } from '../http/router.ts';
import {
  QueueHealthSchema,
  QueueStatsSchema,
  RequestAcceptedSchema,
  RequestParams,
  RequestStateSchema,
  StatsParams,
} from './schemas.ts';
import type { ReservationRequests } from './service.ts';

export interface RequestRouteDeps {
  requests: ReservationRequests;
  routes: RoutePresets;
  /** 404 for an unknown concert (the catalog). */
  findConcert(concertId: number): Promise<unknown>;
}

const tags = ['queued reservations'];

export function reservationRequestRoutes(deps: RequestRouteDeps) {
  const { requests, routes } = deps;
  const fan = routes.fan();

  const submit = declareRoute(routes.access({ persist: true, limit: 'booking' }), {
    method: 'post',
    path: '/api/v2/reservations',
    tags,
    summary: 'Queue a seat request; a worker decides it in order, VIP lane first',
    description:
      'Needs the access token of the schedule’s concert, like a v1 hold. The lane is the user token’s tier; the ' +
      'body cannot choose it. Requests of a concert are decided one at a time, VIP lane first and in arrival ' +
      'order inside a lane, with the same hold as POST /api/v1/reservations (all seats or none, MAX_SEATS_PER_USER). ' +
      'The outcome is pushed as `reservation:update` and kept for an hour (GET /api/v2/reservations/{requestId}). ' +
      'At most 3 PENDING requests per fan and concert (429 RATE_LIMITED beyond).',
    request: { body: jsonBody(CreateReservationSchema) },
    responses: {
      202: jsonResponse(RequestAcceptedSchema, 'Queued'),
      ...errorResponses(400, 404, 503),
    },
  });

  const get = declareRoute(fan, {
    method: 'get',
    path: '/api/v2/reservations/{requestId}',
    tags,
    summary: 'One of my queued requests (someone else’s is a 404)',
    description:
      'Kept for an hour after its decision; an unknown or expired request is a 404. `result` is the hold as it ' +
      'was made; what became of it since (paid, expired) is GET /api/v1/reservations/{id}.',
    request: { params: RequestParams },
    responses: { 200: jsonResponse(RequestStateSchema, 'The request'), ...errorResponses(400, 404) },
  });

  const cancel = declareRoute(fan, {
    method: 'delete',
    path: '/api/v2/reservations/{requestId}',
    tags,
    summary: 'Cancel a PENDING request',
    description:
      '409 ALREADY_PROCESSING once a worker has taken it (PROCESSING) or decided it; cancelling a cancelled ' +
      'request again answers the same state. A completed request’s hold is cancelled with ' +
      'POST /api/v1/reservations/{id}/cancel.',
    request: { params: RequestParams },
    responses: {
      200: jsonResponse(RequestStateSchema, 'The cancelled request'),
      ...errorResponses(400, 404, 409),
    },
  });

  const stats = declareRoute(fan, {
    method: 'get',
    path: '/api/v2/queue/stats/{concertId}',
    tags,
    summary: 'The queued-request queue of a concert: pending per lane, decisions, wait, throughput',
    request: { params: StatsParams },
    responses: { 200: jsonResponse(QueueStatsSchema, 'Queue statistics'), ...errorResponses(400, 404) },
  });

  const health = declareRoute(routes.public(), {
    method: 'get',
    path: '/api/v2/queue/health',
    tags,
    summary: 'Are queued requests being decided? Workers alive, Redis reachable, oldest pending age',
    description:
      'Public, like /health. Always 200: `status` is `degraded` when Redis does not answer, or when requests ' +
      'are pending and no worker process has beaten in the last 5 s.',
    responses: { 200: jsonResponse(QueueHealthSchema, 'Health of the request workers') },
  });

  return createRouter()
    .openapi(submit, async (c) => {
      const body = c.req.valid('json');
      const concertId = await requests.concertOf(body.scheduleId);
      const access = currentAccess(c);
      requireConcert(access, concertId);
      const user = currentUser(c);
      const accepted = await requests.submit({
        userId: user.id,
        lane: user.tier,
        concertId,
        ...body,
        jti: access.jti,
      });
      return c.json(ok(accepted), 202);
    })
    .openapi(get, async (c) =>
      c.json(ok(await requests.get(currentUser(c).id, c.req.valid('param').requestId)), 200),
    )
    .openapi(cancel, async (c) =>
      c.json(ok(await requests.cancel(currentUser(c).id, c.req.valid('param').requestId)), 200),
    )
    .openapi(stats, async (c) => {
      const { concertId } = c.req.valid('param');
      await deps.findConcert(concertId);
      return c.json(ok(await requests.stats(concertId)), 200);
    })
    .openapi(health, async (c) => c.json(ok(await requests.health()), 200));
}
