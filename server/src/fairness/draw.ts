import { createHash, createHmac, randomBytes } from 'node:crypto';
import { drawOrderText } from '@frontrow/client/draw';
import type { DrawLanes } from '@frontrow/client/protocol';
import type { ChainableCommander } from 'ioredis';

/**
 * The server's half of frontrow-draw v1 (docs/fairness.md): the secret seed, its commitment, and the stream of
 * 32-bit words that admission/open-sale.lua shuffles with. Redis Lua has no SHA-256, so the words are computed
 * here, with Node's HMAC, from the seed the sale hash holds.
 */
export const DRAW_ALGORITHM = 'frontrow-draw';
export const DRAW_VERSION = 1;

/** A fresh 256-bit seed, hex. */
export const newDrawSeed = (): string => randomBytes(32).toString('hex');

export const drawCommitment = (seedHex: string): string =>
  createHash('sha256').update(Buffer.from(seedHex, 'hex')).digest('hex');

/** The first `count` words of the seed's stream, 4 bytes each, big-endian: block k = HMAC-SHA256(seed, u64be(k)). */
export function drawWords(seedHex: string, count: number): Buffer {
  const key = Buffer.from(seedHex, 'hex');
  const blocks = Math.ceil(count / 8);
  const out = Buffer.alloc(blocks * 32);
  const counter = Buffer.alloc(8);
  for (let k = 0; k < blocks; k++) {
    counter.writeBigUInt64BE(BigInt(k));
    createHmac('sha256', key)
      .update(counter)
      .digest()
      .copy(out, k * 32);
  }
  return out.subarray(0, count * 4);
}

/**
 * SHA-256 of the drawn order's canonical text (`vip:<tickets>\npresale:<tickets>\nnormal:<tickets>\n`, tickets
 * comma-separated), with Node's hash: the SDK's own SHA-256 is held to it by the tests.
 */
export const drawOrderHash = (drawn: DrawLanes): string =>
  createHash('sha256').update(drawOrderText(drawn)).digest('hex');

/**
 * The seed as `queue_shuffles.seed` (64 characters) records it: the algorithm named, so the record explains
 * itself; the seed in base64url, which fits where hex would not.
 */
export const recordedDrawSeed = (seedHex: string): string =>
  `${DRAW_ALGORITHM}-v${DRAW_VERSION}:${Buffer.from(seedHex, 'hex').toString('base64url')}`;

/** The hex seed of a `queue_shuffles.seed` written by `recordedDrawSeed` (undefined for another algorithm's). */
export function seedFromRecord(recorded: string): string | undefined {
  const prefix = `${DRAW_ALGORITHM}-v${DRAW_VERSION}:`;
  if (!recorded.startsWith(prefix)) return undefined;
  return Buffer.from(recorded.slice(prefix.length), 'base64url').toString('hex');
}

/**
 * Queues on `multi` the drawing of a sale's secret seed and its commitment, both only where the sale hash has no
 * seed yet: one MULTI sets both or neither, so the commitment is always the seed's.
 */
export function commitDrawSeed(multi: ChainableCommander, saleKey: string): ChainableCommander {
  const seed = newDrawSeed();
  return multi.hsetnx(saleKey, 'drawSeed', seed).hsetnx(saleKey, 'drawCommit', drawCommitment(seed));
}
