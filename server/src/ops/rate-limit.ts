import type { ErrorCode } from '@frontrow/client/protocol';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { MiddlewareHandler } from 'hono';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { bearerToken } from '../auth/middleware.ts';
import type { UserTokens } from '../auth/user-tokens.ts';
import type { Config } from '../config/index.ts';
import type { AppContext, AppEnv } from '../http/context.ts';
import { AppError, asDependencyError } from '../http/errors.ts';
import type { RedisClient } from '../redis/client.ts';

export type LimitClass = 'queue' | 'booking';

/**
 * Per-user and per-IP request limits in Redis, so every replica counts together. A key that has run out is then
 * refused from memory until its window ends, so a flooding client costs Redis nothing and never slows the
 * others. Limits are per minute and come from the configuration; 0 turns one off.
 *
 * A request counts against its client address first. Only a token that verified counts against its user, so
 * nobody can spend a victim's budget with forged tokens naming the victim; unverified requests meet the address
 * limit and the route's guard refuses them.
 */
export function createRateLimits(
  redis: RedisClient,
  prefix: string,
  config: Readonly<Config>,
  userTokens: Pick<UserTokens, 'verify'>,
) {
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

  /** The verified user behind the request, or undefined: refusing a bad token is the route guard's job. */
  async function verifiedUser(authorization: string | undefined): Promise<string | undefined> {
    const token = bearerToken(authorization);
    if (!token) return undefined;
    try {
      return (await userTokens.verify(token)).id;
    } catch {
      return undefined;
    }
  }

  return {
    /**
     * After the route answered with one of the codes of `costs`, charges its caller that many more requests of
     * the class (a wrong access code costs more than a request, so codes cannot be guessed at the request rate).
     */
    penalties(kind: LimitClass, costs: Partial<Record<ErrorCode, number>>): MiddlewareHandler<AppEnv> {
      return async (c, next) => {
        await next();
        const err = c.error;
        const user = c.get('user');
        const points = err instanceof AppError ? costs[err.code] : undefined;
        if (points && user) await perUser[kind]?.penalty(`${kind}:${user.id}`, points).catch(() => undefined);
      };
    },

    /**
     * Middleware for one class of routes: the caller's address, then its verified user. A request is charged
     * once, however many routers it passes through (a compatibility route that hands a request on to the
     * native route of the same path).
     */
    limit(kind: LimitClass): MiddlewareHandler<AppEnv> {
      const userLimiter = perUser[kind];
      // Work only for the limits that are on: a disabled limit costs a request nothing.
      return async (c, next) => {
        if (c.get('rateLimited')) return next();
        c.set('rateLimited', true);
        if (perIp) await consume(perIp, clientAddress(c, config), 'from this address');
        const user = userLimiter && (await verifiedUser(c.req.header('authorization')));
        if (user) await consume(userLimiter, `${kind}:${user}`, 'from this user');
        await next();
      };
    },
  };
}
export type RateLimits = ReturnType<typeof createRateLimits>;

/** Longest address taken from a forwarded header; anything longer is not an address and is ignored. */
const MAX_ADDRESS_CHARS = 64;

/**
 * The value a chain of `hops` trusted proxies vouches for in a comma-separated forwarded header: each proxy
 * appends what it saw, so the entry `hops` from the right is the one the outermost trusted proxy wrote. Entries
 * further left are whatever the client sent and are never read.
 */
export function forwardedEntry(header: string | undefined, hops: number): string | undefined {
  if (!header) return undefined;
  const entries = header.split(',');
  const entry = entries[Math.max(0, entries.length - hops)]?.trim();
  return entry && entry.length <= MAX_ADDRESS_CHARS ? entry : undefined;
}

export function clientAddress(c: AppContext, proxy: Pick<Config, 'trustProxy' | 'trustProxyHops'>): string {
  if (proxy.trustProxy) {
    const forwarded = forwardedEntry(c.req.header('x-forwarded-for'), proxy.trustProxyHops);
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
