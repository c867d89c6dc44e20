import type { DevTokenRequest, DevTokenResponse } from '@frontrow/client/protocol';
import { z } from '@hono/zod-openapi';
import { ok } from '../http/context.ts';
import { AppError } from '../http/errors.ts';
import { declareRoute, publicRoute } from '../http/presets.ts';
import { createRouter, errorResponses, jsonBody, jsonResponse } from '../http/router.ts';
import type { UserTokens } from './user-tokens.ts';

const DevTokenBody = z
  .object({
    userId: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[\w.@:-]+$/, 'letters, digits and _ . @ : - only'),
    name: z.string().min(1).max(100).optional(),
    tier: z.enum(['vip', 'normal']).optional(),
    role: z.enum(['admin', 'user']).optional(),
  })
  .openapi('DevTokenRequest') satisfies z.ZodType<DevTokenRequest>;

const DevToken = z
  .object({ token: z.string(), expiresAt: z.string() })
  .openapi('DevToken') satisfies z.ZodType<DevTokenResponse>;

const devTokenRoute = declareRoute(publicRoute, {
  method: 'post',
  path: '/api/v1/auth/dev-token',
  tags: ['auth'],
  summary: 'Issue a development user token (off in production)',
  request: { body: jsonBody(DevTokenBody) },
  responses: { 200: jsonResponse(DevToken, 'A signed HS256 user token'), ...errorResponses(400, 404) },
});

export function authRoutes(tokens: UserTokens) {
  return createRouter().openapi(devTokenRoute, async (c) => {
    if (!tokens.issueDevToken) throw new AppError('NOT_FOUND', 'The development token issuer is off');
    const body = c.req.valid('json');
    const issued = await tokens.issueDevToken({ id: body.userId, ...body });
    return c.json(ok(issued), 200);
  });
}
