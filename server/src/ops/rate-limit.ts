import { getConnInfo } from '@hono/node-server/conninfo';
import type { MiddlewareHandler } from 'hono';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Config } from '../config/index.ts';
import type { AppContext, AppEnv } from '../http/context.ts';
import { AppError, asDependencyError } from '../http/errors.ts';

export type LimitClass = 'queue' | 'booking';

/**
 * Per-user and per-IP request limits in Redis, so every replica counts together. A key that has run out is then
 * refused from memory until its window ends, so a flooding client costs Redis nothing and never slows the
 * others. Limits are per minute and come from the configuration; 0 turns one off.
 */
export function createRateLimits(redis: Redis, prefix: string, config: Readonly<Config>) {
  const make = (name: string, points: number) =>
    points > 0
      ? new RateLimiterRedis({
          storeClient: redis,
          keyPrefix: `${prefix}:rl:${name}`,
          points,
          duration: 60,
          inMemoryBlockOnConsumed: points,
          inMemoryBlockDuration: 60,
          rejectIfRedisNotReady: true,
        })
      : undefined;
  const perUser: Record<LimitClass, RateLimiterRedis | undefined> = {
    queue: make('queue', config.rateLimits.queuePerUser),
    booking: make('booking', config.rateLimits.bookingPerUser),
  };
  const perIp = make('ip', config.rateLimits.perIp);

  async function consume(limiter: RateLimiterRedis | undefined, key: string, what: string) {
    if (!limiter) return;
    try {
      await limiter.consume(key);
    } catch (err) {
      if (err instanceof RateLimiterRes) {
        throw new AppError(
          'RATE_LIMITED',
          `Too many requests ${what}; slow down`,
          undefined,
          err.msBeforeNext / 1000,
        );
      }
      throw asDependencyError(err) ?? new AppError('DEPENDENCY_UNAVAILABLE', 'Rate limiter unavailable');
    }
  }

  return {
    /**
     * Charges `points` more requests to a user's budget of one class (a wrong access code costs more than a
     * request, so codes cannot be guessed at the request rate).
     */
    async penalize(kind: LimitClass, userId: string, points: number): Promise<void> {
      await perUser[kind]?.penalty(`${kind}:${userId}`, points).catch(() => undefined);
    },

    /** Middleware for one class of routes: the caller's user (from its bearer token) and its address. */
    limit(kind: LimitClass): MiddlewareHandler<AppEnv> {
      const userLimiter = perUser[kind];
      // Work only for the limits that are on: a disabled limit costs a request nothing.
      return async (c, next) => {
        if (perIp) await consume(perIp, clientAddress(c, config.trustProxy), 'from this address');
        const user = userLimiter && unverifiedSubject(c.req.header('authorization'));
        if (user) await consume(userLimiter, `${kind}:${user}`, 'from this user');
        await next();
      };
    },
  };
}
export type RateLimits = ReturnType<typeof createRateLimits>;

/**
 * The token's subject, read without verifying it: good enough to bucket requests before the auth guard runs (a
 * forger who spreads requests over invented subjects still meets the per-IP limit, and the guard refuses them).
 */
export function unverifiedSubject(authorization: string | undefined): string | undefined {
  const payload = authorization?.match(/^Bearer\s+[^.]+\.([^.]+)\./i)?.[1];
  if (!payload) return undefined;
  try {
    const sub = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { sub?: unknown }).sub;
    return typeof sub === 'string' && sub.length <= 64 ? sub : undefined;
  } catch {
    return undefined;
  }
}

export function clientAddress(c: AppContext, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = c.req.header('x-forwarded-for')?.split(',')[0]?.trim();
    if (forwarded) return forwarded;
  }
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    // app.request() in tests has no socket behind it.
    return 'unknown';
  }
}

/** A per-socket event budget, in memory: a flooding socket gets RATE_LIMITED acks, the others never notice. */
export function createSocketEventLimiter(eventsPer10s: number) {
  const limiter =
    eventsPer10s > 0 ? new RateLimiterMemory({ points: eventsPer10s, duration: 10 }) : undefined;
  return async (socketId: string): Promise<void> => {
    if (!limiter) return;
    try {
      await limiter.consume(socketId);
    } catch (err) {
      const ms = err instanceof RateLimiterRes ? err.msBeforeNext : 1_000;
      throw new AppError('RATE_LIMITED', 'Too many socket events; slow down', undefined, ms / 1000);
    }
  };
}
