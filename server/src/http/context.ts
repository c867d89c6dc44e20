import type { Context } from 'hono';
import type { AccessGrant } from '../access/tokens.ts';
import type { AuthUser } from '../auth/user-tokens.ts';
import type { Logger } from '../logging/logger.ts';
import { AppError } from './errors.ts';

/** Per-request variables every route may read. */
export interface AppEnv {
  Variables: {
    requestId: string;
    /** The process logger; use `requestLogger(c)` to log about a request. */
    baseLogger: Logger;
    user?: AuthUser;
    /** The verified concert access token of booking routes. */
    access?: AccessGrant;
    /** Set once the request was charged to a rate limit (ops/rate-limit.ts), so it is charged once. */
    rateLimited?: true;
  };
}

export type AppContext = Context<AppEnv>;

/** The caller, as set by the `requireUser` middleware; a route that forgot the middleware fails loudly. */
export function currentUser(c: AppContext): AuthUser {
  const user = c.get('user');
  if (!user) throw new AppError('UNAUTHENTICATED', 'Authentication required');
  return user;
}

/**
 * The request's logger, bound to its request id and caller. Built on demand: most requests never log, and a
 * pino child per request would cost every hot route for nothing.
 */
export function requestLogger(c: AppContext): Logger {
  const user = c.get('user');
  return c.get('baseLogger').child({ requestId: c.get('requestId'), ...(user ? { userId: user.id } : {}) });
}

/** Success envelope. */
export function ok<T>(data: T) {
  return { success: true as const, data };
}

/**
 * An envelope with its status, fresh or recorded by an Idempotency-Key (payments/idempotency.ts), sent as is: a
 * replay answers exactly what the first request got.
 */
export function sendRecorded(c: AppContext, response: { status: number; body: unknown }) {
  return c.json(response.body as never, response.status as never);
}
