import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto';
import {
  type JWTHeaderParameters,
  type JWTPayload,
  type JWTVerifyOptions,
  type JWTVerifyResult,
  jwtVerify,
} from 'jose';
import { importHmacKey } from './hmac-key.ts';

/**
 * HS256 JWT verification with a synchronous node:crypto fast path in front of jose. jose verifies HMAC through
 * WebCrypto, which is asynchronous (a round trip through libuv's thread pool per token); node:crypto computes the
 * same HMAC in place.
 *
 * The fast path only ever accepts. It takes the plain shape of a compact JWS (three canonical base64url segments, a
 * JSON object header with `alg` exactly HS256, no `crit` or `b64`) and checks what `jwtVerify` checks with the same
 * options: the allowed algorithms, the signature (constant-time compare), a JSON object claims set, `typ`, the
 * required claims, `iss`, `aud`, `sub`, and `nbf`/`exp`/`iat` with the same clock tolerance. Anything else, a token
 * that fails any of these checks included, goes to jose, so every refusal and its error are jose's own.
 */

const strictDecoder = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();
/** Base64url without padding or blanks: the one spelling the fast path reads (atob and Buffer agree on it). */
const SEGMENT = /^[A-Za-z0-9_-]*$/;
const HMAC_BYTES = 32;

export interface Hs256Verifier {
  /** The imported WebCrypto key, for signing with jose. */
  key: Promise<CryptoKey>;
  verify(token: string, options: JWTVerifyOptions): Promise<JWTVerifyResult>;
}

export function hs256Verifier(secret: string): Hs256Verifier {
  const key = importHmacKey(secret);
  // The same bytes jose's key holds (importHmacKey encodes the secret with TextEncoder).
  const keyObject = createSecretKey(encoder.encode(secret));
  return {
    key,
    async verify(token, options) {
      return verifyHs256Sync(keyObject, token, options) ?? jwtVerify(token, await key, options);
    },
  };
}

/** The fast path alone: the verified token, or undefined for "ask jose" (never an error). Exported for tests. */
export function verifyHs256Sync(
  key: KeyObject,
  token: string,
  options: JWTVerifyOptions,
): JWTVerifyResult | undefined {
  // Options the fast path does not implement go to jose as they are.
  if (
    options.maxTokenAge !== undefined ||
    (options.clockTolerance !== undefined && typeof options.clockTolerance !== 'number') ||
    options.crit !== undefined ||
    !Array.isArray(options.algorithms) ||
    !options.algorithms.includes('HS256')
  ) {
    return undefined;
  }
  if (typeof token !== 'string') return undefined;
  const first = token.indexOf('.');
  const second = token.indexOf('.', first + 1);
  if (first < 0 || second < 0 || token.indexOf('.', second + 1) >= 0) return undefined;
  const head = token.slice(0, first);
  const body = token.slice(first + 1, second);
  const signature = token.slice(second + 1);
  for (const part of [head, body, signature]) {
    if (part.length % 4 === 1 || !SEGMENT.test(part)) return undefined;
  }

  const header = parseObject(head);
  if (header?.alg !== 'HS256' || Object.hasOwn(header, 'crit') || Object.hasOwn(header, 'b64')) {
    return undefined;
  }

  const expected = createHmac('sha256', key).update(token.slice(0, second), 'latin1').digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== HMAC_BYTES || !timingSafeEqual(expected, given)) return undefined;

  const claims = parseObject(body) as JWTPayload | undefined;
  if (!claims || !claimsHold(header, claims, options)) return undefined;
  return { payload: claims, protectedHeader: header as JWTHeaderParameters };
}

function parseObject(segment: string): Record<string, unknown> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(strictDecoder.decode(Buffer.from(segment, 'base64url')));
  } catch {
    return undefined;
  }
  return isPlainObject(parsed) ? parsed : undefined;
}

function isPlainObject(input: unknown): input is Record<string, unknown> {
  if (
    typeof input !== 'object' ||
    input === null ||
    Object.prototype.toString.call(input) !== '[object Object]'
  ) {
    return false;
  }
  const proto = Object.getPrototypeOf(input);
  return proto === null || Object.getPrototypeOf(proto) === null;
}

const normalizeTyp = (value: string) => {
  const lower = value.toLowerCase();
  return value.includes('/') ? lower : `application/${lower}`;
};

/** jose's claim-set rules (jwt_claims_set.js), for the options the fast path takes. */
function claimsHold(header: Record<string, unknown>, claims: JWTPayload, options: JWTVerifyOptions): boolean {
  if (options.typ !== undefined) {
    if (typeof header.typ !== 'string' || normalizeTyp(header.typ) !== normalizeTyp(options.typ))
      return false;
  }
  const { requiredClaims = [], issuer, audience, subject } = options;
  const present = [...requiredClaims];
  if (audience !== undefined) present.push('aud');
  if (subject !== undefined) present.push('sub');
  if (issuer !== undefined) present.push('iss');
  if (present.some((claim) => !Object.hasOwn(claims, claim))) return false;
  if (issuer !== undefined && !(Array.isArray(issuer) ? issuer : [issuer]).includes(claims.iss as string)) {
    return false;
  }
  if (subject !== undefined && claims.sub !== subject) return false;
  if (audience !== undefined) {
    const wanted = typeof audience === 'string' ? [audience] : audience;
    const aud = claims.aud;
    const hit =
      typeof aud === 'string'
        ? wanted.includes(aud)
        : Array.isArray(aud)
          ? wanted.some((a) => aud.includes(a))
          : false;
    if (!hit) return false;
  }
  const tolerance = (options.clockTolerance as number | undefined) ?? 0;
  if (!Number.isFinite(tolerance) || tolerance < 0) return false;
  const now = Math.floor((options.currentDate ?? new Date()).getTime() / 1000);
  if (!Number.isFinite(now)) return false;
  for (const claim of ['iat', 'nbf', 'exp'] as const) {
    if (claims[claim] !== undefined && typeof claims[claim] !== 'number') return false;
  }
  if (claims.nbf !== undefined && claims.nbf > now + tolerance) return false;
  if (claims.exp !== undefined && claims.exp <= now - tolerance) return false;
  return true;
}
