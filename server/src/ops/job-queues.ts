import type { Queue } from 'bullmq';
import type { RedisClient } from '../redis/client.ts';

export interface JobQueueListDeps {
  /** Queues every process has from the start (sale jobs, hold expiry). */
  fixed: readonly Queue[];
  /** Per-concert queues (queued reservation requests): the concerts with recent use, newest first. */
  perConcert?: {
    redis: RedisClient;
    /** ZSET concertId → last use (ms). */
    registry: string;
    queue: (concertId: number) => Queue;
  };
  /** At most this many per-concert queues: the dashboard and the gauges stay bounded. */
  max?: number;
}

/** Lists the BullMQ queues this process produces to, for the job dashboard and the queue-depth gauges. */
export function jobQueueList(deps: JobQueueListDeps): () => Promise<Queue[]> {
  return async () => {
    const fixed = [...deps.fixed];
    const per = deps.perConcert;
    if (!per) return fixed;
    const ids = await per.redis.zrevrange(per.registry, 0, (deps.max ?? 50) - 1);
    return [
      ...fixed,
      ...ids
        .map(Number)
        .filter(Number.isSafeInteger)
        .map((id) => per.queue(id)),
    ];
  };
}
