import { createHash, timingSafeEqual } from 'node:crypto';
import type { HealthReport } from '@frontrow/client/protocol';
import { z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { bearerToken } from '../auth/middleware.ts';
import type { Database } from '../db/client.ts';
import { type AppEnv, ok, requestLogger } from '../http/context.ts';
import { AppError } from '../http/errors.ts';
import { declareRoute, publicRoute } from '../http/presets.ts';
import { createRouter, errorResponses, jsonResponse } from '../http/router.ts';
import type { RedisClient } from '../redis/client.ts';
import { checkReadiness } from './health.ts';
import type { Metrics } from './metrics.ts';

const Check = z.object({ ok: z.boolean(), latencyMs: z.number() });
const Ready = z
  .object({ status: z.enum(['ok', 'degraded']), checks: z.object({ redis: Check, mysql: Check }) })
  .openapi('Readiness') satisfies z.ZodType<HealthReport>;

const healthRoute = declareRoute(publicRoute, {
  method: 'get',
  path: '/health',
  tags: ['ops'],
  summary: 'The process is alive',
  responses: { 200: jsonResponse(z.object({ status: z.literal('ok'), uptimeSeconds: z.number() }), 'Alive') },
});

const readyRoute = declareRoute(publicRoute, {
  method: 'get',
  path: '/ready',
  tags: ['ops'],
  summary: 'Redis and MySQL answer; 503 DEPENDENCY_UNAVAILABLE naming the one that does not',
  responses: { 200: jsonResponse(Ready, 'Ready'), ...errorResponses(503) },
});

/**
 * With a token configured, /metrics wants `Authorization: Bearer <token>`: its series name routes, queues and
 * load, which help someone planning to take the sale down. Compared by hash, so the time taken says nothing.
 */
export function metricsGuard(token: string | undefined): MiddlewareHandler<AppEnv> {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  const expected = token === undefined ? undefined : digest(token);
  return async (c, next) => {
    if (!expected) return next();
    const given = bearerToken(c.req.header('authorization'));
    if (!given) throw new AppError('UNAUTHENTICATED', 'Authorization: Bearer <METRICS_TOKEN> is required');
    if (!timingSafeEqual(digest(given), expected)) throw new AppError('INVALID_TOKEN', 'Wrong metrics token');
    await next();
  };
}

export function opsRoutes(deps: {
  redis: RedisClient;
  database: Database;
  metrics?: Metrics;
  config?: { metricsToken?: string | undefined };
}) {
  const router = createRouter();
  const { metrics } = deps;
  if (metrics) {
    router.get('/metrics', metricsGuard(deps.config?.metricsToken), async (c) => {
      c.header('content-type', metrics.registry.contentType);
      return c.body(await metrics.registry.metrics());
    });
  }
  return router
    .openapi(healthRoute, (c) =>
      c.json(ok({ status: 'ok' as const, uptimeSeconds: Math.round(process.uptime()) }), 200),
    )
    .openapi(readyRoute, async (c) => {
      const { report, reasons } = await checkReadiness(deps.redis, deps.database);
      if (report.status !== 'ok') {
        requestLogger(c).warn({ reasons }, 'not ready');
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
