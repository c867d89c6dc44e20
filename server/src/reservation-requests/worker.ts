import { randomBytes } from 'node:crypto';
import { Worker } from 'bullmq';
import type { HoldOutcome, HoldRequest } from '../booking/hold.ts';
import { AppError } from '../http/errors.ts';
import type { Logger } from '../logging/logger.ts';
import type { RedisClient, RedisConnections } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import { type RequestJob, type RequestJobData, requestQueueName } from './queues.ts';
import { type Decision, type ReservationRequests, refusal } from './service.ts';

export interface RequestWorkerDeps {
  connections: RedisConnections;
  redis: RedisClient;
  keys: Keys;
  logger: Logger;
  now: () => Date;
  requests: ReservationRequests;
  /**
   * Booking's hold, for a batch: decides the holds in order in one transaction. With the request id each is
   * idempotent (reservations.request_id is unique).
   */
  holdMany(inputs: HoldRequest[]): Promise<HoldOutcome[]>;
  /** Requests decided together: the job in hand and those right behind it in the queue (default 64). */
  batchSize?: number;
  /** How often the process looks for concerts with requests, and beats (default 1 s). */
  ensureEveryMs?: number;
  /** A job whose worker stops renewing its lock this long is re-run by another worker (default 10 s). */
  lockDurationMs?: number;
  /** How often workers look for such jobs (default 5 s). */
  stalledIntervalMs?: number;
  /** Concerts with a submit this recent get a worker (default: the requests' TTL, 1 h). */
  activeWindowMs?: number;
}

type RequestBullWorker = Worker<RequestJobData, unknown, 'decide'>;

/** In-place retries of a failing dependency before BullMQ's own retry sends the job to the back of its lane. */
const RETRY_DELAYS_MS = [100, 400, 1_500];

/**
 * The worker role of queued reservations. Every `ensureEveryMs` the process beats (health) and reads the registry
 * of concerts with recent requests (`keys.requestConcerts`, written by every submit), and runs one BullMQ Worker
 * per such concert with concurrency 1; the queue's global concurrency of 1 (queues.ts) keeps it to one active job
 * per concert across every process. That job decides itself and the requests right behind it as one batch, in
 * order (`decide`), so decisions follow the queue order: VIP lane first, arrival order inside a lane. Concerts progress independently. A registry in Redis rather than "a worker per concert on first
 * submit" because the API role submits and the worker role decides, often in different processes; the price is
 * up to one tick before the first request of a concert is picked up, and one blocking connection per live concert.
 *
 * A worker that dies mid-job leaves the job active with a lock that lapses; another worker's stalled check puts
 * it back at the head of the queue (BullMQ's wait list comes before every priority) and re-runs it: the claim
 * finds the request PROCESSING, the hold finds the reservation the first run made, or the decision it recorded.
 */
export async function startRequestWorker(deps: RequestWorkerDeps) {
  const { keys, logger, requests, redis } = deps;
  const workerId = `w-${randomBytes(6).toString('hex')}`;
  const everyMs = deps.ensureEveryMs ?? 1_000;
  const window = deps.activeWindowMs ?? 3_600_000;
  const connection = deps.connections.open('bull-worker');
  connection.on('error', (err) => logger.debug({ err: err.message }, 'request worker connection error'));
  const workers = new Map<number, RequestBullWorker>();
  let stopped = false;
  let killed = false;

  /** Retries what failed for a reason other than a decision (an AppError is one, and is thrown at once). */
  async function retrying<T>(run: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await run();
      } catch (err) {
        const delay = RETRY_DELAYS_MS[attempt];
        if (err instanceof AppError || delay === undefined || killed) throw err;
        logger.warn({ err, attempt }, 'reservation request: retrying after a dependency error');
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  function alive() {
    // After kill() nothing more may happen in this process: what it did so far stays, as after a crash.
    if (killed) throw new Error('request worker killed');
  }

  /**
   * The job in hand and up to `batchSize - 1` requests right behind it, in the order BullMQ would hand them out
   * (its wait list, then the priorities: VIP, then normal, each first in, first out). While this job is active no
   * other job of the concert can be (global concurrency 1), so nobody else takes them meanwhile.
   */
  async function batchOf(job: RequestJob): Promise<RequestJobData[]> {
    const size = deps.batchSize ?? 64;
    if (size <= 1) return [job.data];
    const next = await requests.queues
      .queue(job.data.concertId)
      .getJobs(['wait', 'prioritized'], 0, size - 2, true);
    return [job.data, ...next.slice(0, size - 1).map((j) => j.data)];
  }

  /**
   * Decides the job in hand together with the requests behind it: claims them (PENDING → PROCESSING), holds
   * the claimed ones in queue order in one transaction, records each decision, and takes the followers out of
   * the queue. Killed anywhere in between, the job in hand is re-run after its lock lapses and decides the same
   * batch again: claims go on, holds find the reservations they made, recorded decisions stand.
   */
  async function decide(job: RequestJob) {
    alive();
    const batch = await retrying(() => batchOf(job));
    const claims = await retrying(() => requests.claim(batch));
    const claimed = batch.filter((_, i) => claims[i] === 'CLAIMED');
    const refused = batch.flatMap((data, i) => {
      const claim = claims[i];
      return claim === 'CLOSED' || claim === 'ENDED' ? [{ job: data, decision: refusal(claim) }] : [];
    });
    const outcomes =
      claimed.length === 0
        ? []
        : await retrying(() =>
            deps.holdMany(
              claimed.map((data) => ({
                userId: data.userId,
                scheduleId: data.scheduleId,
                seatIds: data.seatIds,
                requestId: data.requestId,
              })),
            ),
          );
    alive();
    const stored = await retrying(() =>
      requests.decide([
        ...claimed.map((job, i) => {
          const outcome = outcomes[i]!;
          // A business outcome (SEAT_UNAVAILABLE, SEAT_LIMIT_EXCEEDED, BOOKING_CLOSED, NOT_FOUND) is final.
          const decision: Decision = outcome.ok
            ? { status: 'COMPLETED', result: outcome.reservation }
            : { status: 'FAILED', error: outcome.error.toBody() };
          return { job, decision };
        }),
        ...refused,
      ]),
    );
    const queue = requests.queues.queue(job.data.concertId);
    await Promise.all(batch.slice(1).map((data) => queue.remove(data.requestId).catch(() => 0)));
    const head =
      claims[0] === 'CLAIMED'
        ? (stored[0]?.status ?? 'GONE')
        : claims[0] === 'CLOSED' || claims[0] === 'ENDED'
          ? 'FAILED'
          : claims[0];
    return { outcome: head, batch: batch.length };
  }

  /** After the last BullMQ attempt, the fan hears that the request failed instead of waiting for nothing. */
  async function failedForGood(job: RequestJob | undefined, err: Error) {
    if (!job || killed) return;
    const final = job.attemptsMade >= (job.opts.attempts ?? 1) || /stalled more than/.test(err.message);
    if (!final) return;
    logger.error({ err, requestId: job.data.requestId }, 'reservation request failed for good');
    await requests
      .decide([
        {
          job: job.data,
          decision: {
            status: 'FAILED',
            error: { code: 'DEPENDENCY_UNAVAILABLE', message: 'The request could not be decided; try again' },
          },
        },
      ])
      .catch((e) => logger.warn({ err: e, requestId: job.data.requestId }, 'recording a failure failed'));
  }

  async function startFor(concertId: number) {
    await requests.queues.ready(concertId);
    if (stopped || workers.has(concertId)) return;
    const worker = new Worker<RequestJobData, unknown, 'decide'>(requestQueueName(concertId), decide, {
      connection,
      prefix: keys.bullConcert(concertId),
      name: workerId,
      concurrency: 1,
      lockDuration: deps.lockDurationMs ?? 10_000,
      stalledInterval: deps.stalledIntervalMs ?? 5_000,
      maxStalledCount: 3,
    });
    worker.on('error', (err) => logger.debug({ err: err.message, concertId }, 'request worker error'));
    worker.on('failed', (job, err) => void failedForGood(job, err));
    workers.set(concertId, worker);
  }

  /** A concert out of the window whose queue is empty gives its worker up; a later submit brings it back. */
  async function retire(concertId: number, worker: RequestBullWorker) {
    const counts = await requests.queues
      .queue(concertId)
      .getJobCounts('wait', 'prioritized', 'active', 'delayed');
    if (Object.values(counts).some((n) => n > 0)) return;
    workers.delete(concertId);
    await worker.close();
  }

  let ticking = false;
  async function tick() {
    if (ticking || stopped) return;
    ticking = true;
    try {
      const now = deps.now().getTime();
      await redis.zadd(keys.requestWorkers, now, workerId);
      await redis.zremrangebyscore(keys.requestWorkers, '-inf', now - 60_000);
      const ids = new Set(
        (await redis.zrangebyscore(keys.requestConcerts, now - window, '+inf')).map(Number),
      );
      for (const id of ids) if (!workers.has(id)) await startFor(id);
      for (const [id, worker] of workers) if (!ids.has(id)) await retire(id, worker);
      // Concerts idle for a day leave the registry (their requests expired long ago).
      await redis.zremrangebyscore(keys.requestConcerts, '-inf', now - 24 * 3_600_000);
    } catch (err) {
      logger.warn({ err }, 'reservation request workers: tick failed');
    } finally {
      ticking = false;
    }
  }

  await tick();
  const timer = setInterval(() => void tick(), everyMs);
  timer.unref();
  logger.info({ workerId }, 'reservation request worker started');

  return {
    name: 'reservation-requests',
    workerId,
    /** Concerts this process runs a worker for. */
    concerts: () => [...workers.keys()],
    /** Stops taking jobs, lets the ones in hand finish, and leaves the heartbeat. */
    async close() {
      stopped = true;
      clearInterval(timer);
      while (ticking) await new Promise((r) => setTimeout(r, 10));
      await Promise.allSettled([...workers.values()].map((w) => w.close()));
      workers.clear();
      await redis.zrem(keys.requestWorkers, workerId).catch(() => 0);
      await connection.quit().catch(() => undefined);
    },
    /**
     * Stops at once, as a crash would: the job in hand is abandoned where it is (what it committed stays, and
     * nothing more happens), its lock lapses and another worker re-runs it. For tests of exactly that.
     */
    async kill() {
      killed = true;
      stopped = true;
      clearInterval(timer);
      connection.disconnect();
      await Promise.allSettled([...workers.values()].map((w) => w.close(true)));
      workers.clear();
    },
  };
}
export type RequestWorker = Awaited<ReturnType<typeof startRequestWorker>>;
