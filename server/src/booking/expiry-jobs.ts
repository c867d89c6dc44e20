import { DelayedError, type Job, Queue, Worker } from 'bullmq';
import type { Logger } from '../logging/logger.ts';
import type { RedisConnections } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import type { ExpiryScheduler } from './context.ts';
import type { ExpireOutcome } from './lifecycle.ts';

export const HOLDS_QUEUE = 'booking-holds';
const SWEEPER_ID = 'booking-holds-sweeper';
/** The job fires a little after the hold's end, so the database clock has passed it too. */
const SLACK_MS = 100;

type HoldJob = Job<{ reservationId?: number }, unknown, string>;

/** BullMQ custom ids may not be integers or contain ':'; one id per hold makes a repeated schedule a no-op. */
export const holdJobId = (reservationId: number) => `hold-${reservationId}`;

/**
 * The producer side, owned by every process that takes holds (api and worker roles): one delayed job per hold.
 * Losing the job (Redis down at the wrong moment) costs nothing but time: reads already treat the hold as over
 * by the database clock, and the sweeper expires it durably.
 */
export function createHoldQueue(connections: RedisConnections, keys: Keys, logger: Logger) {
  const connection = connections.open('bull-producer');
  connection.on('error', (err) => logger.debug({ err: err.message }, 'holds queue connection error'));
  const queue = new Queue(HOLDS_QUEUE, {
    connection,
    prefix: keys.bullQueue(HOLDS_QUEUE),
    defaultJobOptions: {
      removeOnComplete: true,
      removeOnFail: 1_000,
      attempts: 5,
      backoff: { type: 'exponential', delay: 1_000 },
    },
  });
  queue.on('error', (err) => logger.debug({ err: err.message }, 'holds queue error'));

  type Hold = { reservationId: number; expiresAt: Date };
  /** Holds made since the last write, and the write that will take them (one per event-loop turn). */
  let pending: Hold[] = [];
  let flush: Promise<void> | undefined;
  const inFlight = new Set<Promise<void>>();

  async function write(holds: Hold[]): Promise<void> {
    try {
      // One MULTI for every hold of the turn: one round trip to Redis, however many there are.
      await queue.addBulk(
        holds.map(({ reservationId, expiresAt }) => ({
          name: 'expire',
          data: { reservationId },
          opts: {
            jobId: holdJobId(reservationId),
            delay: Math.max(0, expiresAt.getTime() - Date.now()) + SLACK_MS,
          },
        })),
      );
    } catch (err) {
      const reservationIds = holds.map((h) => h.reservationId);
      logger.warn({ err, reservationIds }, 'could not schedule hold expiry; the sweeper will expire it');
    }
  }

  const scheduler: ExpiryScheduler & { queue: Queue; close(): Promise<void> } = {
    queue,
    /**
     * Gathers the holds of one event-loop turn (concurrent requests each hold a seat) into one write, which the
     * returned promise waits for. It never rejects: a failure is logged and left to the sweeper.
     */
    schedule(holds) {
      if (holds.length === 0) return Promise.resolve();
      pending.push(...holds);
      flush ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        const batch = pending;
        pending = [];
        flush = undefined;
        const done = write(batch);
        inFlight.add(done);
        return done.finally(() => inFlight.delete(done));
      });
      return flush;
    },
    async close() {
      await flush;
      await Promise.all(inFlight);
      await queue.close();
      await connection.quit().catch(() => undefined);
    },
  };
  return scheduler;
}
export type HoldQueue = ReturnType<typeof createHoldQueue>;

export interface HoldWorkerDeps {
  connections: RedisConnections;
  keys: Keys;
  logger: Logger;
  queue: HoldQueue;
  expire(reservationId: number): Promise<ExpireOutcome>;
  sweep(): Promise<unknown>;
  sweepEveryMs?: number;
  concurrency?: number;
}

/**
 * The consumer: runs each hold's expiry job, and a job scheduler that sweeps every `sweepEveryMs`. An expiry job
 * that finds its hold not yet due (extended, or early) moves itself back to delayed until the new end.
 */
export async function startHoldWorker(deps: HoldWorkerDeps) {
  const { logger } = deps;
  const connection = deps.connections.open('bull-worker');
  connection.on('error', (err) => logger.debug({ err: err.message }, 'holds worker connection error'));

  const worker = new Worker(
    HOLDS_QUEUE,
    async (job: HoldJob, token?: string) => {
      if (job.name === 'sweep') return deps.sweep();
      const reservationId = Number(job.data.reservationId);
      if (!Number.isSafeInteger(reservationId) || reservationId <= 0) return { state: 'missing' };
      const outcome = await deps.expire(reservationId);
      if (outcome.state === 'pending') {
        await job.moveToDelayed(Date.now() + outcome.remainingMs + SLACK_MS, token);
        throw new DelayedError();
      }
      return outcome;
    },
    { connection, prefix: deps.keys.bullQueue(HOLDS_QUEUE), concurrency: deps.concurrency ?? 8 },
  );
  worker.on('error', (err) => logger.debug({ err: err.message }, 'holds worker error'));
  worker.on('failed', (job, err) => logger.warn({ err, jobId: job?.id }, 'hold expiry job failed'));

  await ensureSweeper(deps.queue, deps.sweepEveryMs);

  return {
    name: 'booking-holds',
    async close() {
      await worker.close();
      await connection.quit().catch(() => undefined);
    },
  };
}

/**
 * The sweeper's job scheduler, one across every replica (upserting again changes nothing). Also run again by the
 * recovery watch when Redis lost its data, schedulers included (recovery/watch.ts).
 */
export async function ensureSweeper(queue: HoldQueue, everyMs = 15_000): Promise<void> {
  await queue.queue.upsertJobScheduler(
    SWEEPER_ID,
    { every: everyMs },
    { name: 'sweep', data: {}, opts: { removeOnComplete: true, removeOnFail: 100 } },
  );
}
