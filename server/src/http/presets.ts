import type { ErrorCode } from '@frontrow/client/protocol';
import { createRoute, type RouteConfig } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { requireAccess } from '../access/middleware.ts';
import type { AccessTokens } from '../access/tokens.ts';
import type { AuthGuards } from '../auth/middleware.ts';
import type { LimitClass, RateLimits } from '../ops/rate-limit.ts';
import type { AppEnv } from './context.ts';
import { errorResponses } from './router.ts';

/**
 * What a route needs of its caller, in one value: the OpenAPI `security` entry, the guards that enforce it, the
 * rate limit bucket it spends, and the error responses those imply. A route is declared once, with its preset
 * (`declareRoute`); no path pattern elsewhere guards or limits it.
 */
export interface RoutePreset {
  security?: Array<Record<string, string[]>>;
  /** Run in order before validation: the rate limit, a penalty after the answer, then the token checks. */
  middleware: Array<MiddlewareHandler<AppEnv>>;
  responses: ReturnType<typeof errorResponses>;
}

export interface RateLimitOptions {
  /** The bucket every request of the route spends: per address, then per verified user (ops/rate-limit.ts). */
  limit?: LimitClass;
  /** Extra requests of the bucket an answer with one of these codes costs the caller. */
  penalties?: Partial<Record<ErrorCode, number>>;
}

export interface FanOptions extends RateLimitOptions {
  /** Makes sure the user row exists (routes that write MySQL). */
  persist?: boolean;
}

export interface AccessOptions extends FanOptions {
  /**
   * Who verifies the access token: the preset's guard before the handler (default), or the handler itself
   * (`handler`), for a route that needs the token only in some states.
   */
  verify?: 'guard' | 'handler';
}

export interface PresetDeps {
  guards: AuthGuards;
  accessTokens: AccessTokens;
  rateLimits: Pick<RateLimits, 'limit' | 'penalties'>;
}

/** No token: the preset of a route anyone may call (a constant, so module-level routes can use it). */
export const publicRoute: RoutePreset = { middleware: [], responses: {} };

const userToken = [{ bearerAuth: [] }];
const userAndAccessToken = [{ bearerAuth: [], queueToken: [] }];

/** The presets of this service's routes, over its guards and rate limits. */
export function createRoutePresets({ guards, accessTokens, rateLimits }: PresetDeps) {
  const limits = ({ limit, penalties }: RateLimitOptions) => {
    if (!limit) return [];
    const spend = rateLimits.limit(limit);
    return penalties ? [spend, rateLimits.penalties(limit, penalties)] : [spend];
  };
  const tooMany = (opts: RateLimitOptions) => (opts.limit ? [429] : []);
  const accessGuard = requireAccess(accessTokens);

  return {
    /** No token. */
    public(): RoutePreset {
      return publicRoute;
    },
    /** A fan's user token (Authorization: Bearer). */
    fan(opts: FanOptions = {}): RoutePreset {
      return {
        security: userToken,
        middleware: [...limits(opts), guards.user({ persist: opts.persist ?? false })],
        responses: errorResponses(401, ...tooMany(opts)),
      };
    },
    /**
     * A fan's user token and the concert access token of the same fan (X-Queue-Token); the route checks the
     * concert with `requireConcert` once it knows it (403 WRONG_CONCERT). A route whose handler verifies the
     * access token documents what that check answers itself.
     */
    access(opts: AccessOptions = {}): RoutePreset {
      const user = guards.user({ persist: opts.persist ?? false });
      const byHandler = opts.verify === 'handler';
      return {
        security: userAndAccessToken,
        middleware: [...limits(opts), ...(byHandler ? [user] : [user, accessGuard])],
        responses: errorResponses(401, ...(byHandler ? [] : [403]), ...tooMany(opts)),
      };
    },
    /** A user token with role admin (403 FORBIDDEN otherwise). */
    organiser(): RoutePreset {
      return { security: userToken, middleware: [guards.admin()], responses: errorResponses(401, 403) };
    },
  };
}
export type RoutePresets = ReturnType<typeof createRoutePresets>;

type Declared<R> = R & { middleware: Array<MiddlewareHandler<AppEnv>> };

/**
 * `createRoute` with a preset: its security, its middleware before the route's validation, and its implied
 * error responses beside the route's own (the route's win where both name a status).
 */
export function declareRoute<
  P extends string,
  R extends Omit<RouteConfig, 'path' | 'security' | 'middleware'> & { path: P },
>(preset: RoutePreset, config: R) {
  return createRoute<P, Declared<R>>({
    ...config,
    ...(preset.security ? { security: preset.security } : {}),
    middleware: preset.middleware,
    responses: { ...preset.responses, ...config.responses },
  } as Declared<R>);
}
