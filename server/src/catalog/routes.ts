import { z } from '@hono/zod-openapi';
import { ok } from '../http/context.ts';
import { declareRoute, publicRoute, type RoutePresets } from '../http/presets.ts';
import { createRouter, errorResponses, IdParam, jsonBody, jsonResponse } from '../http/router.ts';
import {
  ConcertSchema,
  CreateConcertSchema,
  CreatedConcertSchema,
  ScheduleQuerySchema,
  ScheduleSchema,
} from './schemas.ts';
import type { Catalog } from './service.ts';

const ConcertParams = z.object({ concertId: IdParam.openapi({ param: { name: 'concertId', in: 'path' } }) });

const listConcerts = declareRoute(publicRoute, {
  method: 'get',
  path: '/api/v1/concerts',
  tags: ['catalog'],
  summary: 'Concerts with their sale state',
  responses: { 200: jsonResponse(z.array(ConcertSchema), 'Concerts') },
});

const getConcert = declareRoute(publicRoute, {
  method: 'get',
  path: '/api/v1/concerts/{concertId}',
  tags: ['catalog'],
  summary: 'One concert',
  request: { params: ConcertParams },
  responses: { 200: jsonResponse(ConcertSchema, 'The concert'), ...errorResponses(400, 404) },
});

const listSchedules = declareRoute(publicRoute, {
  method: 'get',
  path: '/api/v1/concerts/{concertId}/schedules',
  tags: ['catalog'],
  summary: 'Schedules of a concert, optionally between two dates (inclusive, UTC)',
  request: { params: ConcertParams, query: ScheduleQuerySchema },
  responses: { 200: jsonResponse(z.array(ScheduleSchema), 'Schedules'), ...errorResponses(400, 404) },
});

export function catalogRoutes(catalog: Catalog, routes: RoutePresets) {
  const createConcert = declareRoute(routes.organiser(), {
    method: 'post',
    path: '/api/v1/admin/concerts',
    tags: ['admin'],
    summary: 'Create a concert with its schedules and seat layout (admin)',
    request: { body: jsonBody(CreateConcertSchema) },
    responses: {
      201: jsonResponse(CreatedConcertSchema, 'The concert with ids'),
      ...errorResponses(400),
    },
  });

  return createRouter()
    .openapi(listConcerts, async (c) => c.json(ok(await catalog.listConcerts()), 200))
    .openapi(getConcert, async (c) =>
      c.json(ok(await catalog.getConcert(c.req.valid('param').concertId)), 200),
    )
    .openapi(listSchedules, async (c) => {
      const { concertId } = c.req.valid('param');
      return c.json(ok(await catalog.listSchedules(concertId, c.req.valid('query'))), 200);
    })
    .openapi(createConcert, async (c) => c.json(ok(await catalog.createConcert(c.req.valid('json'))), 201));
}
