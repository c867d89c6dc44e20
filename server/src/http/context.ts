import type { Context } from 'hono';
import type { AccessGrant } from '../access/tokens.ts';
import type { AuthUser } from '../auth/user-tokens.ts';
import type { Logger } from '../logging/logger.ts';
import { AppError } from './errors.ts';

/** Per-request variables every route may read. */
export interface AppEnv {
  Variables: {
    requestId: string;
    logger: Logger;
    user?: AuthUser;
    /** The verified concert access token of booking routes. */
    access?: AccessGrant;
  };
}

export type AppContext = Context<AppEnv>;

/** The caller, as set by the `requireUser` middleware; a route that forgot the middleware fails loudly. */
export function currentUser(c: AppContext): AuthUser {
  const user = c.get('user');
  if (!user) throw new AppError('UNAUTHENTICATED', 'Authentication required');
  return user;
}

/** Success envelope. */
export function ok<T>(data: T) {
  return { success: true as const, data };
}
