import { randomUUID } from 'node:crypto';
import type { ApiErrorBody, Lane, Reservation } from '../../../client-sdk/src/protocol.ts';
import type { EventSink } from '../events/index.ts';
import { AppError, notFound } from '../http/errors.ts';
import type { Logger } from '../logging/logger.ts';
import type { RedisClient, RedisConnections } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import type { LuaReply } from '../waiting-room/scripts.ts';
import { createRequestQueues, LANE_PRIORITY, type RequestJobData } from './queues.ts';
import { defineRequestScripts, replyParts } from './scripts.ts';
import { createRequestStats } from './stats.ts';

export type RequestStatus = 'PENDING' | 'PROCESSING' | 'COMPLETED' | 'FAILED' | 'CANCELLED';

/** POST /api/v2/reservations → 202. */
export interface RequestAccepted {
  requestId: string;
  status: 'PENDING';
  lane: Lane;
  position: number;
}

/** GET /api/v2/reservations/{requestId}. */
export interface RequestState {
  requestId: string;
  status: RequestStatus;
  lane: Lane;
  concertId: number;
  scheduleId: number;
  seatIds: number[];
  submittedAt: string;
  startedAt: string | null;
  decidedAt: string | null;
  result?: Reservation;
  error?: ApiErrorBody;
}

export type Decision =
  | { status: 'COMPLETED'; result: Reservation }
  | { status: 'FAILED'; error: ApiErrorBody };

export interface ReservationRequestsDeps {
  redis: RedisClient;
  connections: RedisConnections;
  keys: Keys;
  logger: Logger;
  events: EventSink;
  now: () => Date;
  /** The concert of a schedule (404 for an unknown one): booking's memoised directory. */
  concertOf(scheduleId: number): Promise<number>;
  /** How long a request and then its result are kept (default 1 h). */
  resultTtlMs?: number;
  /** PENDING requests one fan may have per concert (default 3). */
  maxPendingPerFan?: number;
}

const RATE_TTL_MS = 120_000;

/**
 * Queued (v2) reservation requests: a fan's request waits in its concert's BullMQ queue, VIP lane first, and a
 * worker decides it with booking's one hold (worker.ts). Each request has a status hash in Redis; every change of
 * it is a Lua script (submit, claim, cancel, decide) and is announced as a `reservation.update` event. No HTTP here.
 */
export function createReservationRequests(deps: ReservationRequestsDeps) {
  const { redis, keys, events, logger } = deps;
  const ttl = deps.resultTtlMs ?? 3_600_000;
  const maxPending = deps.maxPendingPerFan ?? 3;
  defineRequestScripts(redis);
  const queues = createRequestQueues(deps.connections, keys, logger);
  const nowMs = () => deps.now().getTime();
  const stats = createRequestStats({ redis, keys, queues, now: deps.now, activeWindowMs: ttl });

  function announce(
    userId: string,
    requestId: string,
    status: RequestStatus,
    decision?: { result?: Reservation; error?: ApiErrorBody },
  ) {
    try {
      events.publish({
        type: 'reservation.update',
        userId,
        requestId,
        status,
        ...(decision?.result ? { result: decision.result } : {}),
        ...(decision?.error ? { error: decision.error } : {}),
      });
    } catch (err) {
      logger.warn({ err, requestId }, 'publishing reservation.update failed');
    }
  }

  /** A stored decision (JSON fields of the hash, '' when absent) back as a Decision. */
  function storedDecision(status: string, result: string, error: string): Decision {
    if (status === 'COMPLETED') return { status, result: JSON.parse(result) as Reservation };
    return {
      status: 'FAILED',
      error: error ? (JSON.parse(error) as ApiErrorBody) : { code: 'INTERNAL_ERROR', message: 'Failed' },
    };
  }

  // When this process last told the registry (keys.requestConcerts) that a concert has requests. Workers read it
  // every second and keep a concert for an hour, so a submit refreshes it at most once a second, not every time.
  const registered = new Map<number, number>();
  async function register(concertId: number, at: number): Promise<void> {
    if (at - (registered.get(concertId) ?? Number.NEGATIVE_INFINITY) < 1_000) return;
    await redis.zadd(keys.requestConcerts, at, String(concertId));
    registered.set(concertId, at);
  }

  /** The concert of a batch: one queue, one concert, so one Redis Cluster slot for its scripts. */
  function sameConcert(jobs: RequestJobData[]): number {
    const concertId = jobs[0]!.concertId;
    if (jobs.some((job) => job.concertId !== concertId))
      throw new Error('a batch spans more than one concert');
    return concertId;
  }

  async function concertOfRequest(requestId: string): Promise<number> {
    const concertId = Number(await redis.get(keys.requestConcert(requestId)));
    if (!Number.isSafeInteger(concertId) || concertId <= 0)
      throw notFound('Reservation request', { requestId });
    return concertId;
  }

  async function read(userId: string, requestId: string): Promise<RequestState> {
    const concertId = await concertOfRequest(requestId);
    const h = await redis.hgetall(keys.request(concertId, requestId));
    // Someone else's request is a 404 too: its existence is not the caller's business.
    if (h.userId !== userId || !h.status) throw notFound('Reservation request', { requestId });
    const iso = (ms: string | undefined) => (ms ? new Date(Number(ms)).toISOString() : null);
    const state: RequestState = {
      requestId,
      status: h.status as RequestStatus,
      lane: h.lane === 'vip' ? 'vip' : 'normal',
      concertId,
      scheduleId: Number(h.scheduleId),
      seatIds: JSON.parse(h.seatIds ?? '[]') as number[],
      submittedAt: iso(h.submittedAt) ?? new Date(0).toISOString(),
      startedAt: iso(h.startedAt),
      decidedAt: iso(h.decidedAt),
    };
    if (h.result) state.result = JSON.parse(h.result) as Reservation;
    if (h.error) state.error = JSON.parse(h.error) as ApiErrorBody;
    return state;
  }

  return {
    queues,
    concertOf: deps.concertOf,

    /**
     * Queues a request of `userId` (lane from the user token) for seats of a schedule of `concertId`. The fan's
     * PENDING requests for the concert are capped (429); the decision comes later from the worker.
     */
    async submit(input: {
      userId: string;
      lane: Lane;
      concertId: number;
      scheduleId: number;
      seatIds: number[];
    }): Promise<RequestAccepted> {
      const { userId, lane, concertId, scheduleId, seatIds } = input;
      const requestId = randomUUID();
      const submittedAt = nowMs();
      const reply = await redis.frRequestSubmit(
        keys.request(concertId, requestId),
        keys.requestPending(concertId, userId),
        requestId,
        userId,
        concertId,
        scheduleId,
        JSON.stringify(seatIds),
        lane,
        submittedAt,
        ttl,
        maxPending,
      );
      const [code, rest] = replyParts(reply);
      if (code === 'RATE_LIMITED') {
        throw new AppError(
          'RATE_LIMITED',
          `At most ${maxPending} pending reservation requests per fan and concert`,
          { limit: maxPending, pending: Number(rest[0]) },
          1,
        );
      }
      if (code !== 'OK') throw new Error(`unexpected reply ${code} from the submit script`);

      const data: RequestJobData = { requestId, userId, concertId, scheduleId, seatIds, lane, submittedAt };
      try {
        await Promise.all([
          // The index outlives the hash, whose TTL restarts when the request is taken and when it is decided: a
          // request is taken within `ttl` of its submit (or never) and decided within seconds after, and its result
          // is kept `ttl` from then, so 2 × ttl and a minute from the submit is long enough.
          redis.set(keys.requestConcert(requestId), String(concertId), 'PX', 2 * ttl + 60_000),
          register(concertId, submittedAt),
        ]);
        const queue = await queues.ready(concertId);
        await queue.add('decide', data, { jobId: requestId, priority: LANE_PRIORITY[lane] });
      } catch (err) {
        // Not queued: forget the request so it does not count against the fan. A job that was added after all
        // finds no hash and is skipped.
        await Promise.allSettled([
          redis.del(keys.request(concertId, requestId)),
          redis.zrem(keys.requestPending(concertId, userId), requestId),
          redis.del(keys.requestConcert(requestId)),
        ]);
        throw err;
      }
      // The request is queued whatever happens next: a failed count must not turn the 202 into an error.
      const position = await stats.position(concertId, lane).catch((err) => {
        logger.warn({ err, requestId }, 'counting the position of a request failed');
        return 0;
      });
      return { requestId, status: 'PENDING', lane, position };
    },

    /** The caller's request; someone else's, an unknown or an expired one is a 404. */
    get: read,

    /** Cancels a PENDING request of the caller; 409 ALREADY_PROCESSING once a worker has taken it. */
    async cancel(userId: string, requestId: string): Promise<RequestState> {
      const concertId = await concertOfRequest(requestId);
      const reply = await redis.frRequestCancel(
        keys.request(concertId, requestId),
        keys.requestPending(concertId, userId),
        keys.requestStats(concertId),
        requestId,
        userId,
        nowMs(),
        ttl,
      );
      const [code, rest] = replyParts(reply);
      if (code === 'NOT_FOUND') throw notFound('Reservation request', { requestId });
      if (code === 'ALREADY_PROCESSING') {
        throw new AppError('ALREADY_PROCESSING', 'The request is being decided or was decided already', {
          requestId,
          status: rest[0],
        });
      }
      if (code !== 'CANCELLED') throw new Error(`unexpected reply ${code} from the cancel script`);
      if (rest[0] === '1') {
        // The job would find the request CANCELLED and skip it; removing it keeps the counts and positions
        // true. A job a worker has just locked cannot be removed, and need not be.
        await queues
          .queue(concertId)
          .remove(requestId)
          .catch(() => 0);
        announce(userId, requestId, 'CANCELLED');
      }
      return read(userId, requestId);
    },

    /**
     * Worker: takes the requests of a batch to decide (PENDING → PROCESSING), in one script call; one answer a
     * request, in order. `DECIDED` means an earlier run of the job decided it already; its decision is announced
     * again (pushes are at least once) and nothing else happens.
     * PROCESSING is not pushed: a batch is decided within milliseconds of its claim, so the push would reach the fan
     * together with the verdict, at the cost of a second message per request on every hop (measured: the API spent
     * about 5% of its CPU on it at 1,000 requests/s). GET shows it, and cancel answers 409 from then on.
     */
    async claim(jobs: RequestJobData[]): Promise<Array<'CLAIMED' | 'DECIDED' | 'CANCELLED' | 'GONE'>> {
      if (jobs.length === 0) return [];
      const concertId = sameConcert(jobs);
      const replies = await redis.frRequestClaim(
        2 * jobs.length,
        ...jobs.flatMap((job) => [
          keys.request(concertId, job.requestId),
          keys.requestPending(concertId, job.userId),
        ]),
        nowMs(),
        ttl,
        ...jobs.map((job) => job.requestId),
      );
      return jobs.map((job, i) => {
        const [code, rest] = replyParts(replies[i] as LuaReply);
        if (code === 'DECIDED') {
          const decision = storedDecision(rest[0] ?? '', rest[1] ?? '', rest[2] ?? '');
          announce(job.userId, job.requestId, decision.status, decision);
        } else if (code !== 'CLAIMED' && code !== 'CANCELLED' && code !== 'GONE') {
          throw new Error(`unexpected reply ${code} from the claim script`);
        }
        return code;
      });
    },

    /**
     * Worker: records the decisions of a batch in one script call, except where an earlier run recorded one (that
     * one stands), and announces the decisions that stand, in order. Returns them, with undefined for a request
     * that is gone or was cancelled.
     */
    async decide(
      verdicts: Array<{ job: RequestJobData; decision: Decision }>,
    ): Promise<Array<Decision | undefined>> {
      if (verdicts.length === 0) return [];
      const concertId = sameConcert(verdicts.map((v) => v.job));
      const now = nowMs();
      const replies = await redis.frRequestDecide(
        2 + 2 * verdicts.length,
        keys.requestStats(concertId),
        keys.requestRate(concertId, Math.floor(now / 1000)),
        ...verdicts.flatMap(({ job }) => [
          keys.request(concertId, job.requestId),
          keys.requestPending(concertId, job.userId),
        ]),
        now,
        ttl,
        RATE_TTL_MS,
        ...verdicts.flatMap(({ job, decision }) => [
          job.requestId,
          decision.status,
          decision.status === 'COMPLETED' ? JSON.stringify(decision.result) : '',
          decision.status === 'FAILED' ? JSON.stringify(decision.error) : '',
        ]),
      );
      return verdicts.map(({ job }, i) => {
        const [code, rest] = replyParts(replies[i] as LuaReply);
        if (code !== 'DECIDED' && code !== 'ALREADY') return undefined;
        const stored = storedDecision(rest[0] ?? '', rest[1] ?? '', rest[2] ?? '');
        announce(job.userId, job.requestId, stored.status, stored);
        return stored;
      });
    },

    stats: stats.stats,
    health: stats.health,

    close: () => queues.close(),
  };
}
export type ReservationRequests = ReturnType<typeof createReservationRequests>;
