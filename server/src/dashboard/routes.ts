import type { SalesStats } from '@frontrow/client/protocol';
import { z } from '@hono/zod-openapi';
import { ok } from '../http/context.ts';
import { declareRoute, type RoutePresets } from '../http/presets.ts';
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

export function dashboardRoutes(read: SalesStatsReader, routes: RoutePresets) {
  const stats = declareRoute(routes.organiser(), {
    method: 'get',
    path: '/api/v1/admin/concerts/{concertId}/stats',
    tags: ['admin'],
    summary:
      'Seats available, held and sold, reservations by status and revenue, over every schedule (admin)',
    request: {
      params: z.object({ concertId: IdParam.openapi({ param: { name: 'concertId', in: 'path' } }) }),
    },
    responses: { 200: jsonResponse(StatsSchema, 'Totals'), ...errorResponses(400, 404) },
  });
  return createRouter().openapi(stats, async (c) =>
    c.json(ok(await read(c.req.valid('param').concertId)), 200),
  );
}
