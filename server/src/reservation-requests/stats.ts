import type { ReservationQueueHealth, ReservationQueueStats, Tier } from '@frontrow/client/protocol';
import type { RedisClient } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import type { RequestJobData, RequestQueues } from './queues.ts';

/** A worker process beats every second; one silent for this long counts as gone. */
export const WORKER_FRESH_MS = 5_000;
/** Concerts whose oldest pending request the health check looks at, at most. */
const HEALTH_CONCERTS = 100;

interface Counts {
  /** Retried jobs BullMQ put back at the head of the queue (the plain wait list, served before any lane). */
  retried: number;
  vip: number;
  normal: number;
}

export interface RequestStatsDeps {
  redis: RedisClient;
  keys: Keys;
  queues: RequestQueues;
  now: () => Date;
  /** Concerts with a submit this recent have a live request queue. */
  activeWindowMs: number;
}

/** Reads of the request queues for the 202's position, the stats endpoint and the health check. */
export function createRequestStats(deps: RequestStatsDeps) {
  const { redis, keys, queues } = deps;

  async function counts(concertId: number): Promise<Counts> {
    const c = await queues.queue(concertId).getCountsPerPriority([0, 1, 2]);
    return { retried: c['0'] ?? 0, vip: c['1'] ?? 0, normal: c['2'] ?? 0 };
  }

  /** How long the oldest pending request has waited: the head of each lane and the retried jobs. */
  async function oldestPendingAge(concertId: number, c: Counts, now: number): Promise<number | null> {
    const queue = queues.queue(concertId);
    const heads: Array<Promise<Array<{ data?: RequestJobData } | undefined>>> = [];
    if (c.retried > 0) heads.push(queue.getWaiting(0, 9));
    if (c.vip > 0) heads.push(queue.getPrioritized(0, 0));
    if (c.normal > 0) heads.push(queue.getPrioritized(c.vip, c.vip));
    const submitted = (await Promise.all(heads))
      .flat()
      .map((job) => job?.data?.submittedAt)
      .filter((at): at is number => typeof at === 'number');
    return submitted.length > 0 ? Math.max(0, now - Math.min(...submitted)) : null;
  }

  return {
    /**
     * The 1-based place of a request just added to `lane`: the pending requests that will be decided no later
     * than it (retried jobs and VIP first, then normal), counted right after the add. An upper bound: requests
     * added in the same instant are counted too. A normal request may move back later, when VIP requests arrive.
     */
    async position(concertId: number, lane: Tier): Promise<number> {
      const c = await counts(concertId);
      return Math.max(1, c.retried + c.vip + (lane === 'normal' ? c.normal : 0));
    },

    async stats(concertId: number): Promise<ReservationQueueStats> {
      const now = deps.now().getTime();
      const second = Math.floor(now / 1000);
      const buckets = redis.pipeline();
      for (let i = 0; i < 60; i++) buckets.hmget(keys.requestRate(concertId, second - i), 'n', 'waitMs');
      const [c, processing, totals, rates] = await Promise.all([
        counts(concertId),
        queues.queue(concertId).getActiveCount(),
        redis.hmget(keys.requestStats(concertId), 'completed', 'failed', 'cancelled'),
        buckets.exec(),
      ]);
      let decided = 0;
      let waitMs = 0;
      for (const [err, value] of rates ?? []) {
        if (err) throw err;
        const [n, wait] = value as Array<string | null>;
        decided += Number(n ?? 0);
        waitMs += Number(wait ?? 0);
      }
      return {
        concertId,
        at: new Date(now).toISOString(),
        pending: { vip: c.vip, normal: c.normal, total: c.retried + c.vip + c.normal },
        processing,
        completed: Number(totals[0] ?? 0),
        failed: Number(totals[1] ?? 0),
        cancelled: Number(totals[2] ?? 0),
        meanWaitMs: decided > 0 ? Math.round(waitMs / decided) : null,
        throughputPerSecond: Math.round((decided / 60) * 100) / 100,
        decidedLastMinute: decided,
        oldestPendingAgeMs: await oldestPendingAge(concertId, c, now),
      };
    },

    async health(): Promise<ReservationQueueHealth> {
      const now = deps.now().getTime();
      const at = new Date(now).toISOString();
      const started = performance.now();
      const latency = () => Math.round(performance.now() - started);
      try {
        await redis.ping();
      } catch (err) {
        return {
          status: 'degraded',
          at,
          redis: { ok: false, latencyMs: latency(), error: (err as Error).message },
          workers: { alive: 0, lastHeartbeatAt: null },
          concerts: 0,
          pending: 0,
          oldestPendingAgeMs: null,
        };
      }
      const redisCheck = { ok: true, latencyMs: latency() };
      const [beats, concertIds] = await Promise.all([
        redis.zrangebyscore(keys.requestWorkers, now - WORKER_FRESH_MS, '+inf', 'WITHSCORES'),
        redis.zrevrangebyscore(keys.requestConcerts, '+inf', now - deps.activeWindowMs),
      ]);
      let lastBeat = 0;
      for (let i = 1; i < beats.length; i += 2) lastBeat = Math.max(lastBeat, Number(beats[i]));
      const alive = beats.length / 2;

      const perConcert = await Promise.all(
        concertIds.slice(0, HEALTH_CONCERTS).map(async (id) => {
          const c = await counts(Number(id));
          return {
            pending: c.retried + c.vip + c.normal,
            oldest: await oldestPendingAge(Number(id), c, now),
          };
        }),
      );
      const pending = perConcert.reduce((sum, p) => sum + p.pending, 0);
      const ages = perConcert.map((p) => p.oldest).filter((a): a is number => a !== null);
      return {
        status: pending > 0 && alive === 0 ? 'degraded' : 'ok',
        at,
        redis: redisCheck,
        workers: { alive, lastHeartbeatAt: lastBeat > 0 ? new Date(lastBeat).toISOString() : null },
        concerts: concertIds.length,
        pending,
        oldestPendingAgeMs: ages.length > 0 ? Math.max(...ages) : null,
      };
    },
  };
}
