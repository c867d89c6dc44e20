import { z } from '@hono/zod-openapi';
import { ok } from '../http/context.ts';
import { declareRoute, type RoutePresets } from '../http/presets.ts';
import { createRouter, errorResponses, jsonResponse } from '../http/router.ts';
import { ConcertParams } from '../waiting-room/schemas.ts';
import type { Recovery } from './service.ts';

const RebuildRequest = z
  .object({
    force: z.boolean().optional().openapi({
      description: 'Also when Redis still holds part of the room: adds the missing fans, leaves the others',
    }),
  })
  .strict()
  .openapi('QueueRebuildRequest');

const perLane = z.object({ vip: z.number().int(), presale: z.number().int(), normal: z.number().int() });
const RebuildReport = z
  .object({
    concertId: z.number().int(),
    status: z.enum(['rebuilt', 'unchanged']),
    saleState: z.enum(['SCHEDULED', 'QUEUE_OPEN', 'ON_SALE', 'PAUSED', 'CLOSED']),
    entries: z.number().int().openapi({ description: 'queue_entries rows read' }),
    fans: z.number().int(),
    waiting: perLane.openapi({ description: 'Waiting fans per lane after the rebuild (from the log)' }),
    ready: z
      .number()
      .int()
      .openapi({ description: 'Admitted fans whose turn still runs: READY to claim again' }),
    restored: z.number().int(),
    alreadyPresent: z.number().int(),
    leaving: z
      .number()
      .int()
      .openapi({ description: 'Not put back: their leaving is still in the write-behind log' }),
    ticketSeq: z.number().int(),
    laneSeq: perLane,
  })
  .openapi('QueueRebuildReport');

export function recoveryRoutes(recovery: Recovery, routes: RoutePresets) {
  const rebuildRoute = declareRoute(routes.organiser(), {
    method: 'post',
    path: '/api/v1/admin/concerts/{concertId}/queue/rebuild',
    tags: ['admin'],
    summary: "Rebuild the concert's waiting room in Redis from MySQL's queue-entry log (after Redis lost it)",
    description:
      'Same tickets, lanes and order; admitted fans are not queued again; counters continue after the highest ' +
      'ticket. Idempotent (`unchanged` when nothing is missing). Unless `force`: 409 QUEUE_LIVE when Redis still ' +
      'holds part of the room, 409 ALREADY_PROCESSING while MySQL is far behind its queue log. ' +
      'See docs/operations.md "Recovery".',
    request: {
      params: ConcertParams,
      body: { required: false, content: { 'application/json': { schema: RebuildRequest } } },
    },
    responses: {
      200: jsonResponse(RebuildReport, 'What was put back'),
      ...errorResponses(400, 404, 409, 503),
    },
  });

  return createRouter().openapi(rebuildRoute, async (c) => {
    const { concertId } = c.req.valid('param');
    const force = (c.req.valid('json') as { force?: boolean } | undefined)?.force === true;
    return c.json(ok(await recovery.rebuild(concertId, { force })), 200);
  });
}
