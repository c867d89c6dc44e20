import { describe, expect, it } from 'vitest';
import { plannedWaitRange, roundSeatsLeft, SPREAD_WINDOW, waitRange } from './wait-range.ts';

/** xorshift32 from a seed: the simulated drop is the same on every run of one seed. */
function generator(seed: number) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4_294_967_296;
  };
}

interface Fan {
  joinedTick: number;
  admittedTick?: number;
  /** The ranges shown: when it joined, and once more at a random later tick. */
  shown: Array<{ atTick: number; lowSeconds: number; highSeconds: number }>;
}

/**
 * A drop the way admission runs it: one tick a second admits up to a group, never beyond the active cap nor the
 * seats left; admitted fans stay a random while, then buy (their seat is sold) or leave (it comes back); new fans
 * keep arriving for a while. Each waiting fan is shown the range of its place from the spread of the ticks so far
 * (what the server stores and every tick carries).
 */
function simulateDrop(seed: number) {
  const random = generator(seed);
  const tickMs = 1_000;
  const group = 20;
  const maxActive = 150;
  let available = 3_000;
  const queue: Fan[] = [];
  const fans: Fan[] = [];
  const active: number[] = []; // tick at which each active fan finishes
  const spread: number[] = [];
  const join = (tick: number, n: number) => {
    for (let i = 0; i < n; i++) {
      const fan: Fan = { joinedTick: tick, shown: [] };
      queue.push(fan);
      fans.push(fan);
    }
  };
  const show = (fan: Fan, tick: number, position: number) => {
    const range = waitRange(position, spread, tickMs);
    if (range) fan.shown.push({ atTick: tick, lowSeconds: range.lowSeconds, highSeconds: range.highSeconds });
  };

  join(0, 500);
  for (let tick = 1; tick <= 4_000 && queue.length > 0 && available > 0; tick++) {
    // Fans whose turn ends: some buy, the others give their seat back.
    for (let i = active.length - 1; i >= 0; i--) {
      if ((active[i] ?? 0) > tick) continue;
      active.splice(i, 1);
      if (random() >= 0.6) available += 1; // left without buying (a buyer's seat stays taken)
    }
    const cap = Math.min(maxActive, available);
    const n = Math.max(0, Math.min(group, cap - active.length, queue.length));
    if (queue.length > 0) {
      spread.unshift(n);
      if (spread.length > SPREAD_WINDOW) spread.pop();
    }
    for (const fan of queue.splice(0, n)) {
      fan.admittedTick = tick;
      available -= 1; // held while the fan decides
      active.push(tick + 20 + Math.floor(random() * 100));
    }
    if (tick < 900 && random() < 0.5) join(tick, 1 + Math.floor(random() * 6));
    // What each waiting fan sees now: on joining (after this tick) and once more later in its wait.
    queue.forEach((fan, i) => {
      if (fan.shown.length === 0 && fan.joinedTick === tick) show(fan, tick, i + 1);
    });
    queue.forEach((fan, i) => {
      if (fan.shown.length === 1 && tick - fan.joinedTick >= 30 && random() < 0.02) show(fan, tick, i + 1);
    });
  }
  return { fans, tickMs };
}

describe('wait ranges', () => {
  it('rounds seats left to two significant digits from 100 on, never upwards', () => {
    expect([0, 7, 99, 100, 101, 1_234, 1_299, 40_000, 45_678].map(roundSeatsLeft)).toEqual([
      0, 7, 99, 100, 100, 1_200, 1_200, 40_000, 45_000,
    ]);
  });

  it('is null without measured admissions and narrows to about one tick for a steady pace', () => {
    expect(waitRange(10, [], 1000)).toBeNull();
    expect(waitRange(10, [0, 0, 0], 1000)).toBeNull();
    const steady = new Array<number>(SPREAD_WINDOW).fill(10);
    expect(waitRange(40, steady, 1000)).toEqual({ lowSeconds: 3, midSeconds: 4, highSeconds: 5 });
    // A window of 4 ticks has not seen how fast slots free up: the slow case stretches 3.5 ticks by 1 + 16/20.
    expect(waitRange(40, [10, 10, 10, 10], 1000)).toEqual({ lowSeconds: 3, midSeconds: 4, highSeconds: 7 });
    expect(waitRange(40, steady.slice(0, 20), 1000)).toEqual({
      lowSeconds: 3,
      midSeconds: 4,
      highSeconds: 5,
    });
    const planned = plannedWaitRange(25, 10, 2_000, 1_000, 60_000);
    expect(planned).toEqual({ lowSeconds: 64, midSeconds: 65, highSeconds: 73 });
  });

  it('covers the actual wait of at least 80% of the admitted fans in a simulated drop', () => {
    for (const seed of [1, 42, 2024]) {
      const { fans, tickMs } = simulateDrop(seed);
      let shown = 0;
      let inside = 0;
      const widths: number[] = [];
      for (const fan of fans) {
        if (fan.admittedTick === undefined) continue;
        for (const range of fan.shown) {
          const actual = ((fan.admittedTick - range.atTick) * tickMs) / 1000;
          shown += 1;
          widths.push(range.highSeconds / Math.max(1, range.lowSeconds));
          if (actual >= range.lowSeconds && actual <= range.highSeconds) inside += 1;
        }
      }
      expect(shown, `seed ${seed}`).toBeGreaterThan(500);
      widths.sort((a, b) => a - b);
      const width = widths[Math.floor(widths.length / 2)]?.toFixed(2);
      const summary = `seed ${seed}: ${inside} of ${shown} inside, median high/low ${width}`;
      expect(inside / shown, summary).toBeGreaterThanOrEqual(0.8);
      // A range as wide as "between one minute and an hour" would cover anything and tell nobody anything.
      expect(Number(width), summary).toBeLessThanOrEqual(3);
    }
  });
});
