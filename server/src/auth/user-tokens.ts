import type { Role, Tier } from '@frontrow/client/protocol';
import {
  createRemoteJWKSet,
  errors,
  type JWTHeaderParameters,
  type JWTPayload,
  type JWTVerifyGetKey,
  type JWTVerifyResult,
  jwtVerify,
  SignJWT,
} from 'jose';
import { ACCESS_TOKEN_TYP } from '../access/tokens.ts';
import type { Config } from '../config/index.ts';
import { AppError } from '../http/errors.ts';
import { hs256Verifier } from './hs256.ts';
import { MAX_AUTHORIZATION_CHARS } from './middleware.ts';
import { verifiedTokens } from './verified-tokens.ts';

export interface AuthUser {
  id: string;
  name: string;
  tier: Tier;
  role: Role;
  /** When the token that proved this identity expires (sockets are dropped then). */
  expiresAt?: Date;
}

/** Typ of the user tokens this service issues itself; an access token (typ `frontrow-access`) is never one. */
export const USER_TOKEN_TYP = 'JWT';
const ASYMMETRIC_ALGS = ['RS256', 'ES256', 'EdDSA'];
const DEV_TOKEN_TTL_SECONDS = 12 * 60 * 60;

export interface UserTokens {
  verify(token: string): Promise<AuthUser>;
  /** Signs a development token; undefined when the dev issuer is off. */
  issueDevToken?(user: Partial<AuthUser> & { id: string }): Promise<{ token: string; expiresAt: string }>;
}

/**
 * User tokens come from an identity provider (JWKS, asymmetric algorithms) or, in development, from a shared
 * HS256 secret. Algorithms are pinned per key source, `exp` and `sub` are required, issuer and audience are checked
 * when configured. `exp` and `nbf` are read by `now`, the service's clock.
 */
export function createUserTokens(auth: Config['auth'], now: () => Date = () => new Date()): UserTokens {
  const hs256 = auth.jwtSecret ? hs256Verifier(auth.jwtSecret) : undefined;
  const secret = hs256?.key;
  const jwks: JWTVerifyGetKey | undefined = auth.jwksUrl
    ? createRemoteJWKSet(new URL(auth.jwksUrl), { timeoutDuration: 3_000, cooldownDuration: 30_000 })
    : undefined;
  if (!secret && !jwks) throw new Error('user tokens need AUTH_JWT_SECRET or AUTH_JWKS_URL');

  const options = {
    requiredClaims: ['exp', 'sub'],
    ...(auth.issuer ? { issuer: auth.issuer } : {}),
    ...(auth.audience ? { audience: auth.audience } : {}),
  };

  async function verifyToken(token: string): Promise<JWTVerifyResult> {
    // A token names its algorithm; route it to the one key source allowed to verify that algorithm.
    const alg = headerAlg(token);
    if (alg === 'HS256' && hs256) {
      return hs256.verify(token, { ...options, currentDate: now(), algorithms: ['HS256'] });
    }
    if (alg && ASYMMETRIC_ALGS.includes(alg) && jwks) {
      return jwtVerify(token, jwks, { ...options, currentDate: now(), algorithms: ASYMMETRIC_ALGS });
    }
    throw new AppError('INVALID_TOKEN', `Token algorithm ${alg ?? '(none)'} is not accepted`);
  }

  // User tokens are never revoked before exp, so a verified one is good until then.
  const verified = verifiedTokens<AuthUser>();

  const tokens: UserTokens = {
    async verify(token) {
      const hit = verified.get(token, now().getTime());
      if (hit) return hit;
      if (token.length > MAX_AUTHORIZATION_CHARS) throw new AppError('INVALID_TOKEN', 'Token is too long');
      let payload: JWTPayload;
      let protectedHeader: JWTHeaderParameters;
      try {
        ({ payload, protectedHeader } = await verifyToken(token));
      } catch (err) {
        throw toAuthError(err);
      }
      // The typ that separates the two token kinds lives in the signed header; an operator who reuses one secret
      // for both must still not be able to book with a user token or log in with an access token.
      if (isAccessTyp(protectedHeader.typ) || isAccessTyp(payload.typ)) {
        throw new AppError('INVALID_TOKEN', 'An access token is not a user token');
      }
      const user = claimsToUser(payload);
      verified.set(token, user);
      return user;
    },
  };

  if (auth.devTokens && secret) {
    tokens.issueDevToken = async (user) => {
      const iat = Math.floor(now().getTime() / 1000);
      const exp = iat + DEV_TOKEN_TTL_SECONDS;
      let jwt = new SignJWT({
        name: user.name ?? user.id,
        tier: user.tier ?? 'normal',
        role: user.role ?? 'user',
      })
        .setProtectedHeader({ alg: 'HS256', typ: USER_TOKEN_TYP })
        .setSubject(user.id)
        .setIssuedAt(iat)
        .setExpirationTime(exp);
      if (auth.issuer) jwt = jwt.setIssuer(auth.issuer);
      if (auth.audience) jwt = jwt.setAudience(auth.audience);
      return { token: await jwt.sign(await secret), expiresAt: new Date(exp * 1000).toISOString() };
    };
  }
  return tokens;
}

/** RFC 7515 4.1.9: typ compares case-insensitively, and `application/` may be left out. */
function isAccessTyp(typ: unknown): boolean {
  if (typeof typ !== 'string') return false;
  const lower = typ.toLowerCase();
  return (lower.startsWith('application/') ? lower.slice(12) : lower) === ACCESS_TOKEN_TYP;
}

function headerAlg(token: string): string | undefined {
  const head = token.split('.')[0];
  if (!head) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(head, 'base64url').toString('utf8')) as { alg?: unknown };
    return typeof parsed.alg === 'string' ? parsed.alg : undefined;
  } catch {
    return undefined;
  }
}

const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

export function claimsToUser(payload: JWTPayload): AuthUser {
  const sub = payload.sub;
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > 64) {
    throw new AppError('INVALID_TOKEN', 'Token subject must be a string of 1 to 64 characters');
  }
  // The identifier columns compare bytes but pad with spaces (drizzle/schema.ts `exactId`), so `alice ` would be
  // `alice` in MySQL and another fan in Redis; a lone surrogate cannot be stored as utf8mb4 at all.
  if (sub.endsWith(' ') || LONE_SURROGATE.test(sub)) {
    throw new AppError('INVALID_TOKEN', 'Token subject must not end in a space or hold a lone surrogate');
  }
  const name = typeof payload.name === 'string' && payload.name.length > 0 ? payload.name.slice(0, 100) : sub;
  const user: AuthUser = {
    id: sub,
    name,
    tier: payload.tier === 'vip' ? 'vip' : 'normal',
    role: payload.role === 'admin' ? 'admin' : 'user',
  };
  if (typeof payload.exp === 'number') user.expiresAt = new Date(payload.exp * 1000);
  return user;
}

/** jose's failures become the API's three token codes; nothing about the key is revealed. */
export function toAuthError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof errors.JWTExpired) return new AppError('TOKEN_EXPIRED', 'Token has expired');
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JOSEError) {
    if (err instanceof errors.JWKSTimeout) {
      return new AppError('DEPENDENCY_UNAVAILABLE', 'The identity provider did not answer');
    }
    return new AppError('INVALID_TOKEN', 'Token is invalid');
  }
  return new AppError('INVALID_TOKEN', 'Token is invalid');
}
