import type { QueueTick } from '@frontrow/client/protocol';
import { describe, expect, it } from 'vitest';
import { hitRates, type Join, judgeWaits, numberHit, rangeHit, type WaitSample } from './wait-hits.ts';

const range = (lowSeconds: number, midSeconds: number, highSeconds: number) => ({
  lowSeconds,
  midSeconds,
  highSeconds,
});

/** A tick at `at` whose normal lane starts at laneSeq `head`, admitting `rate` fans a second. */
function tick(at: number, head: number, rate: number, admitSpread: number[] = []): QueueTick {
  return {
    concertId: 1,
    at,
    saleState: 'ON_SALE',
    lanes: { vip: { waiting: 0, marks: [] }, normal: { waiting: 1_000, marks: [[head, 0]] } },
    admitRate: rate,
    seatsLeft: 100,
    seatsHeld: 0,
    soldOut: false,
    admitSpread,
    tickMs: 1000,
  };
}

describe('wait hit rates', () => {
  it('a range hits with its bounds included; nothing shown is a miss', () => {
    expect(rangeHit(range(10, 15, 20), 10)).toBe(true);
    expect(rangeHit(range(10, 15, 20), 20)).toBe(true);
    expect(rangeHit(range(10, 15, 20), 20.5)).toBe(false);
    expect(rangeHit(range(10, 15, 20), 9)).toBe(false);
    expect(rangeHit(null, 0)).toBe(false);
  });

  it('a single number hits within ±20% of the actual wait, and never needs to be closer than 1 s', () => {
    expect(numberHit(120, 100)).toBe(true);
    expect(numberHit(80, 100)).toBe(true);
    expect(numberHit(121, 100)).toBe(false);
    expect(numberHit(79, 100)).toBe(false);
    expect(numberHit(3, 2)).toBe(true);
    expect(numberHit(4, 2)).toBe(false);
    expect(numberHit(null, 2)).toBe(false);
  });

  it('counts each moment and estimate on its own', () => {
    const shown = (r: ReturnType<typeof range> | null, seconds: number | null) => ({ range: r, seconds });
    const samples: WaitSample[] = [
      // range and number hit at join, only the range at halfway
      {
        join: { shown: shown(range(50, 60, 70), 60), actualSeconds: 60 },
        half: { shown: shown(range(20, 30, 40), 10), actualSeconds: 30 },
      },
      // nothing hits
      {
        join: { shown: shown(range(1, 2, 3), 2), actualSeconds: 60 },
        half: { shown: shown(null, null), actualSeconds: 30 },
      },
      // the number hits at join, both at halfway
      {
        join: { shown: shown(null, 55), actualSeconds: 60 },
        half: { shown: shown(range(25, 30, 35), 31), actualSeconds: 30 },
      },
      // only the range hits at join
      {
        join: { shown: shown(range(0, 100, 200), 1), actualSeconds: 60 },
        half: { shown: shown(range(0, 1, 2), 1), actualSeconds: 30 },
      },
    ];
    expect(hitRates(samples)).toEqual({
      fans: 4,
      rangeAtJoin: 0.5,
      rangeAtHalf: 0.5,
      numberAtJoin: 0.5,
      numberAtHalf: 0.25,
    });
    expect(hitRates([]).rangeAtJoin).toBeNaN();
  });

  it('judges admitted fans at join and at the first tick after half their wait, with the SDK range', () => {
    const status = {
      lane: 'normal' as const,
      laneSeq: 101,
      estimatedWait: range(50, 60, 70),
      estimatedWaitSeconds: 60,
    };
    const joins: Join[] = [
      { userId: 'a', at: 0, status },
      { userId: 'never', at: 0, status },
    ];
    // Admitted at 100 s. The midpoint is 50 s; the first tick from then is at 52 s with 48 fans ahead.
    const ticks = [
      tick(10_000, 10, 1),
      tick(49_000, 50, 1),
      tick(52_000, 53, 1, new Array<number>(60).fill(1)),
      tick(60_000, 61, 1),
    ];
    const [a, ...rest] = judgeWaits(joins, { a: 100_000 }, ticks);
    expect(rest).toEqual([]);
    expect(a!.join).toEqual({ shown: { range: range(50, 60, 70), seconds: 60 }, actualSeconds: 100 });
    expect(a!.half.actualSeconds).toBe(48);
    // position 49 at 1 fan per 1 s tick: the SDK shows 48..50 s and 48 s
    expect(a!.half.shown).toEqual({ range: range(48, 49, 50), seconds: 48 });
  });

  it('a tick without a spread keeps the range shown before, as the SDK does', () => {
    const status = {
      lane: 'normal' as const,
      laneSeq: 11,
      estimatedWait: range(1, 2, 3),
      estimatedWaitSeconds: 2,
    };
    const [a] = judgeWaits([{ userId: 'a', at: 0, status }], { a: 10_000 }, [tick(6_000, 5, 2)]);
    expect(a!.half.shown).toEqual({ range: range(1, 2, 3), seconds: 3 });
  });
});
