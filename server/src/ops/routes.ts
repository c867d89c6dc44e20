import { createRoute, z } from '@hono/zod-openapi';
import type { Database } from '../db/client.ts';
import { ok } from '../http/context.ts';
import { AppError } from '../http/errors.ts';
import { createRouter, errorResponses, jsonResponse } from '../http/router.ts';
import type { RedisClient } from '../redis/client.ts';
import { checkReadiness } from './health.ts';
import type { Metrics } from './metrics.ts';

const Check = z.object({ ok: z.boolean(), latencyMs: z.number(), error: z.string().optional() });
const Ready = z
  .object({ status: z.enum(['ok', 'degraded']), checks: z.object({ redis: Check, mysql: Check }) })
  .openapi('Readiness');

const healthRoute = createRoute({
  method: 'get',
  path: '/health',
  tags: ['ops'],
  summary: 'The process is alive',
  responses: { 200: jsonResponse(z.object({ status: z.literal('ok'), uptimeSeconds: z.number() }), 'Alive') },
});

const readyRoute = createRoute({
  method: 'get',
  path: '/ready',
  tags: ['ops'],
  summary: 'Redis and MySQL answer; 503 DEPENDENCY_UNAVAILABLE naming the one that does not',
  responses: { 200: jsonResponse(Ready, 'Ready'), ...errorResponses(503) },
});

export function opsRoutes(deps: { redis: RedisClient; database: Database; metrics?: Metrics }) {
  const router = createRouter();
  const { metrics } = deps;
  if (metrics) {
    router.get('/metrics', async (c) => {
      c.header('content-type', metrics.registry.contentType);
      return c.body(await metrics.registry.metrics());
    });
  }
  return router
    .openapi(healthRoute, (c) =>
      c.json(ok({ status: 'ok' as const, uptimeSeconds: Math.round(process.uptime()) }), 200),
    )
    .openapi(readyRoute, async (c) => {
      const report = await checkReadiness(deps.redis, deps.database);
      if (report.status !== 'ok') {
        const down = Object.entries(report.checks)
          .filter(([, check]) => !check.ok)
          .map(([name]) => name);
        throw new AppError('DEPENDENCY_UNAVAILABLE', `Not ready: ${down.join(' and ')} unavailable`, {
          ...report.checks,
        });
      }
      return c.json(ok(report), 200);
    });
}
