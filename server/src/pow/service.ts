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

const refuse = (reason: string, concertId: number, difficultyBits?: number) =>
  new AppError(
    'INVALID_PROOF_OF_WORK',
    reason === 'REQUIRED'
      ? 'This waiting room asks for a proof of work: get a challenge, solve it, and enter with it'
      : `The proof of work was refused (${reason.toLowerCase().replace(/_/g, ' ')}): get a new challenge`,
    { concertId, reason, ...(difficultyBits === undefined ? {} : { difficultyBits }) },
  );

/**
 * Proof-of-work at the door: a concert may ask every new entry for SHA-256 work of a chosen difficulty. A
 * challenge is signed by the server (HMAC) and names the concert, the fan, its expiry and its difficulty, so
 * checking one needs no storage but a one-use mark in Redis, and never MySQL.
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

    /** Lets an enter through, or throws 403 INVALID_PROOF_OF_WORK. Each challenge works once. */
    async verify(
      concertId: number,
      userId: string,
      proof: { challenge?: string; nonce?: string },
    ): Promise<void> {
      const required = await difficulty(concertId);
      if (required === 0) return;
      if (!proof.challenge || proof.nonce === undefined) throw refuse('REQUIRED', concertId, required);
      const parts = proof.challenge.split('.');
      const [version, concert, user, expires, bits, , signature] = parts;
      if (parts.length !== 7 || version !== 'v1') throw refuse('MALFORMED', concertId);
      const expected = Buffer.from(mac(parts.slice(0, 6).join('.')));
      const given = Buffer.from(signature ?? '');
      if (given.length !== expected.length || !timingSafeEqual(given, expected))
        throw refuse('BAD_SIGNATURE', concertId);
      if (Number(concert) !== concertId || Buffer.from(user ?? '', 'base64url').toString() !== userId)
        throw refuse('NOT_YOURS', concertId);
      const expiresAt = Number(expires);
      const left = expiresAt - now().getTime();
      if (left <= 0) throw refuse('EXPIRED', concertId);
      if (Number(bits) < required) throw refuse('TOO_EASY', concertId, required);
      const digest = createHash('sha256').update(`${proof.challenge}.${proof.nonce}`).digest();
      if (leadingZeroBits(digest) < Number(bits)) throw refuse('INSUFFICIENT_WORK', concertId, Number(bits));
      const first = await redis.set(keys.powUsed(concertId, parts[5]!), '1', 'PX', left, 'NX');
      if (first !== 'OK') throw refuse('USED', concertId);
    },
  };
}
export type ProofOfWork = ReturnType<typeof createProofOfWork>;
