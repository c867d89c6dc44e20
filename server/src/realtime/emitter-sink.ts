import type { QueueStatus, QueueTick, ReservationUpdate } from '@frontrow/client/protocol';
import type { DomainEvent, EventSink } from '../events/index.ts';
import type { Logger } from '../logging/logger.ts';
import type { RedisClient, RedisConnections } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import { type Broadcaster, createBroadcaster } from './fan-out.ts';
import { rooms } from './rooms.ts';

export interface SocketSinkDeps {
  redis: RedisClient;
  connections: RedisConnections;
  keys: Keys;
  logger: Logger;
  /** The fan's current status, pushed as `queue:status` on admission and expiry. */
  queueStatus?: (concertId: number, userId: string) => Promise<QueueStatus | undefined>;
  /** The concert's tick snapshot, broadcast as `queue:tick` when its queue moves. */
  queueTick?: (concertId: number) => Promise<QueueTick | undefined>;
  tickIntervalMs?: number;
}

/**
 * Turns domain events into Socket.IO packets over Redis (fan-out.ts), so an API replica and a worker process
 * reach the same sockets. Queue movement becomes at most one `queue:tick` per concert per interval across every
 * process (a Redis gate key), always followed by a trailing tick so the last movement is never lost.
 */
export function createSocketSink(
  deps: SocketSinkDeps,
): EventSink & { close(): Promise<void>; to: Broadcaster['to'] } {
  const { redis, keys, logger } = deps;
  const interval = deps.tickIntervalMs ?? 1_000;
  const io = createBroadcaster({ connections: deps.connections, redis, channel: keys.socketChannel, logger });
  const pendingTicks = new Map<number, NodeJS.Timeout>();
  let closed = false;

  function scheduleTick(concertId: number, delayMs: number) {
    if (closed || pendingTicks.has(concertId) || !deps.queueTick) return;
    const timer = setTimeout(() => {
      pendingTicks.delete(concertId);
      void sendTick(concertId);
    }, delayMs);
    timer.unref();
    pendingTicks.set(concertId, timer);
  }

  async function sendTick(concertId: number) {
    try {
      const gate = keys.tickGate(concertId);
      const opened = await redis.set(gate, '1', 'PX', interval, 'NX');
      if (!opened) {
        // Someone ticked less than an interval ago, maybe from a snapshot older than this movement.
        const ttl = await redis.pttl(gate);
        scheduleTick(concertId, Math.max(ttl, 10));
        return;
      }
      const tick = await deps.queueTick?.(concertId);
      if (tick) io.to(rooms.concert(concertId)).emit('queue:tick', tick);
    } catch (err) {
      logger.warn({ err: (err as Error).message, concertId }, 'queue tick failed');
    }
  }

  async function pushStatus(concertId: number, userId: string) {
    try {
      const status = await deps.queueStatus?.(concertId, userId);
      if (status) io.to(rooms.user(userId)).emit('queue:status', status);
    } catch (err) {
      logger.warn({ err: (err as Error).message, concertId }, 'status push failed');
    }
  }

  return {
    /** Sends to a room through the same fan-out, for features with socket events of their own. */
    to: (room) => io.to(room),
    publish(event: DomainEvent) {
      if (closed) return;
      switch (event.type) {
        case 'queue.moved':
          scheduleTick(event.concertId, 0);
          return;
        case 'queue.admitted':
          io.to(rooms.user(event.userId)).emit('queue:admitted', {
            concertId: event.concertId,
            readyUntil: event.readyUntil,
          });
          void pushStatus(event.concertId, event.userId);
          return;
        case 'queue.expired':
          void pushStatus(event.concertId, event.userId);
          return;
        case 'sale.state':
          io.to(rooms.concert(event.concertId)).emit('sale:state', {
            concertId: event.concertId,
            state: event.state,
            ...(event.reason ? { reason: event.reason } : {}),
          });
          scheduleTick(event.concertId, 0);
          return;
        case 'sale.soldout':
          // One broadcast to the concert's room reaches every watcher on every replica (the Redis adapter).
          io.to(rooms.concert(event.concertId)).emit('sale:soldout', {
            concertId: event.concertId,
            removed: event.removed,
            reopenOnReturns: event.reopenOnReturns,
          });
          scheduleTick(event.concertId, 0);
          return;
        case 'sale.reopened':
          io.to(rooms.concert(event.concertId)).emit('sale:reopened', {
            concertId: event.concertId,
            seatsLeft: event.seatsLeft,
          });
          scheduleTick(event.concertId, 0);
          return;
        case 'sale.notice':
          io.to(rooms.concert(event.notice.concertId)).emit('sale:notice', event.notice);
          return;
        case 'seats.changed':
          io.to(rooms.schedule(event.scheduleId)).emit('seats:changed', {
            scheduleId: event.scheduleId,
            seats: event.seats,
          });
          return;
        case 'reservation.update': {
          const update: ReservationUpdate = { requestId: event.requestId, status: event.status };
          if (event.result !== undefined) update.result = event.result;
          if (event.error !== undefined) update.error = event.error;
          io.to(rooms.user(event.userId)).emit('reservation:update', update);
          return;
        }
        default:
          return;
      }
    },
    async close() {
      closed = true;
      for (const timer of pendingTicks.values()) clearTimeout(timer);
      pendingTicks.clear();
      await io.close();
    },
  };
}
