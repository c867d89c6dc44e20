import { Redis, type RedisOptions } from 'ioredis';

/**
 * Connections for request paths: a command times out instead of hanging a request, and commands issued
 * while disconnected fail at once (503) rather than queueing behind a dead socket. BullMQ gets its own
 * connections (`createBullConnection`), which must block and retry.
 *
 * Auto-pipelining sends the commands that concurrent requests issue in the same event-loop turn as one write:
 * under load a socket write per command would be the largest single cost of the queue routes.
 */
export function createRedis(url: string, extra: RedisOptions = {}): Redis {
  return new Redis(url, {
    lazyConnect: true,
    commandTimeout: 1_000,
    connectTimeout: 2_000,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    enableAutoPipelining: true,
    retryStrategy: (times) => Math.min(times * 100, 2_000),
    ...extra,
  });
}

/** BullMQ requires `maxRetriesPerRequest: null` for blocking commands; it reconnects by itself. */
export function createBullConnection(url: string): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: null,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  });
}

/**
 * For BullMQ producers (a Queue adding jobs, upserting schedulers, counting) that run on request paths: like
 * `createRedis`, a command fails at once while Redis is away instead of waiting in the offline queue until it is
 * back, which would hang the request. BullMQ workers keep `createBullConnection`, which must block and retry.
 */
export function createBullProducerConnection(url: string): Redis {
  return new Redis(url, {
    commandTimeout: 2_000,
    connectTimeout: 2_000,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    retryStrategy: (times) => Math.min(times * 100, 2_000),
  });
}

export async function connectRedis(redis: Redis): Promise<void> {
  if (redis.status === 'wait') await redis.connect();
}

/** Deletes every key under a prefix (tests and benchmarks clean up after themselves). */
export async function deleteByPrefix(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}
