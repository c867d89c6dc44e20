import type { Server as HttpServer } from 'node:http';
import { serve } from '@hono/node-server';
import { seedDemoData } from './catalog/demo-data.ts';
import {
  createApp,
  createOpsApp,
  createRealtime,
  createServices,
  createWorkers,
  type Services,
} from './compose.ts';
import { type Config, ConfigError, loadConfig } from './config/index.ts';
import { ensureDatabase, migrateDatabase } from './db/client.ts';
import { withDbLock } from './db/lock.ts';
import { createLogger, type Logger } from './logging/logger.ts';
import { preflight } from './preflight.ts';

type Closer = () => Promise<void>;

/**
 * The composition root: read the configuration, check the backing services, migrate, seed, then run the roles
 * this process was asked for (ROLE=all|api|worker) until SIGTERM or SIGINT.
 */
async function main() {
  const config = configOrExit();
  const logger = createLogger(config.logLevel, { role: config.role });
  const signals = catchSignals();
  const services = await prepare(config, logger);
  const closers: Closer[] = [];
  if (config.role === 'all' || config.role === 'api') closers.push(...serveApi(services));
  if (config.role === 'worker') closers.push(serveOps(services));
  if (config.role === 'all' || config.role === 'worker') closers.push(await startWorkers(services));
  signals.handleWith(stopper(services, closers));
}

function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
}

/**
 * Signals are caught from the first moment: one that arrives while the process is still starting is remembered
 * and honoured as soon as there is something to close, instead of killing it half-started.
 */
function catchSignals() {
  let shutdown: ((signal: string) => Promise<void>) | undefined;
  let pendingSignal: string | undefined;
  const onSignal = (signal: string) => {
    if (shutdown) void shutdown(signal);
    else pendingSignal ??= signal;
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  return {
    handleWith(stop: (signal: string) => Promise<void>) {
      shutdown = stop;
      if (pendingSignal) void shutdown(pendingSignal);
    },
  };
}

/** Preflight, the database and its migrations, every service, and the demo data when asked for. */
async function prepare(config: Config, logger: Logger): Promise<Services> {
  const problems = await preflight(config);
  if (problems.length > 0) {
    console.error(`Frontrow cannot start:\n\n${problems.join('\n\n')}\n`);
    process.exit(1);
  }
  await ensureDatabase(config.databaseUrl);
  const services = await createServices(config, { logger });
  await migrateDatabase(services.database);
  if (config.demoData) {
    await withDbLock(services.database, 'frontrow_demo_seed', () => seedDemoData(services.catalog, logger));
  }
  return services;
}

/** The API and its sockets on PORT. Sockets close first (clients reconnect to another replica), then HTTP drains. */
function serveApi(services: Services): Closer[] {
  const { config, logger } = services;
  const app = createApp(services);
  const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info) =>
    logger.info({ port: info.port }, `Frontrow listening on http://localhost:${info.port}`),
  );
  const gateway = createRealtime(server as HttpServer, services);
  return [
    () => gateway.close(),
    () =>
      new Promise<void>((resolve) => {
        // Stop accepting, let in-flight requests finish, then drop idle keep-alive sockets.
        server.close(() => resolve());
        if ('closeIdleConnections' in server) server.closeIdleConnections();
      }),
  ];
}

/** A worker serves /health, /ready and /metrics only, so it is probed and scraped like any other replica. */
function serveOps(services: Services): Closer {
  const { config, logger } = services;
  const ops = serve({ fetch: createOpsApp(services).fetch, port: config.port, hostname: config.host });
  // A worker beside an API on one host may find PORT taken: it then runs without them rather than not at all.
  ops.on('error', (err) =>
    logger.warn({ err: err.message, port: config.port }, 'worker ops server not listening'),
  );
  return () => new Promise<void>((resolve) => ops.close(() => resolve()));
}

/** The worker role; its parts stop in reverse order, after the HTTP server, so requests in flight can still enqueue. */
async function startWorkers(services: Services): Promise<Closer> {
  const parts = await createWorkers(services);
  services.logger.info({ parts: parts.map((p) => p.name) }, 'workers started');
  return async () => {
    for (const part of [...parts].reverse()) await part.close();
  };
}

/** Graceful shutdown: the closers in order, then the services, within SHUTDOWN_TIMEOUT_MS. */
function stopper(services: Services, closers: Closer[]) {
  const { config, logger } = services;
  let stopping = false;
  return async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    deadline.unref();
    for (const close of closers) await close().catch((err) => logger.error({ err }, 'close failed'));
    await services.close();
    logger.info('stopped');
    process.exit(0);
  };
}

main().catch((err) => {
  console.error('Frontrow failed to start:', err);
  process.exit(1);
});
