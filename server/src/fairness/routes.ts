import { currentUser, ok } from '../http/context.ts';
import { declareRoute, type RoutePresets } from '../http/presets.ts';
import { createRouter, errorResponses, jsonResponse } from '../http/router.ts';
import { ConcertParams } from '../waiting-room/schemas.ts';
import { DrawPlaceSchema, FairnessRecordSchema } from './schemas.ts';
import type { Fairness } from './service.ts';

/** The verifiable draw (docs/fairness.md): the public record, and a fan's own place in it. */
export function fairnessRoutes(fairness: Fairness, routes: RoutePresets) {
  const record = declareRoute(routes.public(), {
    method: 'get',
    path: '/api/v1/concerts/{concertId}/fairness',
    tags: ['fairness'],
    summary: 'The pre-queue draw: its commitment, then its seed, input, output and order hash',
    description:
      'Before the sale opens: the SHA-256 commitment of the secret seed. Once the pre-queue was shuffled: the ' +
      'seed, the pre-queue (entry tickets by lane), the drawn order and its hash, enough to recompute it.',
    request: { params: ConcertParams },
    responses: { 200: jsonResponse(FairnessRecordSchema, 'The draw'), ...errorResponses(400, 404) },
  });
  const mine = declareRoute(routes.fan({ limit: 'queue' }), {
    method: 'get',
    path: '/api/v1/concerts/{concertId}/queue/me/draw',
    tags: ['fairness'],
    summary: 'My entry ticket and drawn place (entry null when I was not in the pre-queue)',
    request: { params: ConcertParams },
    responses: { 200: jsonResponse(DrawPlaceSchema, 'My draw'), ...errorResponses(400, 404) },
  });
  return createRouter()
    .openapi(record, async (c) => c.json(ok(await fairness.record(c.req.valid('param').concertId)), 200))
    .openapi(mine, async (c) =>
      c.json(ok(await fairness.place(c.req.valid('param').concertId, currentUser(c).id)), 200),
    );
}
