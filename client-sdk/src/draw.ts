import { type DrawLanes, type FairnessRecord, LANES, type Lane } from './protocol.ts';
import { fromHex, hmacSha256, sha256, toHex, utf8 } from './sha256.ts';

/**
 * frontrow-draw v1, the pre-queue shuffle as docs/fairness.md specifies it, so anyone can recompute a draw from
 * its published seed and pre-queue. The server runs the same algorithm; the tests hold both to the same vector.
 */
export const DRAW_ALGORITHM = 'frontrow-draw';
export const DRAW_VERSION = 1;

/**
 * The draw's random source: block k = HMAC-SHA256(seed, k as 8 bytes big-endian), k = 0, 1, 2, ..., read as
 * eight big-endian 32-bit words in order. `uniform(n)` returns an unbiased integer in [0, n): it skips words at
 * or above 2^32 - (2^32 mod n) (rejection sampling) and takes the first other one mod n.
 */
export function drawStream(seed: Uint8Array): { word: () => number; uniform: (n: number) => number } {
  const mac = hmacSha256(seed);
  const counter = new Uint8Array(8);
  const counterView = new DataView(counter.buffer);
  let k = 0;
  let block: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(32));
  let used = 8;
  const word = () => {
    if (used === 8) {
      counterView.setUint32(0, Math.floor(k / 2 ** 32));
      counterView.setUint32(4, k >>> 0);
      block = new DataView(mac(counter).buffer);
      k += 1;
      used = 0;
    }
    return block.getUint32(4 * used++);
  };
  const uniform = (n: number) => {
    const limit = 2 ** 32 - (2 ** 32 % n);
    let x = word();
    while (x >= limit) x = word();
    return x % n;
  };
  return { word, uniform };
}

/**
 * Recomputes a draw: Fisher-Yates over each lane's entry tickets in ascending order (for i from n-1 down to 1,
 * swap i with uniform(i + 1)), the VIP lane first, then the presale lane, then the normal lane, on one stream.
 *
 * @example
 * const drawn = drawOrder(record.seed!, record.preQueue!);
 */
export function drawOrder(seedHex: string, preQueue: DrawLanes): DrawLanes {
  const seed = fromHex(seedHex);
  if (seed.length !== 32) throw new Error('the seed must be 32 bytes (64 hex digits)');
  const { uniform } = drawStream(seed);
  const shuffle = (tickets: number[]) => {
    const out = [...tickets].sort((a, b) => a - b);
    for (let i = out.length - 1; i >= 1; i--) {
      const j = uniform(i + 1);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  };
  const vip = shuffle(preQueue.vip);
  const presale = shuffle(preQueue.presale);
  const normal = shuffle(preQueue.normal);
  return { vip, presale, normal };
}

/** A drawn order's canonical text: one line per lane in admission order, `<lane>:<tickets>`, each ending in \n. */
export const drawOrderText = (drawn: DrawLanes): string =>
  LANES.map((lane) => `${lane}:${drawn[lane].join(',')}\n`).join('');

/**
 * SHA-256 (hex) of a drawn order's canonical text: `vip:` and the VIP tickets joined by commas, a newline, then
 * `presale:` and `normal:` likewise (UTF-8, decimal, no spaces; an empty lane is its name and the colon).
 *
 * @example
 * drawOrderHash({ vip: [2], presale: [], normal: [3, 1] }); // SHA-256 of "vip:2\npresale:\nnormal:3,1\n"
 */
export function drawOrderHash(drawn: DrawLanes): string {
  return toHex(sha256(utf8(drawOrderText(drawn))));
}

/** SHA-256 (hex) of a hex seed: the commitment published before the draw. */
export const drawCommitment = (seedHex: string): string => toHex(sha256(fromHex(seedHex)));

export interface DrawVerification {
  /** True when the seed matches the commitment and the recomputed order matches the published one and its hash. */
  valid: boolean;
  /** What did not match, in words (empty when valid). */
  problems: string[];
  /** The order recomputed from the seed and the pre-queue. */
  drawn: DrawLanes | null;
  orderHash: string | null;
  /** With `entryTicket`: where that ticket was drawn (1-based place in its lane), null if not in the pre-queue. */
  place?: { lane: Lane; place: number } | null;
}

/**
 * Checks a published draw: the revealed seed hashes to the commitment, and the seed and the pre-queue give the
 * published order and order hash. Pass the commitment you saw before the sale opened to pin it, and your entry
 * ticket to find your own place.
 *
 * @example
 * const record = await fr.fairness.record(concertId);
 * const check = verifyDraw(record, { commitment: savedCommitment, entryTicket: myTicket });
 * if (!check.valid) console.warn(check.problems);
 */
export function verifyDraw(
  record: Pick<FairnessRecord, 'commitment' | 'seed' | 'preQueue' | 'drawn' | 'orderHash'>,
  opts: { commitment?: string; entryTicket?: number } = {},
): DrawVerification {
  const problems: string[] = [];
  if (opts.commitment !== undefined && opts.commitment.toLowerCase() !== record.commitment.toLowerCase())
    problems.push('the published commitment is not the one seen before the draw');
  if (!record.seed || !record.preQueue)
    return {
      valid: false,
      problems: [...problems, 'the draw has not run yet'],
      drawn: null,
      orderHash: null,
    };
  if (!/^[0-9a-f]{64}$/i.test(record.seed))
    return {
      valid: false,
      problems: [...problems, 'the seed is not 64 hex digits'],
      drawn: null,
      orderHash: null,
    };
  if (drawCommitment(record.seed) !== record.commitment.toLowerCase())
    problems.push('SHA-256 of the seed is not the commitment');
  const drawn = drawOrder(record.seed, record.preQueue);
  const orderHash = drawOrderHash(drawn);
  if (record.orderHash !== null && record.orderHash.toLowerCase() !== orderHash)
    problems.push('the order hash does not match the recomputed order');
  if (record.drawn && drawOrderHash(record.drawn) !== orderHash)
    problems.push('the published order is not the recomputed order');
  const result: DrawVerification = { valid: problems.length === 0, problems, drawn, orderHash };
  if (opts.entryTicket !== undefined) {
    const ticket = opts.entryTicket;
    const lane: Lane | undefined = LANES.find((l) => drawn[l].includes(ticket));
    result.place = lane ? { lane, place: drawn[lane].indexOf(ticket) + 1 } : null;
  }
  return result;
}
