import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../http/context.ts';
import { AppError } from '../http/errors.ts';
import type { UserTokens } from './user-tokens.ts';
import type { UserDirectory } from './users.ts';

export interface AuthGuards {
  /** Requires a valid user token; `persist` also makes sure the user row exists (routes that write MySQL). */
  user(opts?: { persist?: boolean }): MiddlewareHandler<AppEnv>;
  /** Requires a user token with role admin. */
  admin(): MiddlewareHandler<AppEnv>;
}

export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

export function createAuthGuards(tokens: UserTokens, directory: UserDirectory): AuthGuards {
  const user =
    (opts: { persist?: boolean } = {}): MiddlewareHandler<AppEnv> =>
    async (c, next) => {
      const token = bearerToken(c.req.header('authorization'));
      if (!token) throw new AppError('UNAUTHENTICATED', 'Authorization: Bearer <token> is required');
      const verified = await tokens.verify(token);
      if (opts.persist) await directory.ensure(verified);
      c.set('user', verified);
      await next();
    };

  return {
    user,
    admin: () => async (c, next) => {
      await user({ persist: true })(c, async () => {
        if (c.get('user')?.role !== 'admin') throw new AppError('FORBIDDEN', 'Admin role required');
        await next();
      });
    },
  };
}
