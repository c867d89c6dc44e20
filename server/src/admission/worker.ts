import { type Job, Worker } from 'bullmq';
import type { Db } from '../db/client.ts';
import { AppError } from '../http/errors.ts';
import type { Logger } from '../logging/logger.ts';
import type { RedisClient, RedisConnections } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import type { Admission } from './admit.ts';
import { type SaleJobs, WAITING_ROOM_QUEUE, type WaitingRoomJob, type WaitingRoomJobData } from './jobs.ts';
import type { Sales } from './sales.ts';
import { createWriteBehind } from './write-behind.ts';

export interface AdmissionWorkerDeps {
  connections: RedisConnections;
  redis: RedisClient;
  keys: Keys;
  logger: Logger;
  database: { db: Db };
  sales: Sales;
  admission: Admission;
  saleJobs: SaleJobs;
}

/**
 * The worker role of the waiting room: one BullMQ worker for its queue (timers, admission ticks, the write-behind
 * drain, the cleanup). On start it adopts the sales (caches, timers, schedulers) and makes sure the housekeeping
 * schedulers exist. Any number of replicas may run this: each job goes to one of them, and every job is safe to
 * run twice.
 */
export async function createAdmissionWorker(deps: AdmissionWorkerDeps) {
  const { connections, keys, logger, sales, admission, saleJobs } = deps;
  const writeBehind = createWriteBehind({ redis: deps.redis, keys, db: deps.database.db, logger });

  const adopted = await sales.sync();
  await saleJobs.startHousekeeping();

  async function process(job: Job<WaitingRoomJobData, unknown, WaitingRoomJob>) {
    const concertId = job.data.concertId ?? 0;
    switch (job.name) {
      case 'admit': {
        const outcome = await admission.tick(concertId, job.id ?? '');
        // A closed sale's scheduler goes (a paused one was removed by the pause, and may be back by now).
        if (outcome.closed) await saleJobs.stopAdmission(concertId);
        return { admitted: outcome.admitted.length, expired: outcome.expired.length };
      }
      case 'sale-open':
        return ignoreClosed(() => sales.open(concertId, {}, { resume: false }));
      case 'sale-close':
        return ignoreClosed(() => sales.close(concertId));
      case 'queue-open':
        return sales.queueOpen(concertId);
      case 'drain':
        return { written: await writeBehind.drainAll() };
      case 'cleanup':
        return admission.cleanup();
      default:
        logger.warn({ name: job.name }, 'unknown waiting-room job');
        return undefined;
    }
  }

  const connection = connections.open('bull-worker');
  connection.on('error', (err) => logger.debug({ err: err.message }, 'worker redis connection error'));
  const worker = new Worker<WaitingRoomJobData, unknown, WaitingRoomJob>(WAITING_ROOM_QUEUE, process, {
    connection,
    prefix: keys.bullQueue(WAITING_ROOM_QUEUE),
    concurrency: 4,
  });
  worker.on('failed', (job, err) =>
    logger.error({ err, job: job?.name, concertId: job?.data.concertId }, 'waiting-room job failed'),
  );
  worker.on('error', (err) => logger.error({ err }, 'waiting-room worker error'));
  logger.info({ adopted }, 'waiting-room worker started');

  return {
    name: 'waiting-room',
    worker,
    writeBehind,
    async close() {
      await worker.close();
      await connection.quit().catch(() => undefined);
    },
  };
}

/** Timers of a concert that was closed or deleted since they were scheduled have nothing to do. */
async function ignoreClosed(run: () => Promise<unknown>) {
  try {
    return await run();
  } catch (err) {
    if (err instanceof AppError && (err.code === 'BOOKING_CLOSED' || err.code === 'NOT_FOUND'))
      return undefined;
    throw err;
  }
}
