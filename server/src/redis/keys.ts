/**
 * Every Redis key of Frontrow comes from here. Keys of one concert share the hash tag `{c:<id>}`, so all keys
 * that a Lua script touches land in one Redis Cluster slot. The prefix comes from REDIS_PREFIX, so test runs and
 * benchmarks sharing one Redis never meet.
 */
export function createKeys(prefix: string) {
  const c = (concertId: number) => `${prefix}:{c:${concertId}}`;
  return {
    prefix,
    /**
     * BullMQ's own prefix. The hash tag puts every BullMQ key in one Redis Cluster slot, which BullMQ's multi-key
     * scripts require on a cluster.
     */
    bullPrefix: `${prefix}:{bull}`,
    /** Socket.IO adapter channel prefix. */
    socketChannel: `${prefix}:socket.io`,
    concert: c,
    /**
     * ZSET of one lane's waiting fans: member userId, score = the fan's laneSeq, a DENSE per-lane sequence (1, 2,
     * 3, ... inside the lane, separate from the concert-wide ticket). The real-time tick reads ranks and scores of
     * this set (server/src/realtime/tick.ts: readLaneTick) and clients compute their place from their laneSeq
     * (client-sdk/src/position.ts), which is exact only if scores advance by exactly 1 per fan inside a lane.
     */
    lane: (concertId: number, lane: 'vip' | 'normal') => `${c(concertId)}:lane:${lane}`,
    /** Counter behind each lane's laneSeq (INCR inside the enter script). */
    laneSeq: (concertId: number, lane: 'vip' | 'normal') => `${c(concertId)}:lane-seq:${lane}`,
    /** ZSET member userId, score = session expiry (ms): fans holding a live access session (ENTERED). */
    sessions: (concertId: number) => `${c(concertId)}:sessions`,
    /** HASH userId → `jti|expiresAtMs`: the one live session of each fan, checked on every booking request. */
    sessionIds: (concertId: number) => `${c(concertId)}:session-ids`,
    /** Set for a second after a `queue:tick` went out: at most one tick per concert per second, across replicas. */
    tickGate: (concertId: number) => `${c(concertId)}:tick-gate`,
  };
}
export type Keys = ReturnType<typeof createKeys>;
