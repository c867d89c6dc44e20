import type { Server as HttpServer } from 'node:http';
import { serve } from '@hono/node-server';
import { seedDemoData } from './catalog/demo-data.ts';
import { createApp, createOpsApp, createRealtime, createServices, createWorkers } from './compose.ts';
import { ConfigError, loadConfig } from './config/index.ts';
import { ensureDatabase, migrateDatabase } from './db/client.ts';
import { withDbLock } from './db/lock.ts';
import { createLogger } from './logging/logger.ts';
import { preflight } from './preflight.ts';

/**
 * The composition root: read the configuration, check the backing services, migrate, seed, then run the roles
 * this process was asked for (ROLE=all|api|worker) until SIGTERM or SIGINT.
 */
async function main() {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel, { role: config.role });

  // Signals are caught from the first moment: one that arrives while the process is still starting is
  // remembered and honoured as soon as there is something to close, instead of killing it half-started.
  let shutdown: ((signal: string) => Promise<void>) | undefined;
  let pendingSignal: string | undefined;
  const onSignal = (signal: string) => {
    if (shutdown) void shutdown(signal);
    else pendingSignal ??= signal;
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));

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

  const closers: Array<() => Promise<void>> = [];
  if (config.role === 'all' || config.role === 'api') {
    const app = createApp(services);
    const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info) =>
      logger.info({ port: info.port }, `Frontrow listening on http://localhost:${info.port}`),
    );
    const gateway = createRealtime(server as HttpServer, services);
    // Sockets go first (clients reconnect to another replica), then the HTTP server drains.
    closers.push(() => gateway.close());
    closers.push(
      () =>
        new Promise<void>((resolve) => {
          // Stop accepting, let in-flight requests finish, then drop idle keep-alive sockets.
          server.close(() => resolve());
          if ('closeIdleConnections' in server) server.closeIdleConnections();
        }),
    );
  }

  if (config.role === 'worker') {
    // A worker serves /health, /ready and /metrics only, so it is probed and scraped like any other replica.
    const ops = serve({ fetch: createOpsApp(services).fetch, port: config.port, hostname: config.host });
    // A worker beside an API on one host may find PORT taken: it then runs without them rather than not at all.
    ops.on('error', (err) =>
      logger.warn({ err: err.message, port: config.port }, 'worker ops server not listening'),
    );
    closers.push(() => new Promise<void>((resolve) => ops.close(() => resolve())));
  }

  if (config.role === 'all' || config.role === 'worker') {
    const parts = await createWorkers(services);
    logger.info({ parts: parts.map((p) => p.name) }, 'workers started');
    // Workers stop after the HTTP server so requests in flight can still enqueue their jobs.
    closers.push(async () => {
      for (const part of [...parts].reverse()) await part.close();
    });
  }

  let stopping = false;
  shutdown = async (signal: string) => {
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
  if (pendingSignal) void shutdown(pendingSignal);
}

main().catch((err) => {
  console.error('Frontrow failed to start:', err);
  process.exit(1);
});
