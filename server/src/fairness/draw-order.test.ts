import { drawOrder, drawStream } from '@frontrow/client/draw';
import { type DrawLanes, LANES } from '@frontrow/client/protocol';
import { describe, expect, it } from 'vitest';
import { seeded } from '../../test/seeded.ts';

/**
 * The pre-queue shuffle (frontrow-draw v1, docs/fairness.md) without Redis: what any draw must be, whatever its
 * seed. draw.test.ts holds open-sale.lua to the same order through Redis. Inputs come from a seeded generator:
 * `DRAW_SEED=<n>` replays a run, and a failure names it.
 */
const SEED = Number(process.env.DRAW_SEED ?? Math.floor(Math.random() * 2 ** 31));
const replay = `DRAW_SEED=${SEED}`;
const random = seeded(SEED);
const int = (n: number) => Math.floor(random() * n);
const hexSeed = () => Array.from({ length: 32 }, () => int(256).toString(16).padStart(2, '0')).join('');
/** `count` distinct tickets in 1..10,000, in no particular order. */
function tickets(count: number): number[] {
  const out = new Set<number>();
  while (out.size < count) out.add(1 + int(10_000));
  return [...out];
}
const ascending = (xs: number[]) => [...xs].sort((a, b) => a - b);

describe('the pre-queue shuffle', () => {
  it('draws each lane as a permutation of its own tickets, whatever order they are given in', () => {
    for (let run = 0; run < 50; run++) {
      const seed = hexSeed();
      const pre: DrawLanes = { vip: tickets(int(5)), presale: tickets(int(20)), normal: tickets(int(200)) };
      const drawn = drawOrder(seed, pre);
      const reversed = drawOrder(seed, {
        vip: [...pre.vip].reverse(),
        presale: [...pre.presale].reverse(),
        normal: [...pre.normal].reverse(),
      });
      for (const lane of LANES) {
        expect(ascending(drawn[lane]), `${replay} run ${run} ${lane}`).toEqual(ascending(pre[lane]));
        expect(reversed[lane], `${replay} run ${run} ${lane}`).toEqual(drawn[lane]);
      }
    }
  });

  it('leaves empty and one-ticket lanes as they are, and draws nothing for them', () => {
    const seed = hexSeed();
    expect(drawOrder(seed, { vip: [], presale: [], normal: [] })).toEqual({
      vip: [],
      presale: [],
      normal: [],
    });
    expect(drawOrder(seed, { vip: [4], presale: [], normal: [9] })).toEqual({
      vip: [4],
      presale: [],
      normal: [9],
    });
    // A lane of one takes no word of the stream: the normal lane draws as if the VIP lane were empty.
    const normal = tickets(30);
    expect(drawOrder(seed, { vip: [4], presale: [], normal }).normal).toEqual(
      drawOrder(seed, { vip: [], presale: [], normal }).normal,
    );
  });

  it('draws the lanes in admission order on one stream: a later lane never changes an earlier one', () => {
    const seed = hexSeed();
    const vip = tickets(12);
    const presale = tickets(12).map((t) => t + 10_000);
    const first = drawOrder(seed, { vip, presale, normal: [] });
    const more = drawOrder(seed, { vip, presale, normal: tickets(50).map((t) => t + 20_000) });
    expect(more.vip, replay).toEqual(first.vip);
    expect(more.presale, replay).toEqual(first.presale);
  });

  it('gives each order of a small lane about the same chance (1 in 6 for 3 tickets)', () => {
    const counts = new Map<string, number>();
    const draws = 3_000;
    for (let i = 0; i < draws; i++) {
      const key = drawOrder(hexSeed(), { vip: [], presale: [], normal: [1, 2, 3] }).normal.join(',');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size, replay).toBe(6);
    // 500 expected each; the binomial standard deviation is about 20, so 400..600 fails only by a bug.
    for (const [order, n] of counts) expect(n, `${replay} order ${order}`).toBeGreaterThan(400);
    for (const [order, n] of counts) expect(n, `${replay} order ${order}`).toBeLessThan(600);
  });

  it('refuses a seed that is not 32 bytes', () => {
    expect(() => drawOrder('ab'.repeat(31), { vip: [1], presale: [], normal: [] })).toThrow(/32 bytes/);
  });
});

describe('drawStream.uniform', () => {
  it('stays in [0, n), and n = 1 is always 0', () => {
    const stream = drawStream(new Uint8Array(Buffer.from(hexSeed(), 'hex')));
    for (const n of [1, 2, 3, 7, 1_000, 2 ** 31 + 1]) {
      for (let i = 0; i < 50; i++) {
        const x = stream.uniform(n);
        expect(Number.isInteger(x) && x >= 0 && x < n, `${replay} n ${n} gave ${x}`).toBe(true);
      }
    }
    expect(Array.from({ length: 20 }, () => stream.uniform(1))).toEqual(new Array(20).fill(0));
  });

  it('skips the words at or above the largest multiple of n (no modulo bias)', () => {
    // n = 2^31 + 1: the limit is 2^31 + 1 (one multiple fits in 2^32), so about half the words are skipped, and a
    // kept word is returned as itself.
    const seed = new Uint8Array(Buffer.from(hexSeed(), 'hex'));
    const words = drawStream(seed);
    const draws = drawStream(seed);
    const n = 2 ** 31 + 1;
    for (let k = 0; k < 20; k++) {
      let w = words.word();
      while (w >= n) w = words.word();
      expect(draws.uniform(n), `${replay} draw ${k}`).toBe(w);
    }
  });
});
