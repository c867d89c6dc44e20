import type { WaitRange } from './protocol.ts';

/** How many recent admission ticks the server keeps in `QueueTick.admitSpread`. */
export const SPREAD_WINDOW = 60;

/**
 * The longest run of ticks whose pace is one sample. Longer runs vary less inside one window than the pace
 * drifts over a long wait (holds pile up, buyers free their slots in waves), so longer runs would make ranges
 * narrower than the truth.
 */
const MAX_RUN = 5;

/**
 * What the slow case allows beyond its last tick: the tick may run late, and the admission takes a moment to
 * reach the fan.
 */
const LATE_MS = 500;

/**
 * A window of fewer ticks than this has seen only the sale's first moments, typically while slots were free and
 * every tick admitted its full group; how fast slots free up once the first admitted fans hold theirs is not in
 * it yet. Its slow case is therefore at least the likely one stretched toward twice (the planned slow case), the
 * more the younger the window: by (YOUNG_WINDOW - ticks) / YOUNG_WINDOW.
 */
const YOUNG_WINDOW = 20;

/**
 * Seats left as fans see them: exact below 100, else rounded down to two significant digits (never more seats
 * than there are).
 *
 * @example
 * roundSeatsLeft(87); // 87
 * roundSeatsLeft(1_234); // 1_200
 */
export function roundSeatsLeft(seats: number): number {
  if (seats < 100) return Math.max(0, seats);
  const step = 10 ** (Math.floor(Math.log10(seats)) - 1);
  return Math.floor(seats / step) * step;
}

/** The q-quantile (0..1, nearest rank) of ascending `sorted`. */
function quantile(sorted: number[], q: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i] ?? 0;
}

function toRange(tickMs: number, fast: number, likely: number, slow: number): WaitRange {
  return {
    lowSeconds: Math.max(0, Math.floor((fast * tickMs) / 1000)),
    midSeconds: Math.max(0, Math.round((likely * tickMs) / 1000)),
    highSeconds: Math.max(0, Math.ceil((slow * tickMs + LATE_MS) / 1000)),
  };
}

/**
 * The wait of the fan at 1-based `position`, as a range, from the admissions of recent ticks (`spread`, newest
 * first, one number per tick while fans waited). The fan needs `position` more admissions; over the n ticks that
 * takes, the pace varies less than tick by tick, so the window is cut into every run of n consecutive ticks (n
 * from the mean pace, at most MAX_RUN and half the window) and the 90th, 50th and 10th percentiles of those runs' paces give
 * the fast, likely and slow case. A pace below a quarter of the mean (a window that stalled while holds were
 * live) counts as a quarter, so the slow case stays finite. The next tick comes within one interval: the fast
 * case counts the first tick as immediate, the likely one as half an interval away, the slow one adds LATE_MS.
 * A window younger than YOUNG_WINDOW ticks widens the slow case (see there). Null when the window admitted
 * nobody.
 *
 * @example
 * waitRange(40, new Array(60).fill(10), 1000); // { lowSeconds: 3, midSeconds: 4, highSeconds: 5 }
 * waitRange(40, [10, 10, 10, 10], 1000); // { lowSeconds: 3, midSeconds: 4, highSeconds: 7 }
 */
export function waitRange(position: number, spread: number[], tickMs: number): WaitRange | null {
  const total = spread.reduce((a, b) => a + b, 0);
  if (spread.length === 0 || total <= 0 || tickMs <= 0) return null;
  const mean = total / spread.length;
  const run = Math.min(
    Math.max(1, Math.round(position / mean)),
    MAX_RUN,
    Math.max(1, Math.floor(spread.length / 2)),
  );
  const paces: number[] = [];
  let sum = 0;
  for (let i = 0; i < spread.length; i++) {
    sum += spread[i] ?? 0;
    if (i >= run) sum -= spread[i - run] ?? 0;
    if (i >= run - 1) paces.push(Math.max(sum / run, mean / 4));
  }
  paces.sort((a, b) => a - b);
  const ticks = (pace: number) => Math.ceil(position / pace);
  const likely = ticks(quantile(paces, 0.5)) - 0.5;
  const young = Math.max(0, YOUNG_WINDOW - spread.length) / YOUNG_WINDOW;
  return toRange(
    tickMs,
    ticks(quantile(paces, 0.9)) - 1,
    likely,
    Math.max(ticks(quantile(paces, 0.1)), likely * (1 + young)),
  );
}

/**
 * Before the sale admits anyone: the configured pace (`groupSize` per tick), never more per tick than the seats
 * can serve (`seatCap`), after `untilOpenMs`. Holds, payments and the seat cap only slow admission down, so the
 * slow case is twice the likely one.
 */
export function plannedWaitRange(
  position: number,
  groupSize: number,
  tickMs: number,
  seatCap: number,
  untilOpenMs: number,
): WaitRange | null {
  const perTick = Math.min(groupSize, seatCap > 0 ? seatCap : groupSize);
  if (perTick <= 0 || tickMs <= 0) return null;
  const ticks = Math.ceil(position / perTick);
  const offset = Math.max(0, untilOpenMs) / tickMs;
  return toRange(tickMs, offset + ticks - 1, offset + ticks - 0.5, offset + 2 * ticks);
}
