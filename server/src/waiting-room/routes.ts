import type { EnterRequest } from '@frontrow/client/protocol';
import { INVALID_CODE_PENALTY } from '../access-codes/routes.ts';
import { currentUser, ok } from '../http/context.ts';
import { declareRoute, type RoutePresets } from '../http/presets.ts';
import { createRouter, errorResponses, jsonResponse } from '../http/router.ts';
import type { ProofCheck } from '../pow/service.ts';
import { AccessTokenGrantSchema, ConcertParams, EnterSchema, QueueStatusSchema } from './schemas.ts';
import type { WaitingRoom } from './service.ts';

/**
 * Judges the proof-of-work an enter body carries (pow/ `check`), without Redis; the enter step weighs it against
 * the concert's difficulty.
 */
export type ProofChecker = (concertId: number, userId: string, body: EnterRequest) => ProofCheck;

/** The fan's routes of a concert's waiting room (docs/api.md "Waiting room"). Thin: the service does the work. */
export function waitingRoomRoutes(room: WaitingRoom, routes: RoutePresets, checkProof?: ProofChecker) {
  // No `persist`: enter and status must not touch MySQL, so the user row is left to the routes that write it.
  const fan = routes.fan({ limit: 'queue' });
  const common = { tags: ['waiting room'], request: { params: ConcertParams } };

  // A refused access code costs the fan more of its queue budget than a request.
  const enter = declareRoute(
    routes.fan({ limit: 'queue', penalties: { INVALID_ACCESS_CODE: INVALID_CODE_PENALTY } }),
    {
      ...common,
      method: 'post',
      path: '/api/v1/concerts/{concertId}/queue',
      request: {
        params: ConcertParams,
        body: { required: false, content: { 'application/json': { schema: EnterSchema } } },
      },
      summary: 'Enter the waiting room (idempotent: 200 with the same place when already queued)',
      description:
        'The lane comes from the user token (tier vip → VIP lane, ahead of the normal lane). Fans who join before ' +
        'the sale opens are shuffled once inside their lane when it opens; later fans queue in arrival order.',
      responses: {
        201: jsonResponse(QueueStatusSchema, 'Entered'),
        200: jsonResponse(QueueStatusSchema, 'Already in the waiting room: the same place'),
        ...errorResponses(400, 403, 404, 409, 503),
      },
    },
  );
  const me = declareRoute(fan, {
    ...common,
    method: 'get',
    path: '/api/v1/concerts/{concertId}/queue/me',
    summary: 'My place in the waiting room',
    responses: { 200: jsonResponse(QueueStatusSchema, 'Status'), ...errorResponses(400, 404) },
  });
  const leave = declareRoute(fan, {
    ...common,
    method: 'delete',
    path: '/api/v1/concerts/{concertId}/queue/me',
    summary: 'Leave the waiting room (a READY or ENTERED fan gives up its slot and session)',
    responses: {
      200: jsonResponse(QueueStatusSchema, 'Left: NOT_IN_QUEUE'),
      ...errorResponses(400, 404),
    },
  });
  const claim = declareRoute(fan, {
    ...common,
    method: 'post',
    path: '/api/v1/concerts/{concertId}/queue/access-token',
    summary: 'Claim the concert access token once READY (again while ENTERED: the same session)',
    responses: {
      200: jsonResponse(AccessTokenGrantSchema, 'Access token (send as X-Queue-Token)'),
      ...errorResponses(400, 403, 404, 409),
    },
  });

  return createRouter()
    .openapi(enter, async (c) => {
      const fan = currentUser(c);
      const { concertId } = c.req.valid('param');
      const body = c.req.valid('json') ?? {};
      const { created, status } = await room.enter(
        concertId,
        { id: fan.id, tier: fan.tier },
        { accessCode: body.accessCode, proof: checkProof?.(concertId, fan.id, body) },
      );
      return created ? c.json(ok(status), 201) : c.json(ok(status), 200);
    })
    .openapi(me, async (c) =>
      c.json(ok(await room.status(c.req.valid('param').concertId, currentUser(c).id)), 200),
    )
    .openapi(leave, async (c) =>
      c.json(ok(await room.leave(c.req.valid('param').concertId, currentUser(c).id)), 200),
    )
    .openapi(claim, async (c) => {
      const { created: _created, ...grant } = await room.claim(
        c.req.valid('param').concertId,
        currentUser(c).id,
      );
      return c.json(ok(grant), 200);
    });
}
