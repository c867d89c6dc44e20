import type { SimulateRequest, Simulation as SimulationPayload } from '@frontrow/client/protocol';
import { z } from '@hono/zod-openapi';
import { ok } from '../http/context.ts';
import { declareRoute, type RoutePresets } from '../http/presets.ts';
import { createRouter, errorResponses, IdParam, jsonBody, jsonResponse } from '../http/router.ts';
import type { Simulator } from './simulator.ts';

const Params = z.object({ concertId: IdParam.openapi({ param: { name: 'concertId', in: 'path' } }) });

const SimulateBody = z
  .object({
    fans: z.number().int().min(1).max(2_000),
    vipShare: z.number().min(0).max(1).optional(),
    buyShare: z.number().min(0).max(1).optional(),
    joinSeconds: z.number().min(0).max(60).optional(),
  })
  .openapi('SimulateRequest') satisfies z.ZodType<SimulateRequest>;

const Simulation = z
  .object({
    simulationId: z.string(),
    concertId: z.number().int(),
    fans: z.number().int(),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
    joined: z.number().int(),
    admitted: z.number().int(),
    held: z.number().int(),
    paid: z.number().int(),
    gaveUp: z.number().int(),
    errors: z.record(z.string(), z.number().int()),
  })
  .openapi('Simulation') satisfies z.ZodType<SimulationPayload>;

const common = {
  tags: ['admin'],
  request: { params: Params },
};

export function simulateRoutes(
  simulator: Simulator,
  routes: RoutePresets,
  concertExists: (id: number) => Promise<unknown>,
) {
  const organiser = routes.organiser();
  const start = declareRoute(organiser, {
    ...common,
    method: 'post',
    path: '/api/v1/admin/concerts/{concertId}/simulate',
    summary: 'Simulate a drop: N synthetic fans join the queue, then hold and pay when admitted (demo)',
    description:
      'Runs in the background in the API process that received it; the fans go through the same services as REST. ' +
      'Poll the GET route for progress. 429 while three simulations are running.',
    request: { ...common.request, body: jsonBody(SimulateBody) },
    responses: { 202: jsonResponse(Simulation, 'Started'), ...errorResponses(400, 404, 429) },
  });

  const list = declareRoute(organiser, {
    ...common,
    method: 'get',
    path: '/api/v1/admin/concerts/{concertId}/simulate',
    summary: 'Simulations of a concert started by this process, newest first',
    responses: { 200: jsonResponse(z.array(Simulation), 'Simulations'), ...errorResponses(400) },
  });

  return createRouter()
    .openapi(start, async (c) => {
      const { concertId } = c.req.valid('param');
      await concertExists(concertId);
      return c.json(ok(simulator.start(concertId, c.req.valid('json'))), 202);
    })
    .openapi(list, async (c) => c.json(ok(simulator.list(c.req.valid('param').concertId)), 200));
}
