import type { Tier } from '@frontrow/client/protocol';
import { type Job, type JobsOptions, Queue } from 'bullmq';
import type { Logger } from '../logging/logger.ts';
import type { RedisConnections } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';

/**
 * One BullMQ queue per concert, so a hot concert never delays another one's requests. BullMQ priorities: a lower
 * number goes first and jobs of one priority go first in, first out, so VIP (1) is decided before normal (2).
 */
export const LANE_PRIORITY: Record<Tier, number> = { vip: 1, normal: 2 };

export const requestQueueName = (concertId: number) => `requests-${concertId}`;

/** What a job carries: everything the worker needs to decide, so a decision never depends on a lookup. */
export interface RequestJobData {
  requestId: string;
  userId: string;
  concertId: number;
  scheduleId: number;
  seatIds: number[];
  lane: Tier;
  /** ms since epoch, from the services' clock. */
  submittedAt: number;
}
export type RequestJob = Job<RequestJobData, unknown, 'decide'>;

/**
 * Business outcomes (SEAT_UNAVAILABLE, ...) are decisions, so a job fails only when something was down: BullMQ
 * then retries it. A retried job re-enters its lane at the back (BullMQ gives it a fresh priority sequence), so
 * the worker first retries in place for a few seconds (worker.ts) to keep arrival order through short blips.
 */
export const REQUEST_JOB_OPTIONS: JobsOptions = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: { age: 3_600, count: 10_000 },
  removeOnFail: { age: 24 * 3_600 },
};

/**
 * The per-concert queues of one process over one shared BullMQ connection, made on first use. `ready` also sets
 * the queue's global concurrency to 1 (once per process and queue): however many worker processes run, one job of
 * a concert is active at a time, and it decides its batch in order, which is what makes the order of decisions the
 * order of the queue.
 */
export function createRequestQueues(connections: RedisConnections, keys: Keys, logger: Logger) {
  // Fails fast while Redis is away (a submit answers 503), unlike a worker connection, which blocks and retries.
  const connection = connections.open('bull-producer');
  connection.on('error', (err) => logger.debug({ err: err.message }, 'request queues connection error'));
  const queues = new Map<number, Queue<RequestJobData, unknown, 'decide'>>();
  const prepared = new Map<number, Promise<void>>();

  function queue(concertId: number) {
    let q = queues.get(concertId);
    if (!q) {
      q = new Queue<RequestJobData, unknown, 'decide'>(requestQueueName(concertId), {
        connection,
        prefix: keys.bullConcert(concertId),
        defaultJobOptions: REQUEST_JOB_OPTIONS,
      });
      q.on('error', (err) => logger.debug({ err: err.message, concertId }, 'request queue error'));
      queues.set(concertId, q);
    }
    return q;
  }

  async function ready(concertId: number) {
    let p = prepared.get(concertId);
    if (!p) {
      p = queue(concertId)
        .setGlobalConcurrency(1)
        .then(() => undefined);
      prepared.set(concertId, p);
      p.catch(() => prepared.delete(concertId));
    }
    await p;
    return queue(concertId);
  }

  return {
    connection,
    /** The queue object, without writing anything to Redis (reads: stats, health). */
    queue,
    /** The queue, with its global concurrency set: for adding jobs and for workers. */
    ready,
    async close() {
      await Promise.allSettled([...queues.values()].map((q) => q.close()));
      queues.clear();
      prepared.clear();
      await connection.quit().catch(() => undefined);
    },
  };
}
export type RequestQueues = ReturnType<typeof createRequestQueues>;
