import type { Redis } from 'ioredis';
import { createAccessSessions } from './access/sessions.ts';
import { createAccessTokens } from './access/tokens.ts';
import { createAuthGuards } from './auth/middleware.ts';
import { authRoutes } from './auth/routes.ts';
import { createUserTokens } from './auth/user-tokens.ts';
import { createUserDirectory } from './auth/users.ts';
import { catalogRoutes } from './catalog/routes.ts';
import { createCatalog } from './catalog/service.ts';
import type { Config } from './config/index.ts';
import { createDatabase, type Database } from './db/client.ts';
import { type EventSink, fanOut } from './events/index.ts';
import { createHttpApp } from './http/app.ts';
import type { Logger } from './logging/logger.ts';
import { createMetrics } from './ops/metrics.ts';
import { opsRoutes } from './ops/routes.ts';
import { connectRedis, createRedis } from './redis/client.ts';
import { createKeys } from './redis/keys.ts';

export interface ServiceOptions {
  logger: Logger;
  events?: EventSink;
  now?: () => Date;
}

/**
 * Builds every service of one process from its configuration. `main.ts` and the tests both come through here,
 * so a test exercises the same wiring production runs.
 */
export async function createServices(config: Readonly<Config>, opts: ServiceOptions) {
  const database: Database = createDatabase(config.databaseUrl);
  const redis: Redis = createRedis(config.redisUrl);
  redis.on('error', (err) => opts.logger.debug({ err: err.message }, 'redis connection error'));
  await connectRedis(redis);

  const now = opts.now ?? (() => new Date());
  const keys = createKeys(config.redisPrefix);
  const metrics = createMetrics();
  // Every domain event is counted; extra sinks (the socket emitter, a test's recorder) come from the caller.
  const events = fanOut(metrics.sink, ...(opts.events ? [opts.events] : []));
  const userTokens = createUserTokens(config.auth);
  const users = createUserDirectory(database.db);
  const guards = createAuthGuards(userTokens, users);
  const catalog = createCatalog(database.db, now);
  const accessSessions = createAccessSessions(redis, keys, now);
  const accessTokens = createAccessTokens(config.accessTokenSecret, accessSessions, now);

  return {
    config,
    logger: opts.logger,
    database,
    redis,
    keys,
    events,
    metrics,
    now,
    userTokens,
    users,
    guards,
    catalog,
    accessSessions,
    accessTokens,
    async close() {
      await Promise.allSettled([database.close(), redis.quit()]);
    },
  };
}
export type Services = Awaited<ReturnType<typeof createServices>>;

/** The HTTP application over the services: every feature's routes behind one envelope. */
export function createApp(services: Services) {
  return createHttpApp({
    logger: services.logger,
    metrics: services.metrics.httpMiddleware,
    routers: [
      opsRoutes(services),
      authRoutes(services.userTokens),
      catalogRoutes(services.catalog, services.guards),
    ],
  });
}

/** A background part of the worker role: BullMQ workers, job schedulers, sweepers. */
export interface BackgroundPart {
  name: string;
  /** Stops taking new work, lets running jobs finish (bounded), and releases connections. */
  close(): Promise<void>;
}

/**
 * The worker role: every feature's BullMQ workers and schedulers. Each feature adds its factory here; the order
 * is the order they start and the reverse of the order they stop.
 */
export async function createWorkers(services: Services): Promise<BackgroundPart[]> {
  const parts: BackgroundPart[] = [];
  void services;
  return parts;
}
