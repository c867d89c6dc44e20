import { readdirSync, readFileSync } from 'node:fs';
import { z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { describe, expect, it } from 'vitest';
import type { AccessTokens } from '../access/tokens.ts';
import { createLogger } from '../logging/logger.ts';
import { createHttpApp } from './app.ts';
import { type AppEnv, ok } from './context.ts';
import { AppError } from './errors.ts';
import { createRoutePresets, declareRoute, type RoutePreset } from './presets.ts';
import { createRouter, jsonResponse } from './router.ts';

/**
 * The presets without Redis or MySQL: guards and limits that record the order they run in, and the responses
 * and security each preset writes into the OpenAPI document.
 */
function harness() {
  const calls: string[] = [];
  const step =
    (name: string): MiddlewareHandler<AppEnv> =>
    async (_c, next) => {
      calls.push(name);
      await next();
    };
  const routes = createRoutePresets({
    guards: {
      user:
        (opts = {}) =>
        async (c, next) => {
          calls.push(opts.persist ? 'user(persist)' : 'user');
          c.set('user', { id: 'fan-1', name: 'Fan', tier: 'normal', role: 'user' });
          await next();
        },
      admin: () => step('admin'),
    },
    accessTokens: {
      verify: async () => {
        calls.push('access');
        return { userId: 'fan-1', concertId: 1, jti: 'j', expiresAt: new Date(0) };
      },
    } as unknown as AccessTokens,
    rateLimits: {
      limit: (kind) => step(`limit:${kind}`),
      penalties: (kind, costs) => async (c, next) => {
        await next();
        const code = c.error instanceof AppError ? c.error.code : undefined;
        if (code && costs[code]) calls.push(`penalty:${kind}:${code}:${costs[code]}`);
      },
    },
  });
  return { calls, routes };
}

const Out = z.object({ ok: z.boolean() });

function appWith(preset: RoutePreset, handler: () => void = () => undefined) {
  const route = declareRoute(preset, {
    method: 'post',
    path: '/thing',
    responses: { 200: jsonResponse(Out, 'Done') },
  });
  const router = createRouter().openapi(route, async (c) => {
    handler();
    return c.json(ok({ ok: true }), 200);
  });
  const doc = router.getOpenAPI31Document({ openapi: '3.1.0', info: { title: 't', version: '1' } });
  const app = createHttpApp({ logger: createLogger('silent'), routers: [router] });
  // biome-ignore lint/suspicious/noExplicitAny: the test reads the generated operation
  const operation = (doc.paths as any)['/thing'].post;
  return { app, operation };
}

describe('route presets', () => {
  it('spend the bucket before the token checks, and charge a penalty after the answer', async () => {
    const { calls, routes } = harness();
    const preset = routes.fan({ limit: 'queue', penalties: { INVALID_ACCESS_CODE: 10 } });
    const { app } = appWith(preset, () => {
      throw new AppError('INVALID_ACCESS_CODE', 'no');
    });
    const res = await app.request('/thing', { method: 'POST' });
    expect(res.status).toBe(403);
    expect(calls).toEqual(['limit:queue', 'user', 'penalty:queue:INVALID_ACCESS_CODE:10']);
  });

  it('check the access token after the user token, unless the handler does', async () => {
    const guarded = harness();
    await appWith(guarded.routes.access({ persist: true, limit: 'booking' })).app.request('/thing', {
      method: 'POST',
    });
    expect(guarded.calls).toEqual(['limit:booking', 'user(persist)', 'access']);

    const byHandler = harness();
    await appWith(byHandler.routes.access({ verify: 'handler' })).app.request('/thing', { method: 'POST' });
    expect(byHandler.calls).toEqual(['user']);
  });

  it('document the security and the 401, 403 and 429 each preset implies', () => {
    const { routes } = harness();
    const statuses = (preset: RoutePreset) => Object.keys(appWith(preset).operation.responses).sort();
    const security = (preset: RoutePreset) => appWith(preset).operation.security;

    expect(statuses(routes.public())).toEqual(['200']);
    expect(security(routes.public())).toBeUndefined();
    expect(statuses(routes.fan())).toEqual(['200', '401']);
    expect(security(routes.fan())).toEqual([{ bearerAuth: [] }]);
    expect(statuses(routes.fan({ limit: 'queue' }))).toEqual(['200', '401', '429']);
    expect(statuses(routes.access())).toEqual(['200', '401', '403']);
    expect(statuses(routes.access({ verify: 'handler' }))).toEqual(['200', '401']);
    expect(security(routes.access({ verify: 'handler' }))).toEqual([{ bearerAuth: [], queueToken: [] }]);
    expect(statuses(routes.organiser())).toEqual(['200', '401', '403']);
    expect(security(routes.organiser())).toEqual([{ bearerAuth: [] }]);

    const tooMany = appWith(routes.fan({ limit: 'booking' })).operation.responses['429'];
    expect(tooMany.headers['Retry-After'].schema).toEqual({ type: 'integer', minimum: 1 });
    expect(tooMany.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Error' });
  });
});

describe('route declarations', () => {
  it('go through a preset: no other createRoute, no path-pattern guard or limit on the API', () => {
    const src = new URL('..', import.meta.url);
    const files = readdirSync(src, { recursive: true, encoding: 'utf8' }).filter(
      (f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && f !== 'http/presets.ts',
    );
    const offenders = files.filter((f) => {
      const text = readFileSync(new URL(f, src), 'utf8');
      return /\bcreateRoute\(/.test(text) || /\.use\(\s*['`]\/api\//.test(text);
    });
    expect(offenders).toEqual([]);
  });
});
