import type { Lane } from '@frontrow/client/protocol';

/**
 * Every Redis key of Frontrow comes from here. Keys of one concert share the hash tag `{c:<id>}`, so all keys
 * that a Lua script touches land in one Redis Cluster slot. The prefix comes from REDIS_PREFIX, so test runs and
 * benchmarks sharing one Redis never meet.
 */
export function createKeys(prefix: string) {
  const c = (concertId: number) => `${prefix}:{c:${concertId}}`;
  const keys = {
    prefix,
    /**
     * BullMQ prefix of a queue that is not per concert (`waiting-room`, `booking-holds`): each such queue has a hash
     * tag of its own, so its keys share one Redis Cluster slot (BullMQ's scripts take several keys of a queue)
     * and different queues may sit on different shards.
     */
    bullQueue: (queueName: string) => `${prefix}:{q:${queueName}}`,
    /**
     * BullMQ prefix of a concert's own queues (queued reservations): the concert's hash tag, so its jobs live in
     * the slot of its waiting room and different concerts spread over the shards.
     */
    bullConcert: (concertId: number) => `${c(concertId)}:bull`,
    /** Socket.IO adapter channel prefix. */
    socketChannel: `${prefix}:socket.io`,
    concert: c,
    /**
     * ZSET of one lane's waiting fans: member userId, score = the fan's laneSeq, a DENSE per-lane sequence (1, 2,
     * 3, ... inside the lane, separate from the concert-wide ticket). The real-time tick reads ranks and scores of
     * this set (server/src/realtime/tick.ts: readLaneTick) and clients compute their place from their laneSeq
     * (client-sdk/src/position.ts), which is exact only if scores advance by exactly 1 per fan inside a lane.
     */
    lane: (concertId: number, lane: Lane) => `${c(concertId)}:lane:${lane}`,
    /** Counter behind each lane's laneSeq (INCR inside the enter script). */
    laneSeq: (concertId: number, lane: Lane) => `${c(concertId)}:lane-seq:${lane}`,
    /** ZSET member userId, score = session expiry (ms): fans holding a live access session (ENTERED). */
    sessions: (concertId: number) => `${c(concertId)}:sessions`,
    /** HASH userId → `jti|expiresAtMs`: the one live session of each fan, checked on every booking request. */
    sessionIds: (concertId: number) => `${c(concertId)}:session-ids`,
    /** Set for a second after a `queue:tick` went out: at most one tick per concert per second, across replicas. */
    tickGate: (concertId: number) => `${c(concertId)}:tick-gate`,

    // Waiting room and admission (server/src/waiting-room, server/src/admission; layouts in their Lua headers).
    /** HASH: the sale as the hot path needs it (state, join window, knobs, shuffle seed, measured admit rate). */
    sale: (concertId: number) => `${c(concertId)}:sale`,
    /** HASH userId → `status|lane|ticket|laneSeq|joinedAtMs|untilMs|reason`: every fan the room knows. */
    fans: (concertId: number) => `${c(concertId)}:fans`,
    /** STRING: the concert-wide ticket counter, shared by every lane (tickets are dense 1..N). */
    ticketSeq: (concertId: number) => `${c(concertId)}:ticket-seq`,
    /** ZSET userId → joinedAtMs of waiting fans: cleanup of entries older than MAX_WAIT_MINUTES. */
    joined: (concertId: number) => `${c(concertId)}:joined`,
    /** ZSET userId → readyUntilMs: admitted fans (READY) that have not claimed their access token yet. */
    ready: (concertId: number) => `${c(concertId)}:ready`,
    /** HASH of counters: `served:<lane>` (admitted), `left:<lane>` (left from the middle), `expired`. */
    queueStats: (concertId: number) => `${c(concertId)}:queue-stats`,
    /** LIST `atMs|count`, newest first: recent admissions, the measured admission rate. */
    admissions: (concertId: number) => `${c(concertId)}:admissions`,
    /** ZSET tickId → atMs: admission ticks already run, so a retried tick admits nobody a second time. */
    admitTicks: (concertId: number) => `${c(concertId)}:admit-ticks`,
    /** LIST: the write-behind log of queue entries, drained in order to MySQL `queue_entries`. */
    queueLog: (concertId: number) => `${c(concertId)}:queue-log`,
    /** LIST: the batch of the log a drainer is writing to MySQL (replayed if that drainer dies). */
    queueLogInflight: (concertId: number) => `${c(concertId)}:queue-log:inflight`,
    /** STRING (PX lease): the drainer that owns the in-flight batch. */
    queueLogLease: (concertId: number) => `${c(concertId)}:queue-log:lease`,
    /** HASH userId → `lane|entryTicket|place|ticket`: each fan of the pre-queue draw (fairness/). */
    draw: (concertId: number) => `${c(concertId)}:draw`,
    /** HASH vip|presale|normal → entry tickets in drawn order, comma-separated: the published draw (fairness/). */
    drawOrder: (concertId: number) => `${c(concertId)}:draw-order`,
    /** HASH sha256(code) → `lane|usesLeft|expiresAtMs`: the concert's access codes (access-codes/). */
    accessCodes: (concertId: number) => `${c(concertId)}:access-codes`,
    /** HASH userId → lane: fans let into a codes-only sale without a code (access-codes/). */
    allowList: (concertId: number) => `${c(concertId)}:allow-list`,
    /** STRING, expires with its challenge: a proof-of-work challenge already used to enter (pow/). */
    powUsed: (concertId: number, challengeId: string) => `${c(concertId)}:pow-used:${challengeId}`,
    /** HASH webhookId → JSON registration (url, events, secret): organisers' webhooks. Never used by a script. */
    webhooks: `${prefix}:webhooks`,
    /** LIST of JSON delivery attempts of one webhook, newest first, capped. Never used by a script. */
    webhookDeliveries: (webhookId: string) => `${prefix}:webhook-deliveries:${webhookId}`,
    /** SET of concert ids with a waiting room under this prefix. Outside any hash tag: never used by a script. */
    sales: `${prefix}:sales`,
    /**
     * STRING: a marker the worker role writes once Redis holds everything recovery needs; gone = Redis lost its
     * data (restart without persistence, flush, failover to an empty replica): rebuild from MySQL (recovery/).
     */
    epoch: `${prefix}:epoch`,

    // Queued reservation requests (server/src/reservation-requests; layouts in their Lua headers).
    /** HASH: one queued request (userId, lane, status, result/error, times), kept for a bounded time. */
    request: (concertId: number, requestId: string) => `${c(concertId)}:request:${requestId}`,
    /** ZSET requestId → submittedAtMs: one fan's PENDING requests for a concert (the per-fan limit). */
    requestPending: (concertId: number, userId: string) => `${c(concertId)}:request-pending:${userId}`,
    /** HASH of counters: completed, failed, cancelled, decided, waitMs (sum of submit → decision). */
    requestStats: (concertId: number) => `${c(concertId)}:request-stats`,
    /** HASH `n`, `waitMs` of the decisions made in one second (expires): throughput and wait of the last minute. */
    requestRate: (concertId: number, second: number) => `${c(concertId)}:request-rate:${second}`,
    /**
     * ZSET requestId → submittedAtMs: requests recorded by a submit whose BullMQ job is not known to be added yet.
     * A submit that died in between leaves its request here, and the sweeper queues it (requeueStranded).
     */
    requestUnqueued: (concertId: number) => `${c(concertId)}:request-unqueued`,
    /** STRING concertId: which concert a request id belongs to (the REST paths name only the request). */
    requestConcert: (requestId: string) => `${prefix}:request-concert:${requestId}`,
    /** ZSET concertId → last submit (ms): the concerts whose request queue needs a worker. Never used by a script. */
    requestConcerts: `${prefix}:request-concerts`,
    /** ZSET workerId → last heartbeat (ms): processes running reservation-request workers. */
    requestWorkers: `${prefix}:request-workers`,

    // The job dashboard's browser sign-in (server/src/ops/queues-dashboard.ts).
    /** STRING (PX 60 s) admin user JSON: a one-time code, taken with GETDEL. */
    dashboardCode: (code: string) => `${prefix}:queues-dashboard:code:${code}`,
    /** STRING (PX) admin user JSON: a dashboard session behind the HttpOnly cookie. */
    dashboardSession: (id: string) => `${prefix}:queues-dashboard:session:${id}`,
  };
  return {
    ...keys,
    /** The three lanes' ZSETs in admission order: VIP, presale, normal. */
    lanes: (concertId: number) =>
      [keys.lane(concertId, 'vip'), keys.lane(concertId, 'presale'), keys.lane(concertId, 'normal')] as const,
    /** The three lanes' laneSeq counters, in the same order. */
    laneSeqs: (concertId: number) =>
      [
        keys.laneSeq(concertId, 'vip'),
        keys.laneSeq(concertId, 'presale'),
        keys.laneSeq(concertId, 'normal'),
      ] as const,
    /**
     * A concert's room state, the nine keys that admit.lua, close-sale.lua and leave.lua all take first, as
     * KEYS[1..9] in this order: sale, fans, VIP lane, presale lane, normal lane, joined, ready, sessions,
     * sessionIds.
     */
    roomState: (concertId: number) =>
      [
        keys.sale(concertId),
        keys.fans(concertId),
        keys.lane(concertId, 'vip'),
        keys.lane(concertId, 'presale'),
        keys.lane(concertId, 'normal'),
        keys.joined(concertId),
        keys.ready(concertId),
        keys.sessions(concertId),
        keys.sessionIds(concertId),
      ] as const,
  };
}
export type Keys = ReturnType<typeof createKeys>;
