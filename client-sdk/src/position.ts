import { LANES, type Lane, type LaneTick, type QueueTick } from './protocol.ts';

/**
 * 0-based rank of the fan with lane sequence `seq` inside one lane, read off the lane's sampled marks.
 *
 * With marks `[seq_k, rank_k]` around the fan (seq_k ≤ seq < seq_next), the fans ahead of it since mark k are at
 * most `seq − seq_k` (fewer if some left from the middle) and at most `rank_next − rank_k − 1` (the fan sits before
 * mark k+1). The smaller of the two is never better than the truth, equals it when nobody between mark k and the
 * fan has left, and is off by less than the spacing of the marks otherwise.
 */
export function rankInLane(lane: LaneTick, seq: number): number | undefined {
  const { marks, waiting } = lane;
  if (marks.length === 0 || waiting === 0) return undefined;
  const first = marks[0];
  if (!first || seq < first[0]) return undefined; // already left the lane (admitted or gone)
  let lo = 0;
  let hi = marks.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((marks[mid]?.[0] ?? Number.POSITIVE_INFINITY) <= seq) lo = mid;
    else hi = mid - 1;
  }
  const [seqK, rankK] = marks[lo] ?? first;
  const next = marks[lo + 1];
  const cap = next ? next[1] - 1 : waiting - 1;
  return Math.max(rankK, Math.min(rankK + (seq - seqK), cap));
}

const EMPTY_LANE: LaneTick = { waiting: 0, marks: [] };

/** One lane of a tick (an empty one when the tick does not carry it). */
export const laneOf = (tick: QueueTick, lane: Lane): LaneTick => tick.lanes[lane] ?? EMPTY_LANE;

/** Fans waiting in every lane of a tick. */
export const waitingInTick = (tick: QueueTick): number =>
  LANES.reduce((sum, lane) => sum + laneOf(tick, lane).waiting, 0);

/**
 * 1-based place in the whole waiting room: lanes are admitted VIP, then presale, then normal, so a fan waits
 * behind every fan of the lanes ahead of its own.
 */
export function positionFromTick(tick: QueueTick, lane: Lane, laneSeq: number): number | undefined {
  const rank = rankInLane(laneOf(tick, lane), laneSeq);
  if (rank === undefined) return undefined;
  const ahead = LANES.slice(0, LANES.indexOf(lane)).reduce((sum, l) => sum + laneOf(tick, l).waiting, 0);
  return ahead + rank + 1;
}

/** Seconds until the fan's turn at the measured admission rate; undefined while nothing is being admitted. */
export function estimateWaitSeconds(tick: QueueTick, position: number): number | undefined {
  if (!(tick.admitRate > 0)) return undefined;
  return Math.ceil((position - 1) / tick.admitRate);
}
