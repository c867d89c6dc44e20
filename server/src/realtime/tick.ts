import type { LaneTick } from '@frontrow/client/protocol';
import type { RedisClient } from '../redis/client.ts';

/** The widest gap between marks at rank r: the client's error bound of docs/api.md (max of 10 places and 2%). */
export const markSpacing = (rank: number) => Math.max(10, Math.floor(rank * 0.02));

/** Ranks (0-based) at which a lane of `waiting` fans is sampled: the head, then widening steps. */
export function markRanks(waiting: number): number[] {
  const ranks: number[] = [];
  for (let r = 0; r < waiting; r += markSpacing(r)) ranks.push(r);
  return ranks;
}

/**
 * Drops every mark whose stretch from the previous mark is gap-free (its sequence numbers advance exactly as its
 * ranks do): the previous mark then predicts the same ranks, so nothing is lost and, without leaves from the
 * middle, only the head remains.
 */
export function compressMarks(points: Array<[number, number]>): Array<[number, number]> {
  const kept: Array<[number, number]> = [];
  let prev: [number, number] | undefined;
  for (const point of points) {
    if (!prev || point[0] - prev[0] !== point[1] - prev[1]) kept.push(point);
    prev = point;
  }
  return kept;
}

/**
 * Reads one lane's tick from its sorted set (member = fan, score = lane sequence) in a single MULTI, so the
 * snapshot is consistent. Cost grows with log(lane size), not with the number of fans watching.
 */
export async function readLaneTick(redis: RedisClient, laneKey: string): Promise<LaneTick> {
  const waiting = await redis.zcard(laneKey);
  const ranks = markRanks(waiting);
  if (ranks.length === 0) return { waiting: 0, marks: [] };
  const multi = redis.multi();
  for (const r of ranks) multi.zrange(laneKey, r, String(r), 'WITHSCORES');
  multi.zcard(laneKey);
  const replies = (await multi.exec()) ?? [];
  const points: Array<[number, number]> = [];
  ranks.forEach((rank, i) => {
    const reply = replies[i]?.[1] as string[] | undefined;
    if (reply && reply.length === 2) points.push([Number(reply[1]), rank]);
  });
  const finalWaiting = Number(replies[ranks.length]?.[1] ?? waiting);
  return { waiting: finalWaiting, marks: compressMarks(points) };
}
