import { randomInt } from 'node:crypto';

/**
 * xorshift32 (Marsaglia 2003), bit for bit the generator of open-sale.lua: a 32-bit state, never 0. Not
 * cryptographic, and it need not be: the seed is drawn from the OS at the moment the sale opens and recorded
 * (Redis `sale.seed`, MySQL `queue_shuffles.seed`), so the permutation cannot be predicted and can be audited.
 */
export function xorshift32(seed: number): () => number {
  let x = seed >>> 0;
  if (x === 0) throw new Error('xorshift32 needs a non-zero seed');
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

/** A fresh seed for a sale's shuffle: 8 hex digits, never 0. */
export function newShuffleSeed(): string {
  return randomInt(1, 2 ** 32)
    .toString(16)
    .padStart(8, '0');
}

/** The seed as `queue_shuffles.seed` records it: the algorithm named, so the record explains itself. */
export const recordedSeed = (seed: string) => `xorshift32-fisher-yates:${seed}`;

/**
 * Replays a sale's pre-queue shuffle. Give each lane's pre-sale fans in their order before the shuffle (laneSeq
 * ascending); get each lane's fans in their order after it. The (ticket, laneSeq) pairs stay where they were:
 * the fan at index i after the shuffle holds the pair the fan at index i held before.
 */
export function replayShuffle<T>(seed: string, lanes: { vip: T[]; normal: T[] }): { vip: T[]; normal: T[] } {
  const next = xorshift32(Number.parseInt(seed, 16));
  const permute = (fans: T[]) => {
    const order = fans.map((_, i) => i);
    for (let i = fans.length; i >= 2; i--) {
      const j = (next() % i) + 1;
      [order[i - 1], order[j - 1]] = [order[j - 1]!, order[i - 1]!];
    }
    return order.map((k) => fans[k]!);
  };
  // One generator for both lanes, VIP first: the order open-sale.lua draws in.
  const vip = permute(lanes.vip);
  const normal = permute(lanes.normal);
  return { vip, normal };
}
