import { errors, type JWTPayload, SignJWT } from 'jose';
import { hs256Verifier } from '../auth/hs256.ts';
import { verifiedTokens } from '../auth/verified-tokens.ts';
import { AppError } from '../http/errors.ts';
import type { AccessSessions } from './sessions.ts';

export const ACCESS_TOKEN_TYP = 'frontrow-access';
const AUDIENCE = 'frontrow-booking';

export interface AccessGrant {
  userId: string;
  concertId: number;
  jti: string;
  expiresAt: Date;
}

/**
 * Concert access tokens: HS256 JWTs bound to one fan and one concert, carrying the session id (`jti`). They are
 * refused for another concert (403 WRONG_CONCERT), after `exp` (401 TOKEN_EXPIRED) and as soon as their session
 * has ended (401 TOKEN_EXPIRED), even before `exp`. A user token is never an access token, and vice versa.
 */
export function createAccessTokens(secret: string, sessions: AccessSessions, now: () => Date) {
  const hs256 = hs256Verifier(secret);
  const key = hs256.key;
  // Its session may end before exp, so a remembered grant still meets `sessions.isLive` on every request.
  const verified = verifiedTokens<AccessGrant>();

  /** Signature, typ, audience, exp and the claims a grant needs; remembered once good. */
  async function verifySignature(token: string): Promise<AccessGrant> {
    let payload: JWTPayload;
    try {
      ({ payload } = await hs256.verify(token, {
        algorithms: ['HS256'],
        audience: AUDIENCE,
        typ: ACCESS_TOKEN_TYP,
        requiredClaims: ['exp', 'sub', 'jti'],
        currentDate: now(),
      }));
    } catch (err) {
      if (err instanceof errors.JWTExpired) throw new AppError('TOKEN_EXPIRED', 'Access token has expired');
      throw new AppError('INVALID_TOKEN', 'Access token is invalid');
    }
    const { concertId, sub, jti } = payload;
    if (typeof concertId !== 'number' || typeof sub !== 'string' || typeof jti !== 'string') {
      throw new AppError('INVALID_TOKEN', 'Access token is invalid');
    }
    const grant = { userId: sub, concertId, jti, expiresAt: new Date((payload.exp ?? 0) * 1000) };
    verified.set(token, grant);
    return grant;
  }

  return {
    async sign(grant: AccessGrant): Promise<string> {
      return new SignJWT({ concertId: grant.concertId })
        .setProtectedHeader({ alg: 'HS256', typ: ACCESS_TOKEN_TYP })
        .setSubject(grant.userId)
        .setAudience(AUDIENCE)
        .setJti(grant.jti)
        .setIssuedAt(Math.floor(now().getTime() / 1000))
        .setExpirationTime(Math.floor(grant.expiresAt.getTime() / 1000))
        .sign(await key);
    },

    /**
     * Verifies an access token for `concertId` (when the route knows it) and, when `userId` is given, that it
     * belongs to the caller of the user token too.
     */
    async verify(
      token: string | undefined,
      expect: { concertId?: number; userId?: string } = {},
    ): Promise<AccessGrant> {
      if (!token)
        throw new AppError('UNAUTHENTICATED', 'X-Queue-Token with a concert access token is required');
      const grant = verified.get(token, now().getTime()) ?? (await verifySignature(token));
      if (expect.userId !== undefined && grant.userId !== expect.userId) {
        throw new AppError('FORBIDDEN', 'This access token belongs to another user');
      }
      if (expect.concertId !== undefined && grant.concertId !== expect.concertId) {
        throw new AppError('WRONG_CONCERT', 'This access token is for another concert', {
          tokenConcertId: grant.concertId,
          concertId: expect.concertId,
        });
      }
      if (!(await sessions.isLive(grant.concertId, grant.userId, grant.jti))) {
        throw new AppError('TOKEN_EXPIRED', 'The booking session of this access token has ended');
      }
      return grant;
    },
  };
}
export type AccessTokens = ReturnType<typeof createAccessTokens>;

/** `X-Queue-Token`, or its alias `Queue-Token` (docs/api.md). */
export function accessTokenFrom(header: (name: string) => string | undefined): string | undefined {
  return header('x-queue-token') ?? header('queue-token');
}
