import { randomUUID } from 'node:crypto';
import type {
  ApiErrorBody,
  Reservation,
  ReservationRequestAccepted,
  ReservationRequestState,
  ReservationRequestStatus,
  Tier,
} from '@frontrow/client/protocol';
import type { EventSink } from '../events/index.ts';
import { type AppError, notFound } from '../http/errors.ts';
import type { Logger } from '../logging/logger.ts';
import type { RedisClient, RedisConnections } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import { replyParts } from '../redis/scripts.ts';
import { createRequestQueues, LANE_PRIORITY, type RequestJobData } from './queues.ts';
import { createRequestScripts, requestError } from './scripts.ts';
import { createRequestStats } from './stats.ts';

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
 * What claim.lua says of a request. CLOSED and ENDED are still PENDING: the sale closed, or the booking session
 * the request was submitted in ended, before a worker took it, so it is to be decided FAILED without a hold.
 */
const CLAIM_REPLIES = ['CLAIMED', 'DECIDED', 'CANCELLED', 'GONE', 'CLOSED', 'ENDED'] as const;
export type ClaimReply = (typeof CLAIM_REPLIES)[number];

/** The decision of a request its sale (CLOSED) or its fan's booking session (ENDED) outlived: no seat for it. */
export function refusal(claim: 'CLOSED' | 'ENDED'): Decision {
  const error = requestError(claim, [], { script: 'claim' }) as AppError;
  return { status: 'FAILED', error: error.toBody() };
}

/** Jobs read from a closed sale's queue per round. */
const CLOSE_PAGE = 256;

/**
 * Queued (v2) reservation requests: a fan's request waits in its concert's BullMQ queue, VIP lane first, and a
 * worker decides it with booking's one hold (worker.ts). Each request has a status hash in Redis; every change of
 * it is a Lua script (submit, claim, cancel, decide) and is announced as a `reservation.update` event. No HTTP here.
 */
export function createReservationRequests(deps: ReservationRequestsDeps) {
  const { redis, keys, events, logger } = deps;
  const ttl = deps.resultTtlMs ?? 3_600_000;
  const maxPending = deps.maxPendingPerFan ?? 3;
  const scripts = createRequestScripts(redis, keys);
  const queues = createRequestQueues(deps.connections, keys, logger);
  const nowMs = () => deps.now().getTime();
  const stats = createRequestStats({ redis, keys, queues, now: deps.now, activeWindowMs: ttl });

  function announce(
    userId: string,
    requestId: string,
    status: ReservationRequestStatus,
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

  /** Adds the request's job (its id is the request id, so adding it twice is one job) and its concert index. */
  async function enqueue(data: RequestJobData): Promise<void> {
    // The index outlives the hash, whose TTL restarts when the request is taken and when it is decided: a request
    // is taken within `ttl` of its submit (or never) and decided within seconds after, and its result is kept
    // `ttl` from then, so 2 × ttl and a minute from now is long enough.
    await redis.set(keys.requestConcert(data.requestId), String(data.concertId), 'PX', 2 * ttl + 60_000);
    const queue = await queues.ready(data.concertId);
    await queue.add('decide', data, { jobId: data.requestId, priority: LANE_PRIORITY[data.lane] });
  }

  /** The job of a request, rebuilt from its hash (the sweeper's repair of a submit that died). */
  function jobOf(requestId: string, h: Record<string, string>): RequestJobData {
    return {
      requestId,
      userId: h.userId ?? '',
      concertId: Number(h.concertId),
      scheduleId: Number(h.scheduleId),
      seatIds: JSON.parse(h.seatIds ?? '[]') as number[],
      lane: h.lane === 'vip' ? 'vip' : 'normal',
      submittedAt: Number(h.submittedAt),
    };
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

  async function read(userId: string, requestId: string): Promise<ReservationRequestState> {
    const concertId = await concertOfRequest(requestId);
    const h = await redis.hgetall(keys.request(concertId, requestId));
    // Someone else's request is a 404 too: its existence is not the caller's business.
    if (h.userId !== userId || !h.status) throw notFound('Reservation request', { requestId });
    const iso = (ms: string | undefined) => (ms ? new Date(Number(ms)).toISOString() : null);
    const state: ReservationRequestState = {
      requestId,
      status: h.status as ReservationRequestStatus,
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

  const service = {
    queues,
    concertOf: deps.concertOf,

    /**
     * Queues a request of `userId` (lane from the user token) for seats of a schedule of `concertId`. The fan's
     * PENDING requests for the concert are capped (429); the decision comes later from the worker.
     */
    async submit(input: {
      userId: string;
      lane: Tier;
      concertId: number;
      scheduleId: number;
      seatIds: number[];
      /** The booking session (access token id) it is submitted in: the request is decided only while it lives. */
      jti: string;
    }): Promise<ReservationRequestAccepted> {
      const { userId, lane, concertId, scheduleId, seatIds } = input;
      const requestId = randomUUID();
      const submittedAt = nowMs();
      // Registered before the request exists, so the sweeper finds the concert of a submit that dies after the
      // script (requeueStranded).
      await register(concertId, submittedAt);
      const reply = await scripts.submit(concertId, { requestId, userId }, [
        scheduleId,
        JSON.stringify(seatIds),
        lane,
        submittedAt,
        ttl,
        maxPending,
        input.jti,
      ]);
      const [code, rest] = replyParts(reply);
      if (code !== 'OK') throw requestError(code, rest, { script: 'submit', requestId, maxPending });

      const data: RequestJobData = { requestId, userId, concertId, scheduleId, seatIds, lane, submittedAt };
      try {
        await enqueue(data);
      } catch (err) {
        // Not queued: forget the request so it does not count against the fan. A job that was added after all
        // finds no hash and is skipped.
        await Promise.allSettled([
          redis.del(keys.request(concertId, requestId)),
          redis.zrem(keys.requestPending(concertId, userId), requestId),
          redis.zrem(keys.requestUnqueued(concertId), requestId),
          redis.del(keys.requestConcert(requestId)),
        ]);
        throw err;
      }
      // The request is queued whatever happens next: a failed count must not turn the 202 into an error, and a
      // failed ZREM leaves the sweeper a no-op (the job exists).
      const [position] = await Promise.all([
        stats.position(concertId, lane).catch((err) => {
          logger.warn({ err, requestId }, 'counting the position of a request failed');
          return 0;
        }),
        redis.zrem(keys.requestUnqueued(concertId), requestId).catch(() => 0),
      ]);
      return { requestId, status: 'PENDING', lane, position };
    },

    /** The caller's request; someone else's, an unknown or an expired one is a 404. */
    get: read,

    /** Cancels a PENDING request of the caller; 409 ALREADY_PROCESSING once a worker has taken it. */
    async cancel(userId: string, requestId: string): Promise<ReservationRequestState> {
      const concertId = await concertOfRequest(requestId);
      const reply = await scripts.cancel(concertId, { requestId, userId }, [nowMs(), ttl]);
      const [code, rest] = replyParts(reply);
      if (code !== 'CANCELLED') throw requestError(code, rest, { script: 'cancel', requestId });
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
     * together with the verdict, at the cost of a second message per request on every hop. GET shows it, and
     * cancel answers 409 from then on.
     */
    async claim(jobs: RequestJobData[]): Promise<ClaimReply[]> {
      if (jobs.length === 0) return [];
      const concertId = sameConcert(jobs);
      const replies = await scripts.claim(concertId, jobs, [nowMs(), ttl]);
      return jobs.map((job, i) => {
        const [code, rest] = replyParts(replies[i] ?? []);
        if (code === 'DECIDED') {
          const decision = storedDecision(rest[0] ?? '', rest[1] ?? '', rest[2] ?? '');
          announce(job.userId, job.requestId, decision.status, decision);
        } else if (!CLAIM_REPLIES.includes(code as ClaimReply)) {
          throw requestError(code, rest, { script: 'claim', requestId: job.requestId });
        }
        return code as ClaimReply;
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
      const replies = await scripts.decide(
        concertId,
        verdicts.map((v) => v.job),
        [now, ttl, RATE_TTL_MS],
        verdicts.flatMap(({ job, decision }) => [
          job.requestId,
          decision.status,
          decision.status === 'COMPLETED' ? JSON.stringify(decision.result) : '',
          decision.status === 'FAILED' ? JSON.stringify(decision.error) : '',
        ]),
      );
      return verdicts.map(({ job }, i) => {
        const [code, rest] = replyParts(replies[i] ?? []);
        if (code !== 'DECIDED' && code !== 'ALREADY') return undefined;
        const stored = storedDecision(rest[0] ?? '', rest[1] ?? '', rest[2] ?? '');
        announce(job.userId, job.requestId, stored.status, stored);
        return stored;
      });
    },

    /**
     * The sale of `concertId` closed: every request still waiting in its queue is decided FAILED (BOOKING_CLOSED)
     * now and leaves the queue, instead of waiting for a worker. Safe beside running workers: once the sale is
     * CLOSED, claim.lua takes no PENDING request, so none decided here is being held meanwhile; a request a worker
     * took before the close (PROCESSING) is left to it. Idempotent. Returns how many it failed.
     */
    async failClosed(concertId: number): Promise<number> {
      const queue = queues.queue(concertId);
      let failed = 0;
      // Jobs of PROCESSING requests stay queued (a stalled re-run); the next page starts after them.
      let kept = 0;
      for (;;) {
        const jobs = (await queue.getJobs(['wait', 'prioritized'], kept, kept + CLOSE_PAGE - 1, true))
          .filter((job) => job?.data)
          .map((job) => job.data);
        if (jobs.length === 0) return failed;
        const claims = await service.claim(jobs);
        const closed = jobs.filter((_, i) => claims[i] === 'CLOSED');
        await service.decide(closed.map((job) => ({ job, decision: refusal('CLOSED') })));
        failed += closed.length;
        kept += claims.filter((c) => c === 'CLAIMED').length;
        await Promise.all(
          jobs.flatMap((job, i) =>
            claims[i] === 'CLAIMED' ? [] : [queue.remove(job.requestId).catch(() => 0)],
          ),
        );
      }
    },

    /**
     * Sweeper (worker role): queues the requests whose submit recorded them but died before adding their BullMQ
     * job, so they are decided now rather than sit PENDING until they expire. Requests younger than `graceMs` are
     * left to the submit still running. Idempotent: a request whose job exists, or that is no longer PENDING, only
     * leaves the list. Returns how many jobs it added.
     */
    async requeueStranded(graceMs = 5_000): Promise<number> {
      const now = nowMs();
      const concertIds = await redis.zrangebyscore(keys.requestConcerts, now - ttl, '+inf');
      let added = 0;
      for (const concertId of concertIds.map(Number)) {
        const unqueued = keys.requestUnqueued(concertId);
        const ids = await redis.zrangebyscore(unqueued, '-inf', now - graceMs, 'LIMIT', 0, 1_000);
        for (const requestId of ids) {
          const h = await redis.hgetall(keys.request(concertId, requestId));
          if (h.status === 'PENDING' && !(await queues.queue(concertId).getJob(requestId))) {
            await enqueue(jobOf(requestId, h));
            added++;
            logger.warn({ requestId, concertId }, 'queued a request whose submit did not');
          }
          await redis.zrem(unqueued, requestId);
        }
      }
      return added;
    },

    stats: stats.stats,
    health: stats.health,

    close: () => queues.close(),
  };
  return service;
}
export type ReservationRequests = ReturnType<typeof createReservationRequests>;
