import type { Server as HttpServer } from 'node:http';
import type {
  Ack,
  ClientToServerEvents,
  QueueStatus,
  SeatSnapshot,
  ServerToClientEvents,
} from '@frontrow/client/protocol';
import { Server, type Socket } from 'socket.io';
import { z } from 'zod';
import { requireConcert } from '../access/middleware.ts';
import type { AccessTokens } from '../access/tokens.ts';
import type { AuthUser, UserTokens } from '../auth/user-tokens.ts';
import { AppError, toAck } from '../http/errors.ts';
import { validationError } from '../http/router.ts';
import type { Logger } from '../logging/logger.ts';
import type { RedisConnections } from '../redis/client.ts';
import { type ConnectionLimits, createConnectionLimits, handshakeAddress } from './connection-limits.ts';
import { createFanOutAdapter } from './fan-out.ts';
import { rooms } from './rooms.ts';

export interface GatewayDeps {
  logger: Logger;
  connections: RedisConnections;
  /** Pub/Sub channel prefix; workers' emitters must use the same one. */
  channel: string;
  userTokens: UserTokens;
  accessTokens: AccessTokens;
  queueStatus(concertId: number, user: AuthUser): Promise<QueueStatus>;
  seatSnapshot(scheduleId: number): Promise<SeatSnapshot>;
  /** The concert a schedule belongs to (NOT_FOUND for an unknown schedule). */
  concertOfSchedule(scheduleId: number): Promise<number>;
  /** Sockets per user and per client address on this process (connection-limits.ts); absent = no caps. */
  connectionLimits?: ConnectionLimits;
  /** Read the client address from X-Forwarded-For (TRUST_PROXY), that many proxies from the right. */
  trustProxy?: boolean;
  trustProxyHops?: number;
  /** Throws RATE_LIMITED when one socket sends too many events (ops/rate-limit.ts). */
  eventLimiter?: (socketId: string) => Promise<void>;
  now?: () => Date;
}

interface SocketData {
  user: AuthUser;
}
type FanSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
export type FanServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

/** What a client sends with event `E`, and what its ack carries on success (client-sdk/src/protocol.ts). */
type EventPayload<E extends keyof ClientToServerEvents> = Parameters<ClientToServerEvents[E]>[0];
type AckData<E extends keyof ClientToServerEvents> =
  Parameters<Parameters<ClientToServerEvents[E]>[1]>[0] extends Ack<infer T> ? T : never;

const positiveId = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const schemas = {
  concert: z.object({ concertId: positiveId }),
  seatsWatch: z.object({ scheduleId: positiveId, accessToken: z.string().min(1).max(4096) }),
  schedule: z.object({ scheduleId: positiveId }),
};

/** Timers above this overflow to "fire now" in Node; a token valid for longer is re-checked on reconnect. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * The Socket.IO gateway on the service's HTTP server. Fans authenticate at the handshake with their user token
 * and are disconnected when it expires; every event is validated like REST input and acknowledged with data or
 * the error envelope's body, so one bad payload never drops a connection. The Redis adapter lets any replica —
 * and any worker, through the emitter — reach any socket.
 */
export function createGateway(httpServer: HttpServer, deps: GatewayDeps) {
  const now = deps.now ?? (() => new Date());
  // The classic Redis adapter, or on a Redis Cluster the sharded one (fan-out.ts).
  const fanOut = createFanOutAdapter(deps.connections, deps.channel, deps.logger);

  const io: FanServer = new Server(httpServer, {
    path: '/socket.io',
    // WebSocket first: no sticky sessions needed behind a load balancer; polling stays as a fallback.
    transports: ['websocket', 'polling'],
    serveClient: false,
    pingInterval: 20_000,
    pingTimeout: 20_000,
    maxHttpBufferSize: 16 * 1024,
    adapter: fanOut.adapter,
  });

  const connections = createConnectionLimits(deps.connectionLimits ?? { perUser: 0, perAddress: 0 });

  io.use(async (socket, next) => {
    const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
    try {
      if (typeof token !== 'string' || token.length === 0)
        throw new AppError('UNAUTHENTICATED', 'token required');
      const user = await deps.userTokens.verify(token);
      const { headers, address } = socket.handshake;
      const release = connections.acquire(
        user.id,
        handshakeAddress(headers, address, {
          trustProxy: deps.trustProxy ?? false,
          trustProxyHops: deps.trustProxyHops ?? 1,
        }),
      );
      socket.once('disconnect', release);
      socket.data.user = user;
      // The fan's own room is in place before the client hears it is connected: a personal push sent right
      // after reaches it.
      await socket.join(rooms.user(user.id));
      await fanOut.joined(rooms.user(user.id));
      if (user.expiresAt) {
        const ms = Math.min(user.expiresAt.getTime() - now().getTime(), MAX_TIMER_MS);
        const timer = setTimeout(() => socket.disconnect(true), Math.max(0, ms));
        socket.once('disconnect', () => clearTimeout(timer));
      }
      next();
    } catch (err) {
      // The client's connect_error: its message is the code; its data the error body (a cap names its limit).
      if (err instanceof AppError && err.code === 'RATE_LIMITED') {
        const error = new Error(err.code) as Error & { data?: unknown };
        error.data = err.toBody();
        return next(error);
      }
      const code =
        err instanceof AppError && err.code === 'TOKEN_EXPIRED' ? 'TOKEN_EXPIRED' : 'UNAUTHENTICATED';
      const error = new Error(code) as Error & { data?: unknown };
      error.data = { code };
      next(error);
    }
  });

  io.on('connection', (socket: FanSocket) => {
    const user = socket.data.user;

    on(socket, 'queue:watch', schemas.concert, async ({ concertId }) => {
      const status = await deps.queueStatus(concertId, user);
      await socket.join(rooms.concert(concertId));
      await fanOut.joined(rooms.concert(concertId));
      return status;
    });
    on(socket, 'queue:unwatch', schemas.concert, async ({ concertId }) => {
      await socket.leave(rooms.concert(concertId));
      return { concertId };
    });
    on(socket, 'seats:watch', schemas.seatsWatch, async ({ scheduleId, accessToken }) => {
      // The token first (a signature, then one Redis read): made-up tokens and schedule ids never reach MySQL.
      const grant = await deps.accessTokens.verify(accessToken, { userId: user.id });
      requireConcert(grant, await deps.concertOfSchedule(scheduleId));
      // Join before reading: a change made while the snapshot is read arrives as seats:changed afterwards,
      // never falls between the two.
      await socket.join(rooms.schedule(scheduleId));
      await fanOut.joined(rooms.schedule(scheduleId));
      return deps.seatSnapshot(scheduleId);
    });
    on(socket, 'seats:unwatch', schemas.schedule, async ({ scheduleId }) => {
      await socket.leave(rooms.schedule(scheduleId));
      return { scheduleId };
    });
  });

  function on<E extends keyof ClientToServerEvents>(
    socket: FanSocket,
    event: E,
    schema: z.ZodType<EventPayload<E>>,
    handle: (input: EventPayload<E>) => Promise<AckData<E>>,
  ) {
    // The typed event map cannot express "validate unknown input first", so register on the untyped surface.
    const raw = socket as unknown as { on(ev: string, fn: (payload: unknown, ack: unknown) => void): void };
    raw.on(event, async (payload, ack) => {
      const reply = typeof ack === 'function' ? (ack as (res: Ack<unknown>) => void) : () => undefined;
      try {
        await deps.eventLimiter?.(socket.id);
        const parsed = schema.safeParse(payload);
        if (!parsed.success) throw validationError(parsed.error);
        reply({ ok: true, data: await handle(parsed.data) });
      } catch (err) {
        if (!(err instanceof AppError)) deps.logger.error({ err, event }, 'socket handler failed');
        reply(toAck(err));
      }
    });
  }

  return {
    io,
    async close() {
      // Closing the server disconnects every socket; the adapter's clients go after it.
      await new Promise<void>((resolve) => io.close(() => resolve()));
      await fanOut.close();
    },
  };
}
export type Gateway = ReturnType<typeof createGateway>;
