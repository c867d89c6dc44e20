import type { MiddlewareHandler } from 'hono';
import type { AppContext, AppEnv } from '../http/context.ts';
import { AppError } from '../http/errors.ts';
import { type AccessGrant, type AccessTokens, accessTokenFrom } from './tokens.ts';

/**
 * Booking routes need the user token (Authorization) and the concert access token (X-Queue-Token) of the same
 * fan. Routes learn the concert from their input, then call `requireConcert`.
 */
export function requireAccess(tokens: AccessTokens): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const user = c.get('user');
    const grant = await tokens.verify(
      accessTokenFrom((name) => c.req.header(name)),
      user ? { userId: user.id } : {},
    );
    c.set('access', grant);
    await next();
  };
}

export function currentAccess(c: AppContext): AccessGrant {
  const grant = c.get('access');
  if (!grant) throw new AppError('UNAUTHENTICATED', 'X-Queue-Token with a concert access token is required');
  return grant;
}

/** 403 WRONG_CONCERT when the access token was issued for another concert than the one being booked. */
export function requireConcert(grant: AccessGrant, concertId: number): void {
  if (grant.concertId !== concertId) {
    throw new AppError('WRONG_CONCERT', 'This access token is for another concert', {
      tokenConcertId: grant.concertId,
      concertId,
    });
  }
}
