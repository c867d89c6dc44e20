import { createAdapter, createShardedAdapter } from '@socket.io/redis-adapter';
import { Emitter } from '@socket.io/redis-emitter';
import { Server } from 'socket.io';
import type { Logger } from '../logging/logger.ts';
import type { RedisClient, RedisConnections } from '../redis/client.ts';

/**
 * How Socket.IO packets travel between processes over Redis.
 *
 * Standalone and Sentinel: the classic Redis adapter (PUBLISH/SUBSCRIBE on one channel prefix), and
 * workers emit with @socket.io/redis-emitter over the request connection.
 *
 * Cluster: classic Pub/Sub would copy every message to every node of the cluster, so the adapter is the sharded
 * one (Redis 7 SPUBLISH/SSUBSCRIBE): each room has a channel of its own (`dynamic` mode), owned by one shard,
 * and a process subscribes only to the rooms it has sockets in. The emitter package does not speak that format,
 * so a worker broadcasts through a Socket.IO server of its own that has no sockets and no HTTP server, only the
 * same sharded adapter: `io.to(room).emit()` publishes exactly what an API replica's adapter would.
 */
export interface FanOutAdapter {
  adapter: ReturnType<typeof createAdapter> | ReturnType<typeof createShardedAdapter>;
  /**
   * Resolves once this process receives what is broadcast to `room`. The sharded adapter subscribes to a room's
   * channel when the first local socket joins it, without waiting for Redis to confirm; a packet published in
   * between would be missed, so a join that answers the client waits for this first.
   */
  joined(room: string): Promise<void>;
  close(): Promise<void>;
}

function pubSubPair(connections: RedisConnections, logger: Logger): [RedisClient, RedisClient] {
  const pub = connections.open('pubsub');
  const sub = connections.open('pubsub');
  for (const client of [pub, sub])
    client.on('error', (err: Error) => logger.debug({ err: err.message }, 'socket fan-out redis'));
  // The sharded adapter does not wait for its (un)subscriptions: one that fails while Redis is away must not
  // become an unhandled rejection. The subscriber subscribes again by itself once it reconnects.
  const raw = sub as unknown as Record<string, (...channels: string[]) => Promise<unknown>>;
  for (const method of ['ssubscribe', 'sunsubscribe']) {
    const call = raw[method]!.bind(sub);
    raw[method] = (...channels: string[]) =>
      call(...channels).catch((err: Error) =>
        logger.debug({ err: err.message, method }, 'socket fan-out redis'),
      );
  }
  return [pub, sub];
}

const JOIN_WAIT_MS = 1_000;
type SsubscribeClient = { ssubscribe(channel: string): Promise<unknown> };

/** The adapter of a Socket.IO server with its own publisher and subscriber connections. */
export function createFanOutAdapter(
  connections: RedisConnections,
  channel: string,
  logger: Logger,
): FanOutAdapter {
  const [pub, sub] = pubSubPair(connections, logger);
  const adapter = connections.cluster
    ? createShardedAdapter(pub, sub, { channelPrefix: channel, subscriptionMode: 'dynamic' })
    : createAdapter(pub, sub, { key: channel });
  return {
    adapter,
    async joined(room) {
      if (!connections.cluster) return;
      // Subscribing again is a no-op for Redis; the reply says the subscription is in place. The channel name is
      // the sharded adapter's `dynamic` one: `<prefix>#<namespace>#<room>#`. Bounded: with Redis away the fan
      // is not held up; the subscriber catches up when it reconnects.
      const subscribed = (sub as unknown as SsubscribeClient).ssubscribe(`${channel}#/#${room}#`);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([subscribed, new Promise((resolve) => (timer = setTimeout(resolve, JOIN_WAIT_MS)))]);
      clearTimeout(timer);
    },
    async close() {
      // quit, not disconnect: the adapter's last unsubscriptions are answered before the connections go.
      await Promise.allSettled([pub.quit(), sub.quit()]);
    },
  };
}

/** Emits to rooms of every API replica from any process. */
export interface Broadcaster {
  to(room: string): { emit(event: string, ...args: unknown[]): unknown };
  close(): Promise<void>;
}

export function createBroadcaster(deps: {
  connections: RedisConnections;
  /** The request connection: the classic emitter publishes over it. */
  redis: RedisClient;
  channel: string;
  logger: Logger;
}): Broadcaster {
  const { connections, redis, channel, logger } = deps;
  if (!connections.cluster) {
    // The emitter only publishes; a failed publish (Redis away) is logged, and clients re-sync on reconnect.
    const publisher = {
      publish: (ch: string, message: Buffer | string) =>
        redis
          .publish(ch, message)
          .catch((err: Error) => logger.warn({ err: err.message }, 'socket publish failed')),
    };
    const emitter = new Emitter(publisher, { key: channel });
    return {
      to: (room) => emitter.to(room) as unknown as ReturnType<Broadcaster['to']>,
      close: async () => undefined,
    };
  }
  const fanOut = createFanOutAdapter(connections, channel, logger);
  const io = new Server({ serveClient: false, adapter: fanOut.adapter });
  return {
    to: (room) => io.to(room) as unknown as ReturnType<Broadcaster['to']>,
    async close() {
      // No engine and no HTTP server to close: only the adapter's subscriptions and its connections.
      await io.of('/').adapter.close();
      await fanOut.close();
    },
  };
}
