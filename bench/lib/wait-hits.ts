import { estimateWaitSeconds, positionFromTick } from '@frontrow/client/position';
import type { Lane, QueueStatus, QueueTick, WaitRange } from '@frontrow/client/protocol';
import { waitRange } from '@frontrow/client/wait-range';

/** What a fan was shown at one moment: the range and the single-number estimate (null: nothing shown). */
export interface WaitShown {
  range: WaitRange | null;
  seconds: number | null;
}

/** What a fan was shown at one moment, and how long it then actually waited until it was admitted. */
export interface Judged {
  shown: WaitShown;
  actualSeconds: number;
}

/** One admitted fan, judged at join and at the first tick after half of its actual wait. */
export interface WaitSample {
  join: Judged;
  half: Judged;
}

/**
 * How close the single-number estimate must be to count as a hit: within this fraction of the actual wait,
 * and never closer than one second (the estimate's resolution).
 */
export const NUMBER_TOLERANCE = 0.2;

/** The actual wait fell inside the range shown (bounds included). */
export function rangeHit(range: WaitRange | null, actualSeconds: number): boolean {
  return range !== null && range.lowSeconds <= actualSeconds && actualSeconds <= range.highSeconds;
}

/** The single number was within ±NUMBER_TOLERANCE of the actual wait (at least ±1 s). */
export function numberHit(seconds: number | null, actualSeconds: number): boolean {
  return (
    seconds !== null && Math.abs(seconds - actualSeconds) <= Math.max(1, NUMBER_TOLERANCE * actualSeconds)
  );
}

export interface HitRates {
  fans: number;
  rangeAtJoin: number;
  rangeAtHalf: number;
  numberAtJoin: number;
  numberAtHalf: number;
}

/** Fraction of fans (0..1) for which each estimate hit; NaN for no fans. */
export function hitRates(samples: WaitSample[]): HitRates {
  const rate = (hit: (s: WaitSample) => boolean) =>
    samples.length === 0 ? Number.NaN : samples.filter(hit).length / samples.length;
  const range = (j: Judged) => rangeHit(j.shown.range, j.actualSeconds);
  const number = (j: Judged) => numberHit(j.shown.seconds, j.actualSeconds);
  return {
    fans: samples.length,
    rangeAtJoin: rate((s) => range(s.join)),
    rangeAtHalf: rate((s) => range(s.half)),
    numberAtJoin: rate((s) => number(s.join)),
    numberAtHalf: rate((s) => number(s.half)),
  };
}

/** The first tick at or after `atMs` (ticks ascending by `at`), or undefined. */
export function firstTickFrom(ticks: QueueTick[], atMs: number): QueueTick | undefined {
  let lo = 0;
  let hi = ticks.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((ticks[mid]?.at ?? 0) < atMs) lo = mid + 1;
    else hi = mid;
  }
  return ticks[lo];
}

/**
 * What the SDK's queue watcher shows the fan after `tick`: the range and estimate it computes from the tick, or,
 * where the tick gives none, what it was shown before (`previous`). The wait still ahead is measured from the
 * tick, so the caller compares it with the time left after the tick.
 */
export function shownAfterTick(tick: QueueTick, lane: Lane, laneSeq: number, previous: WaitShown): WaitShown {
  const position = positionFromTick(tick, lane, laneSeq);
  if (position === undefined) return previous;
  return {
    range: waitRange(position, tick.admitSpread ?? [], tick.tickMs ?? 0) ?? previous.range,
    seconds: estimateWaitSeconds(tick, position) ?? previous.seconds,
  };
}

/** A crowd fan's enter: when its answer arrived, and the QueueStatus it showed. */
export interface Join {
  userId: string;
  at: number;
  status: Pick<QueueStatus, 'lane' | 'laneSeq' | 'estimatedWait' | 'estimatedWaitSeconds'>;
}

/**
 * Judges every admitted fan (one with an `admittedAt`): at join against the enter answer, and at halfway
 * against what the SDK shows after the first tick from the midpoint of its wait on (the join figures if no tick
 * came before it was admitted; then the wait left is counted from the midpoint).
 */
export function judgeWaits(
  joins: Join[],
  admittedAt: Record<string, number>,
  ticks: QueueTick[],
): WaitSample[] {
  const out: WaitSample[] = [];
  for (const j of joins) {
    const admitted = admittedAt[j.userId];
    const { lane, laneSeq } = j.status;
    if (admitted === undefined || lane === null || laneSeq === null || laneSeq === undefined) continue;
    const atJoin: WaitShown = {
      range: j.status.estimatedWait ?? null,
      seconds: j.status.estimatedWaitSeconds,
    };
    const mid = (j.at + admitted) / 2;
    const tick = firstTickFrom(ticks, mid);
    const half: Judged =
      tick && tick.at < admitted
        ? { shown: shownAfterTick(tick, lane, laneSeq, atJoin), actualSeconds: (admitted - tick.at) / 1000 }
        : { shown: atJoin, actualSeconds: (admitted - mid) / 1000 };
    out.push({ join: { shown: atJoin, actualSeconds: (admitted - j.at) / 1000 }, half });
  }
  return out;
}
