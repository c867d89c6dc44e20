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

/**
 * Longest Authorization header looked at. Identity-provider tokens stay well under it; anything longer is refused
 * before a single character is scanned, so the work per request has a fixed ceiling.
 */
export const MAX_AUTHORIZATION_CHARS = 8192;

const isBlank = (code: number) => code === 0x20 || code === 0x09;

/**
 * `Bearer <token>` read in one left-to-right pass (RFC 6750: the scheme is case-insensitive, then blanks, then
 * one token, optionally followed by blanks). It runs before any authentication, so it uses no regular
 * expression: a backtracking pattern over runs of blanks was quadratic in the header length.
 */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header || header.length > MAX_AUTHORIZATION_CHARS) return undefined;
  if (header.slice(0, 6).toLowerCase() !== 'bearer') return undefined;
  let i = 6;
  if (i >= header.length || !isBlank(header.charCodeAt(i))) return undefined;
  while (i < header.length && isBlank(header.charCodeAt(i))) i++;
  const start = i;
  while (i < header.length && header.charCodeAt(i) > 0x20 && header.charCodeAt(i) < 0x7f) i++;
  const end = i;
  while (i < header.length && isBlank(header.charCodeAt(i))) i++;
  return end > start && i === header.length ? header.slice(start, end) : undefined;
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
