import type { PowChallenge, PowSettings } from '@frontrow/client/protocol';
import { z } from '@hono/zod-openapi';
import { currentUser, ok } from '../http/context.ts';
import { declareRoute, type RoutePresets } from '../http/presets.ts';
import { createRouter, errorResponses, jsonBody, jsonResponse } from '../http/router.ts';
import { ConcertParams } from '../waiting-room/schemas.ts';
import { POW_DEFAULT_BITS, type ProofOfWork } from './service.ts';

const PowChallengeSchema = z
  .object({
    concertId: z.number().int(),
    difficultyBits: z.number().int(),
    challenge: z.string().nullable(),
    expiresAt: z.string().nullable(),
  })
  .openapi('PowChallenge') satisfies z.ZodType<PowChallenge>;
const PowSettingsSchema = z
  .object({ concertId: z.number().int(), difficultyBits: z.number().int().min(0).max(32) })
  .openapi('PowSettings') satisfies z.ZodType<PowSettings>;

/** The fan's challenge and the organiser's difficulty knob of the proof-of-work gate. */
export function powRoutes(pow: ProofOfWork, routes: RoutePresets) {
  const challenge = declareRoute(routes.fan({ limit: 'queue' }), {
    method: 'get',
    path: '/api/v1/concerts/{concertId}/queue/challenge',
    tags: ['waiting room'],
    summary:
      'A proof-of-work challenge for entering (null when the concert asks for none); valid 2 minutes, once',
    request: { params: ConcertParams },
    responses: { 200: jsonResponse(PowChallengeSchema, 'The challenge'), ...errorResponses(400, 404) },
  });
  const difficulty = declareRoute(routes.organiser(), {
    method: 'put',
    path: '/api/v1/admin/concerts/{concertId}/proof-of-work',
    tags: ['admin'],
    summary: 'Set the proof-of-work difficulty of entering, in leading zero bits (0 turns it off)',
    request: {
      params: ConcertParams,
      body: jsonBody(
        z.object({
          difficultyBits: z
            .number()
            .int()
            .min(0)
            .max(32)
            .default(POW_DEFAULT_BITS)
            .openapi({ description: `Leading zero bits; ${POW_DEFAULT_BITS} when left out` }),
        }),
      ),
    },
    responses: { 200: jsonResponse(PowSettingsSchema, 'The setting'), ...errorResponses(400, 404) },
  });
  return createRouter()
    .openapi(challenge, async (c) =>
      c.json(ok(await pow.challenge(c.req.valid('param').concertId, currentUser(c).id)), 200),
    )
    .openapi(difficulty, async (c) =>
      c.json(
        ok(await pow.setDifficulty(c.req.valid('param').concertId, c.req.valid('json').difficultyBits)),
        200,
      ),
    );
}
