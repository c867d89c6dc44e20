import type { SalesStats } from '@frontrow/client/protocol';
import { createRoute, z } from '@hono/zod-openapi';
import type { AuthGuards } from '../auth/middleware.ts';
import { ok } from '../http/context.ts';
import { createRouter, errorResponses, IdParam, jsonResponse } from '../http/router.ts';
import type { SalesStatsReader } from './stats.ts';

const count = z.number().int();
const StatsSchema = z
  .object({
    concertId: count,
    at: z.string(),
    seats: z.object({ total: count, available: count, held: count, sold: count }),
    revenue: count,
    reservations: z.object({ held: count, paid: count, cancelled: count, expired: count, refunded: count }),
  })
  .openapi('SalesStats') satisfies z.ZodType<SalesStats>;

const stats = createRoute({
  method: 'get',
  path: '/api/v1/admin/concerts/{concertId}/stats',
  tags: ['admin'],
  summary: 'Seats available, held and sold, reservations by status and revenue, over every schedule (admin)',
  security: [{ bearerAuth: [] }],
  request: { params: z.object({ concertId: IdParam.openapi({ param: { name: 'concertId', in: 'path' } }) }) },
  responses: { 200: jsonResponse(StatsSchema, 'Totals'), ...errorResponses(400, 401, 403, 404) },
});

export function dashboardRoutes(read: SalesStatsReader, guards: AuthGuards) {
  const router = createRouter();
  router.use('/api/v1/admin/concerts/:concertId/stats', guards.admin());
  return router.openapi(stats, async (c) => c.json(ok(await read(c.req.valid('param').concertId)), 200));
}
