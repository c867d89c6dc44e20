import type { Queue } from 'bullmq';
import { Gauge, type Registry } from 'prom-client';
import type { RedisClient } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';

export interface StateGaugeDeps {
  redis: RedisClient;
  keys: Keys;
  now: () => Date;
  /** The BullMQ queues whose depths are exported, listed at every scrape (per-concert queues come and go). */
  queues: () => Promise<readonly Queue[]>;
  /** Queued (v2) reservation requests: how many wait, and how long the oldest has waited. */
  requests?: () => Promise<{ pending: number; oldestPendingAgeMs: number | null }>;
  /** At most this many concerts (the newest ids of the sales registry) get gauges: label sets stay bounded. */
  maxConcerts?: number;
  /** How long a snapshot serves the scrapes and gauges that ask for it. */
  cacheMs?: number;
}

interface ConcertState {
  concert: string;
  vip: number;
  presale: number;
  normal: number;
  ready: number;
  entered: number;
  logPending: number;
}

interface Snapshot {
  concerts: ConcertState[];
  queues: Array<{ queue: string; counts: Record<string, number> }>;
  requests: { pending: number; oldestPendingAgeMs: number | null } | undefined;
  ok: boolean;
}

const JOB_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'failed'] as const;
const QUEUE_TIMEOUT_MS = 1_000;

/** Rejects after `ms` (BullMQ connections retry forever; a scrape must not wait for them). */
function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/**
 * Gauges computed at scrape time from Redis: waiting fans per concert and lane, READY and ENTERED fans, the
 * write-behind backlog (entries Redis holds that MySQL does not have yet: the recovery point in entries), and
 * BullMQ job counts per queue and state. One snapshot (one pipeline for the concerts, one call per queue) feeds
 * every gauge of a scrape; when Redis does not answer the gauges are empty and `frontrow_state_up` is 0, and
 * the scrape still succeeds. Also the queued-reservation backlog and lag, when that feature is wired.
 */
export function registerStateGauges(registry: Registry, deps: StateGaugeDeps) {
  const { redis, keys, now } = deps;
  const maxConcerts = deps.maxConcerts ?? 100;
  const cacheMs = deps.cacheMs ?? 1_000;
  let cached: { at: number; snapshot: Promise<Snapshot> } | undefined;

  async function readConcerts(): Promise<ConcertState[]> {
    const ids = (await redis.smembers(keys.sales))
      .map(Number)
      .filter(Number.isSafeInteger)
      .sort((a, b) => b - a)
      .slice(0, maxConcerts);
    if (ids.length === 0) return [];
    const nowMs = now().getTime();
    // One pipeline a concert: a concert's keys share one Redis Cluster slot, different concerts may not.
    return Promise.all(
      ids.map(async (id) => {
        const replies =
          (await redis
            .pipeline()
            .zcard(keys.lane(id, 'vip'))
            .zcard(keys.lane(id, 'normal'))
            .zcard(keys.lane(id, 'presale'))
            .zcount(keys.ready(id), `(${nowMs}`, '+inf')
            .zcount(keys.sessions(id), `(${nowMs}`, '+inf')
            .llen(keys.queueLog(id))
            .llen(keys.queueLogInflight(id))
            .exec()) ?? [];
        const n = (i: number) => {
          const [err, value] = replies[i] ?? [];
          if (err) throw err;
          return Number(value ?? 0);
        };
        return {
          concert: String(id),
          vip: n(0),
          normal: n(1),
          presale: n(2),
          ready: n(3),
          entered: n(4),
          logPending: n(5) + n(6),
        };
      }),
    );
  }

  async function read(): Promise<Snapshot> {
    const list = await deps.queues().catch(() => undefined);
    const [concerts, requests, ...queues] = await Promise.allSettled([
      readConcerts(),
      deps.requests ? within(QUEUE_TIMEOUT_MS, deps.requests()) : Promise.resolve(undefined),
      ...(list ?? []).map(async (q) => ({
        queue: q.name,
        counts: await within(QUEUE_TIMEOUT_MS, q.getJobCounts(...JOB_STATES)),
      })),
    ]);
    const okQueues = queues.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    return {
      concerts: concerts.status === 'fulfilled' ? concerts.value : [],
      queues: okQueues,
      requests: requests.status === 'fulfilled' ? requests.value : undefined,
      ok:
        list !== undefined &&
        concerts.status === 'fulfilled' &&
        requests.status === 'fulfilled' &&
        okQueues.length === queues.length,
    };
  }

  function snapshot(): Promise<Snapshot> {
    const at = now().getTime();
    if (!cached || at - cached.at > cacheMs) cached = { at, snapshot: read() };
    return cached.snapshot;
  }

  const perConcert = (name: string, help: string, pick: (s: ConcertState) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['concert'] as const,
      registers: [registry],
      async collect() {
        const { concerts } = await snapshot();
        this.reset();
        for (const s of concerts) this.set({ concert: s.concert }, pick(s));
      },
    });

  new Gauge({
    name: 'frontrow_queue_waiting',
    help: 'Fans waiting in the waiting room, by concert and lane',
    labelNames: ['concert', 'lane'] as const,
    registers: [registry],
    async collect() {
      const { concerts } = await snapshot();
      this.reset();
      for (const s of concerts) {
        this.set({ concert: s.concert, lane: 'vip' }, s.vip);
        this.set({ concert: s.concert, lane: 'presale' }, s.presale);
        this.set({ concert: s.concert, lane: 'normal' }, s.normal);
      }
    },
  });
  perConcert(
    'frontrow_queue_ready',
    'Admitted fans (READY) whose window to claim is open, by concert',
    (s) => s.ready,
  );
  perConcert(
    'frontrow_sessions_entered',
    'Fans with a live booking session (ENTERED), by concert',
    (s) => s.entered,
  );
  perConcert(
    'frontrow_queue_log_pending',
    'Queue-log entries not yet written behind to MySQL (lost if Redis loses its data now), by concert',
    (s) => s.logPending,
  );
  new Gauge({
    name: 'frontrow_bullmq_jobs',
    help: 'BullMQ jobs by queue and state',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    async collect() {
      const { queues } = await snapshot();
      this.reset();
      for (const { queue, counts } of queues)
        for (const state of JOB_STATES) this.set({ queue, state }, counts[state] ?? 0);
    },
  });
  if (deps.requests) {
    new Gauge({
      name: 'frontrow_reservation_requests_pending',
      help: 'Queued (v2) reservation requests waiting for a decision, every concert',
      registers: [registry],
      async collect() {
        const { requests } = await snapshot();
        this.reset();
        if (requests) this.set(requests.pending);
      },
    });
    new Gauge({
      name: 'frontrow_reservation_request_lag_seconds',
      help: 'How long the oldest pending queued reservation request has waited (0 when none waits)',
      registers: [registry],
      async collect() {
        const { requests } = await snapshot();
        this.reset();
        if (requests) this.set((requests.oldestPendingAgeMs ?? 0) / 1000);
      },
    });
  }
  new Gauge({
    name: 'frontrow_state_up',
    help: '1 when the last scrape could read the waiting rooms and every BullMQ queue from Redis, else 0',
    registers: [registry],
    async collect() {
      this.set((await snapshot()).ok ? 1 : 0);
    },
  });
}
