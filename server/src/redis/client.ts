import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import type { RedisTarget } from '../config/index.ts';

/** A connection to wherever Redis is: one server (standalone or Sentinel's primary) or a Redis Cluster. */
export type RedisClient = Redis | Cluster;

/** What a connection is for; each use has its own timeouts and retry behaviour. */
export type RedisUse =
  /**
   * Request paths: a command fails after `commandTimeoutMs` instead of hanging a request, and commands issued
   * while disconnected fail at once (503) rather than queueing behind a dead socket. Auto-pipelining sends the
   * commands that concurrent requests issue in the same event-loop turn as one write.
   */
  | 'request'
  /**
   * BullMQ producers (a Queue adding jobs, upserting schedulers, counting) on request paths: like `request`, a
   * command fails at once while Redis is away instead of waiting in the offline queue.
   */
  | 'bull-producer'
  /** BullMQ workers: `maxRetriesPerRequest: null` for blocking commands; they reconnect by themselves. */
  | 'bull-worker'
  /** The Socket.IO adapter's publisher and subscriber: they wait for Redis to come back and resubscribe. */
  | 'pubsub'
  /** One look: connect once, no retries (preflight). */
  | 'probe';

export interface RedisConnections {
  target: RedisTarget;
  /** Redis Cluster: keys spread over shards, fan-out goes over sharded Pub/Sub. */
  readonly cluster: boolean;
  open(use: RedisUse, opts?: { commandTimeoutMs?: number }): RedisClient;
  /** Where Redis is, for logs and messages (no passwords). */
  describe(): string;
}

interface UseOptions {
  lazyConnect?: boolean;
  enableOfflineQueue?: boolean;
  enableAutoPipelining?: boolean;
  retry: (times: number) => number | null;
  node: RedisOptions;
}

function useOptions(use: RedisUse, commandTimeoutMs: number): UseOptions {
  const backoff = (step: number) => (times: number) => Math.min(times * step, 2_000);
  switch (use) {
    case 'request':
      return {
        lazyConnect: true,
        enableOfflineQueue: false,
        enableAutoPipelining: true,
        retry: backoff(100),
        node: { commandTimeout: commandTimeoutMs, connectTimeout: 2_000, maxRetriesPerRequest: 1 },
      };
    case 'bull-producer':
      return {
        enableOfflineQueue: false,
        retry: backoff(100),
        node: { commandTimeout: 2_000, connectTimeout: 2_000, maxRetriesPerRequest: 1 },
      };
    case 'bull-worker':
    case 'pubsub':
      return { retry: backoff(200), node: { maxRetriesPerRequest: null } };
    case 'probe':
      return {
        lazyConnect: true,
        retry: () => null,
        node: { connectTimeout: 2_000, maxRetriesPerRequest: 0 },
      };
  }
}

/**
 * After a Sentinel failover the old primary may come back as a replica while a connection still points at it:
 * a write then answers READONLY. Reconnecting asks the sentinels for the new primary.
 */
const reconnectOnReadonly = (err: Error) => (err.message.startsWith('READONLY') ? 2 : false);

/**
 * The one place the process opens Redis connections. Every client — the request connection and its scripts,
 * BullMQ queues, workers and schedulers, the Socket.IO adapter, the emitter, the rate limiter, the recovery
 * watch, preflight — comes from here, so Sentinel, Cluster, TLS and passwords are decided once. With Sentinel or
 * Cluster configured, REDIS_URL is never contacted.
 */
export function createRedisConnections(target: RedisTarget): RedisConnections {
  const tls = target.tls ? {} : undefined;

  function open(use: RedisUse, opts: { commandTimeoutMs?: number } = {}): RedisClient {
    const o = useOptions(use, opts.commandTimeoutMs ?? 1_000);
    const common = {
      ...(o.lazyConnect !== undefined && { lazyConnect: o.lazyConnect }),
      ...(o.enableOfflineQueue !== undefined && { enableOfflineQueue: o.enableOfflineQueue }),
      ...(o.enableAutoPipelining !== undefined && { enableAutoPipelining: o.enableAutoPipelining }),
    };
    switch (target.mode) {
      case 'standalone':
        return new Redis(target.url, {
          ...common,
          ...o.node,
          retryStrategy: o.retry,
          ...(target.password !== undefined && { password: target.password }),
          ...(tls && { tls }),
        });
      case 'sentinel':
        return new Redis({
          ...common,
          ...o.node,
          retryStrategy: o.retry,
          sentinels: target.sentinels,
          name: target.name,
          role: 'master',
          // No failoverDetector: its +switch-master handler disconnects the connector even while a reconnect
          // is asking the sentinels for the primary; that connect then rejects ("Connection is closed") and
          // ioredis ends the client for good. A dead primary closes the socket anyway, and a demoted one
          // answers READONLY (reconnectOnError below): either way the reconnect asks the sentinels afresh.
          failoverDetector: false,
          sentinelRetryStrategy: o.retry,
          reconnectOnError: reconnectOnReadonly,
          ...(target.password !== undefined && { password: target.password }),
          ...(target.sentinelPassword !== undefined && { sentinelPassword: target.sentinelPassword }),
          ...(tls && { tls, sentinelTLS: tls, enableTLSForSentinelMode: true }),
        });
      case 'cluster': {
        const options: ClusterOptions = {
          ...common,
          clusterRetryStrategy: o.retry,
          // Always the primary: a replica may lag, and every script writes.
          scaleReads: 'master',
          // A slot move or a failover answers MOVED, ASK, TRYAGAIN or CLUSTERDOWN for a moment: retried inside
          // these bounds (16 redirections), after which the request fails with 503.
          retryDelayOnFailover: 200,
          retryDelayOnClusterDown: 200,
          retryDelayOnTryAgain: 100,
          slotsRefreshTimeout: 2_000,
          // The sharded Socket.IO adapter subscribes with SSUBSCRIBE, one subscriber per primary.
          shardedSubscribers: use === 'pubsub',
          redisOptions: {
            ...o.node,
            reconnectOnError: reconnectOnReadonly,
            ...(target.password !== undefined && { password: target.password }),
            ...(tls && { tls }),
          },
          // Managed clusters with TLS announce names their certificates are for: keep the name, not its address.
          ...(tls && { dnsLookup: (address, done) => done(null, address) }),
        };
        return new Cluster(target.nodes, options);
      }
    }
  }

  return {
    target,
    cluster: target.mode === 'cluster',
    open,
    describe() {
      switch (target.mode) {
        case 'standalone': {
          const url = new URL(target.url);
          return `${url.protocol}//${url.host}`;
        }
        case 'sentinel':
          return `sentinel ${target.name} via ${target.sentinels.map((n) => `${n.host}:${n.port}`).join(',')}`;
        case 'cluster':
          return `cluster via ${target.nodes.map((n) => `${n.host}:${n.port}`).join(',')}`;
      }
    },
  };
}

export async function connectRedis(redis: RedisClient): Promise<void> {
  if (redis.status === 'wait') await redis.connect();
}

/** The primaries to visit for a key scan: every primary of a cluster, or the one server. */
export function primaries(redis: RedisClient): Redis[] {
  return redis instanceof Cluster ? redis.nodes('master') : [redis];
}

/** Deletes every key under a prefix (tests and benchmarks clean up after themselves), on every primary. */
export async function deleteByPrefix(redis: RedisClient, prefix: string): Promise<number> {
  let deleted = 0;
  for (const node of primaries(redis)) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length === 0) continue;
      if (redis instanceof Cluster) {
        // One key a command: the keys of one command must share a slot on a cluster.
        const replies = await Promise.all(keys.map((k) => node.unlink(k)));
        deleted += replies.reduce((a, b) => a + b, 0);
      } else deleted += await node.unlink(...keys);
    } while (cursor !== '0');
  }
  return deleted;
}
