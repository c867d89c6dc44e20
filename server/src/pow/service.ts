import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { PowChallenge, PowSettings } from '@frontrow/client/protocol';
import { AppError } from '../http/errors.ts';
import type { RedisClient } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import type { SaleCache } from '../waiting-room/sale-cache.ts';

/**
 * The difficulty an organiser gets by turning the gate on without choosing one: about 2^19 SHA-256 tries, a
 * second or two in a browser tab (docs/performance.md has the measurement).
 */
export const POW_DEFAULT_BITS = 19;

/** How long a challenge can be used. */
export const CHALLENGE_TTL_MS = 120_000;

/** Leading zero bits of a SHA-256 digest. */
export function leadingZeroBits(digest: Buffer): number {
  let bits = 0;
  for (const byte of digest) {
    if (byte === 0) {
      bits += 8;
      continue;
    }
    return bits + Math.clz32(byte) - 24;
  }
  return bits;
}

/**
 * The 403 of a refused proof; `reason` is a refused ProofCheck verdict, or REQUIRED, TOO_EASY, INSUFFICIENT_WORK
 * or USED.
 */
export const proofRefused = (reason: string, concertId: number, difficultyBits?: number) =>
  new AppError(
    'INVALID_PROOF_OF_WORK',
    reason === 'REQUIRED'
      ? 'This waiting room asks for a proof of work: get a challenge, solve it, and enter with it'
      : `The proof of work was refused (${reason.toLowerCase().replace(/_/g, ' ')}): get a new challenge`,
    { concertId, reason, ...(difficultyBits === undefined ? {} : { difficultyBits }) },
  );

/**
 * What the server can tell of a fan's proof without Redis. The waiting room's enter step (waiting-room/enter.lua)
 * compares it with the concert's difficulty and marks the challenge used, in the same step that lets the fan in.
 */
export interface ProofCheck {
  /** NONE: no proof given; OK: a challenge this server signed, for this concert and fan, not expired. */
  verdict: 'NONE' | 'MALFORMED' | 'BAD_SIGNATURE' | 'NOT_YOURS' | 'EXPIRED' | 'OK';
  /** The challenge's difficulty (0 unless OK). */
  bits: number;
  /** The nonce gives SHA-256(`<challenge>.<nonce>`) at least `bits` leading zero bits. */
  solved: boolean;
  /** The challenge's random part, which names its one-use mark ('' unless OK). */
  challengeId: string;
  /** How long the challenge stays usable, in milliseconds (0 unless OK). */
  ttlMs: number;
}

const NO_PROOF: ProofCheck = { verdict: 'NONE', bits: 0, solved: false, challengeId: '', ttlMs: 0 };

/**
 * Proof-of-work at the door: a concert may ask every new entry for SHA-256 work of a chosen difficulty. A
 * challenge is signed by the server (HMAC) and names the concert, the fan, its expiry and its difficulty, so
 * checking one needs no storage but a one-use mark in Redis, and never MySQL. The concert's difficulty is weighed,
 * and the mark set, by the enter step itself (waiting-room/enter.lua), so a gated entry costs no extra Redis call.
 *
 * Challenge: `v1.<concertId>.<base64url userId>.<expiresAtMs>.<bits>.<random>.<mac>`; the fan finds a decimal
 * nonce with SHA-256(`<challenge>.<nonce>`) starting with `bits` zero bits.
 */
export function createProofOfWork(deps: {
  redis: RedisClient;
  keys: Keys;
  saleCache: SaleCache;
  secret: string;
  now: () => Date;
}) {
  const { redis, keys, saleCache, now } = deps;
  // A key of its own, derived from the access-token secret, so a challenge MAC is never a valid token MAC.
  const key = createHmac('sha256', deps.secret).update('frontrow proof-of-work challenges').digest();
  const mac = (payload: string) => createHmac('sha256', key).update(payload).digest('base64url');

  /** One read of the sale hash when it is cached (every enter asks); a miss fills it first (404 when unknown). */
  async function difficulty(concertId: number): Promise<number> {
    const [state, bits] = await redis.hmget(keys.sale(concertId), 'state', 'powBits');
    if (state) return Number(bits ?? 0);
    await saleCache.ensure(concertId);
    return Number((await redis.hget(keys.sale(concertId), 'powBits')) ?? 0);
  }

  return {
    difficulty,

    async setDifficulty(concertId: number, difficultyBits: number): Promise<PowSettings> {
      await saleCache.ensure(concertId);
      await redis.hset(keys.sale(concertId), 'powBits', difficultyBits);
      return { concertId, difficultyBits };
    },

    async challenge(concertId: number, userId: string): Promise<PowChallenge> {
      const bits = await difficulty(concertId);
      if (bits === 0) return { concertId, difficultyBits: 0, challenge: null, expiresAt: null };
      const expiresAt = now().getTime() + CHALLENGE_TTL_MS;
      const user = Buffer.from(userId).toString('base64url');
      const payload = `v1.${concertId}.${user}.${expiresAt}.${bits}.${randomBytes(12).toString('base64url')}`;
      return {
        concertId,
        difficultyBits: bits,
        challenge: `${payload}.${mac(payload)}`,
        expiresAt: new Date(expiresAt).toISOString(),
      };
    },

    /**
     * The fan's proof as far as it can be judged here (signature, owner, expiry, work), for the enter step to
     * weigh against the concert's difficulty. A concert without the gate ignores it.
     */
    check(concertId: number, userId: string, proof: { challenge?: string; nonce?: string }): ProofCheck {
      if (!proof.challenge || proof.nonce === undefined) return NO_PROOF;
      const refused = (verdict: ProofCheck['verdict']): ProofCheck => ({ ...NO_PROOF, verdict });
      const parts = proof.challenge.split('.');
      const [version, concert, user, expires, bits, challengeId, signature] = parts;
      if (parts.length !== 7 || version !== 'v1') return refused('MALFORMED');
      const expected = Buffer.from(mac(parts.slice(0, 6).join('.')));
      const given = Buffer.from(signature ?? '');
      if (given.length !== expected.length || !timingSafeEqual(given, expected))
        return refused('BAD_SIGNATURE');
      if (Number(concert) !== concertId || Buffer.from(user ?? '', 'base64url').toString() !== userId)
        return refused('NOT_YOURS');
      const ttlMs = Number(expires) - now().getTime();
      if (!(ttlMs > 0)) return refused('EXPIRED');
      const digest = createHash('sha256').update(`${proof.challenge}.${proof.nonce}`).digest();
      return {
        verdict: 'OK',
        bits: Number(bits),
        solved: leadingZeroBits(digest) >= Number(bits),
        challengeId: challengeId ?? '',
        ttlMs,
      };
    },
  };
}
export type ProofOfWork = ReturnType<typeof createProofOfWork>;
