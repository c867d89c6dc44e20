import { rankInLane } from '@frontrow/client/position';
import { describe, expect, it } from 'vitest';
import { seeded } from '../../test/seeded.ts';
import { compressMarks, markRanks, markSpacing } from './tick.ts';

/** A lane as the server holds it: the sequence numbers still waiting, ascending. */
function laneTick(waitingSeqs: number[]) {
  const points = markRanks(waitingSeqs.length).map((r): [number, number] => [waitingSeqs[r]!, r]);
  return { waiting: waitingSeqs.length, marks: compressMarks(points) };
}

describe('queue tick marks', () => {
  it('sample the head, then widen by max(10, 2%)', () => {
    expect(markRanks(0)).toEqual([]);
    expect(markRanks(25)).toEqual([0, 10, 20]);
    const ranks = markRanks(100_000);
    for (let i = 1; i < ranks.length; i++) expect(ranks[i]! - ranks[i - 1]!).toBe(markSpacing(ranks[i - 1]!));
    expect(ranks.length).toBeLessThan(400);
  });

  it('keep a mark only where the sequence numbers stop advancing with the ranks', () => {
    expect(compressMarks([])).toEqual([]);
    expect(compressMarks([[5, 0]])).toEqual([[5, 0]]);
    // 15 → 25 over ranks 10 → 20: nobody left in between, dropped; 25 → 40 over 10 ranks: 5 left, kept; then
    // gap-free again, dropped.
    expect(
      compressMarks([
        [5, 0],
        [15, 10],
        [25, 20],
        [40, 30],
        [50, 40],
      ]),
    ).toEqual([
      [5, 0],
      [40, 30],
    ]);
    // One fan left right behind the head: every later mark is off by one from the head's prediction, but only
    // the first of them is needed; a later leave keeps another.
    expect(
      compressMarks([
        [1, 0],
        [12, 10],
        [22, 20],
        [33, 30],
      ]),
    ).toEqual([
      [1, 0],
      [12, 10],
      [33, 30],
    ]);
  });

  it('collapse to the head alone when nobody left from the middle', () => {
    const seqs = Array.from({ length: 5_000 }, (_, i) => 731 + i);
    expect(laneTick(seqs).marks).toEqual([[731, 0]]);
  });

  it('give every fan its exact rank while nobody ahead of it left, and never a better one', () => {
    for (let trial = 0; trial < 40; trial++) {
      const random = seeded(trial + 1);
      const size = 1 + Math.floor(random() * 3_000);
      const head = 1 + Math.floor(random() * 500);
      const leaveRate = trial % 4 === 0 ? 0 : random() * 0.5;
      const all = Array.from({ length: size }, (_, i) => head + i);
      const waiting = all.filter(() => random() >= leaveRate);
      const tick = laneTick(waiting);
      const firstGap = all.findIndex((seq, i) => waiting[i] !== seq);
      waiting.forEach((seq, trueRank) => {
        const estimate = rankInLane(tick, seq)!;
        const at = `seed ${trial + 1} seq ${seq}`;
        expect(estimate, at).toBeGreaterThanOrEqual(trueRank);
        expect(estimate - trueRank, at).toBeLessThanOrEqual(Math.max(10, 0.02 * (trueRank + 1)));
        const nobodyAheadLeft = firstGap === -1 || seq < all[firstGap]!;
        if (nobodyAheadLeft) expect(estimate, at).toBe(trueRank);
      });
    }
  });

  it('stay small whatever the queue size', () => {
    const random = seeded(7);
    const waiting = Array.from({ length: 100_000 }, (_, i) => i + 1).filter(() => random() > 0.1);
    const tick = laneTick(waiting);
    expect(JSON.stringify(tick).length).toBeLessThan(8_000);
  });
});
