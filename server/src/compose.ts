import type { Server as HttpServer } from 'node:http';
import { createAccessSessions } from './access/sessions.ts';
import { createAccessTokens } from './access/tokens.ts';
import { accessCodeRoutes } from './access-codes/routes.ts';
import { createAccessCodes } from './access-codes/service.ts';
import { createAdmission } from './admission/admit.ts';
import { createSaleJobs } from './admission/jobs.ts';
import { createQueueView } from './admission/queue-view.ts';
import { admissionRoutes } from './admission/routes.ts';
import { createSales, withSaleTimers } from './admission/sales.ts';
import { createAdmissionWorker } from './admission/worker.ts';
import { createAuthGuards } from './auth/middleware.ts';
import { authRoutes } from './auth/routes.ts';
import { createUserTokens } from './auth/user-tokens.ts';
import { createUserDirectory } from './auth/users.ts';
import { createHoldQueue, ensureSweeper, startHoldWorker } from './booking/expiry-jobs.ts';
import { bookingRoutes } from './booking/routes.ts';
import { createBooking } from './booking/service.ts';
import { catalogRoutes } from './catalog/routes.ts';
import { createCatalog } from './catalog/service.ts';
import { compatRoutes, compatTags } from './compat/index.ts';
import { seed002Events } from './compat/seed002-events.ts';
import type { Config } from './config/index.ts';
import { dashboardRoutes } from './dashboard/routes.ts';
import { createSalesStats } from './dashboard/stats.ts';
import { createDatabase, type Database } from './db/client.ts';
import { createEventBus, type EventSink } from './events/index.ts';
import { fairnessRoutes } from './fairness/routes.ts';
import { createFairness, withDrawCommitments } from './fairness/service.ts';
import { createHttpApp } from './http/app.ts';
import { createRoutePresets } from './http/presets.ts';
import { createSeats } from './inventory/seats.ts';
import { createInventory } from './inventory/service.ts';
import type { Logger } from './logging/logger.ts';
import { createBusinessMetrics } from './ops/business-metrics.ts';
import { jobQueueList } from './ops/job-queues.ts';
import { createMetrics } from './ops/metrics.ts';
import { queuesDashboardRoutes } from './ops/queues-dashboard.ts';
import { createRateLimits, createSocketEventLimiter } from './ops/rate-limit.ts';
import { opsRoutes } from './ops/routes.ts';
import { registerStateGauges } from './ops/state-metrics.ts';
import { paymentRoutes } from './payments/routes.ts';
import { createPayments } from './payments/service.ts';
import { powRoutes } from './pow/routes.ts';
import { createProofOfWork } from './pow/service.ts';
import { createSocketSink } from './realtime/emitter-sink.ts';
import { createGateway } from './realtime/gateway.ts';
import { createQueueCounters } from './recovery/counters.ts';
import { recoveryRoutes } from './recovery/routes.ts';
import { createRecovery } from './recovery/service.ts';
import { startRecoveryWatch } from './recovery/watch.ts';
import { connectRedis, createRedisConnections, type RedisClient } from './redis/client.ts';
import { createKeys } from './redis/keys.ts';
import { reservationRequestRoutes } from './reservation-requests/routes.ts';
import { createReservationRequests } from './reservation-requests/service.ts';
import { startRequestWorker } from './reservation-requests/worker.ts';
import { simulateRoutes } from './simulate/routes.ts';
import { createSimulator } from './simulate/simulator.ts';
import { webDemoRoutes } from './static/web-demo.ts';
import { waitingRoomRoutes } from './waiting-room/routes.ts';
import { createSaleCache } from './waiting-room/sale-cache.ts';
import { createWaitingRoom } from './waiting-room/service.ts';
import { withPaymentWebhooks } from './webhooks/payment-events.ts';
import { webhookRoutes } from './webhooks/routes.ts';
import { createWebhooks, type WebhookOptions } from './webhooks/service.ts';
import { startWebhookWorker } from './webhooks/worker.ts';

export interface ServiceOptions {
  logger: Logger;
  events?: EventSink;
  now?: () => Date;
  /**
   * Which concerts the worker role adopts at start (admission/sales.ts `sync`): `all` not CLOSED in MySQL
   * (default, production), or only those this key prefix registered (tests: many prefixes share one database).
   */
  salesSync?: 'all' | 'registered';
  /** Webhook delivery attempts, backoff and timeout (tests shorten them). */
  webhooks?: Partial<WebhookOptions>;
}

/**
 * Builds every service of one process from its configuration. `main.ts` and the tests both come through here,
 * so a test exercises the same wiring production runs.
 */
export async function createServices(config: Readonly<Config>, opts: ServiceOptions) {
  const database: Database = createDatabase(config.databaseUrl, {
    timeoutMs: config.mysqlTimeoutMs,
    connectionLimit: config.mysqlPoolSize,
  });
  // Every Redis connection of the process comes from here (standalone, Sentinel or Cluster, TLS, passwords).
  const connections = createRedisConnections(config.redis);
  const redis: RedisClient = connections.open('request', { commandTimeoutMs: config.redisCommandTimeoutMs });
  redis.on('error', (err) => opts.logger.debug({ err: err.message }, 'redis connection error'));
  await connectRedis(redis);

  const now = opts.now ?? (() => new Date());
  const keys = createKeys(config.redisPrefix);
  const metrics = createMetrics();
  // Holds, expiries, payments and refunds are counted as the services return (ops/business-metrics.ts).
  const business = createBusinessMetrics(metrics.registry);
  const userTokens = createUserTokens(config.auth, now);
  const rateLimits = createRateLimits(redis, keys.prefix, config, userTokens);
  // Organisers' webhooks: the sale events they subscribed to go out as signed, retried BullMQ deliveries.
  const webhooks = createWebhooks({
    redis,
    connections,
    keys,
    logger: opts.logger,
    now,
    ...(opts.webhooks ? { options: opts.webhooks } : {}),
  });
  // Every domain event is counted, pushed to sockets, recounts its concert's seats when seats changed, and goes
  // to the organisers' webhooks that asked for it; a test may add a recorder of its own. The sinks subscribe
  // below, once each is built.
  const events = createEventBus();
  const users = createUserDirectory(database.db);
  const guards = createAuthGuards(userTokens, users);
  const catalog = createCatalog(database.db, now);
  const accessSessions = createAccessSessions(redis, keys, now);
  const accessTokens = createAccessTokens(config.accessTokenSecret, accessSessions, now);
  // Each route's security, guards and rate limit come with its declaration (http/presets.ts).
  const routes = createRoutePresets({ guards, accessTokens, rateLimits });
  // The waiting room: the sale cache serves enter and status without MySQL.
  const counters = createQueueCounters({ redis, keys, db: database.db });
  const saleCache = createSaleCache({
    redis,
    keys,
    db: database.db,
    sale: config.sale,
    // After Redis lost its data, the ticket counters come back from MySQL before anyone can enter again.
    beforeFill: counters.guard,
  });
  const waitingRoom = createWaitingRoom({
    redis,
    keys,
    saleCache,
    accessTokens,
    accessSessions,
    events,
    sale: config.sale,
    now,
  });
  const holdQueue = createHoldQueue(connections, keys, opts.logger);
  // Seats and reservations, shared by booking and payments: seat maps and the seats-changed event.
  const seats = createSeats({ db: database.db, events, logger: opts.logger, now });
  const booking = business.booking(
    createBooking({
      db: database.db,
      config,
      logger: opts.logger,
      seats,
      expiry: holdQueue,
    }),
  );
  // Queued (v2) reservations: per-concert BullMQ priority queues, decided by the worker role with booking's hold.
  const reservationRequests = createReservationRequests({
    redis,
    connections,
    keys,
    logger: opts.logger,
    events,
    now,
    concertOf: async (scheduleId) => (await booking.scheduleOf(scheduleId)).concertId,
  });
  // Sale timers and the admission scheduler are BullMQ jobs produced here (API role) and run by the worker role.
  const saleJobs = createSaleJobs(connections, keys);
  // The seats admission counts with: recounted on every seat change and before every admission step.
  const inventory = createInventory({
    redis,
    keys,
    db: database.db,
    saleCache,
    events,
    logger: opts.logger,
    now,
  });
  const sales = createSales({
    redis,
    keys,
    db: database.db,
    saleCache,
    jobs: saleJobs,
    events,
    logger: opts.logger,
    now,
    syncMode: opts.salesSync ?? 'all',
    requests: reservationRequests,
    countSeats: inventory.refresh,
  });
  const admission = createAdmission({
    redis,
    keys,
    saleCache,
    events,
    sale: config.sale,
    now,
    countSeats: inventory.refresh,
    logger: opts.logger,
  });
  // Rebuilding a concert's waiting room from MySQL's queue-entry log after Redis lost it (recovery/).
  const recovery = createRecovery({
    redis,
    keys,
    db: database.db,
    saleCache,
    sales,
    saleJobs,
    events,
    logger: opts.logger,
    sale: config.sale,
    now,
    syncMode: opts.salesSync ?? 'all',
  });
  // Domain events become socket packets through the Redis emitter, from an API replica or a worker alike.
  const socketSink = createSocketSink({
    redis,
    connections,
    keys,
    logger: opts.logger,
    queueStatus: (concertId, userId) => waitingRoom.status(concertId, userId),
    queueTick: (concertId) => waitingRoom.tick(concertId),
  });
  events.subscribe(
    metrics.sink,
    socketSink,
    inventory.sink,
    webhooks.sink,
    ...seed002Events({ config, io: socketSink }),
    ...(opts.events ? [opts.events] : []),
  );
  // Every BullMQ queue of this process, for the job dashboard and the queue-depth gauges.
  const jobQueues = jobQueueList({
    fixed: [saleJobs.queue, holdQueue.queue, webhooks.queue],
    perConcert: {
      redis,
      registry: keys.requestConcerts,
      queue: (concertId) => reservationRequests.queues.queue(concertId),
    },
  });
  registerStateGauges(metrics.registry, {
    redis,
    keys,
    now,
    queues: jobQueues,
    requests: () => reservationRequests.health(),
  });
  const queueView = createQueueView({ redis, keys, saleCache, now });
  const fairness = createFairness({ redis, keys, db: database.db, saleCache });
  const accessCodes = createAccessCodes({ redis, keys, saleCache, now });
  const proofOfWork = createProofOfWork({ redis, keys, saleCache, secret: config.accessTokenSecret, now });
  // Points, payments and refunds; paying ends the fan's turn in the waiting room (payments/payments.ts `endTurn`).
  const payments = withPaymentWebhooks(
    business.payments(
      createPayments({
        db: database.db,
        config,
        logger: opts.logger,
        seats,
        holds: booking,
        waitingRoom,
        sessions: accessSessions,
      }),
    ),
    webhooks,
    opts.logger,
  );
  // The dashboard's "simulate a drop": synthetic fans through the same services as REST.
  const simulator = createSimulator({
    waitingRoom,
    booking,
    catalog,
    users,
    logger: opts.logger,
    payments,
  });

  return {
    config,
    logger: opts.logger,
    database,
    connections,
    redis,
    keys,
    events,
    metrics,
    rateLimits,
    businessMetrics: business,
    jobQueues,
    now,
    userTokens,
    users,
    guards,
    routes,
    // A created concert gets its sale cache and timers at once; every listing shows its draw commitment.
    catalog: withDrawCommitments(withSaleTimers(catalog, sales, opts.logger), fairness),
    fairness,
    accessCodes,
    webhooks,
    proofOfWork,
    accessSessions,
    accessTokens,
    holdQueue,
    seats,
    booking,
    payments,
    reservationRequests,
    saleCache,
    saleJobs,
    sales,
    admission,
    inventory,
    queueView,
    waitingRoom,
    recovery,
    salesStats: createSalesStats(database.db),
    simulator,
    async close() {
      simulator.stop();
      await socketSink.close();
      await saleJobs.close().catch(() => undefined);
      await holdQueue.close().catch(() => undefined);
      await webhooks.close().catch(() => undefined);
      await reservationRequests.close().catch(() => undefined);
      await Promise.allSettled([database.close(), redis.quit()]);
    },
  };
}
export type Services = Awaited<ReturnType<typeof createServices>>;

/** The HTTP application over the services: every feature's routes behind one envelope. */
export function createApp(services: Services) {
  const { routes } = services;
  return createHttpApp({
    logger: services.logger,
    maxBodyBytes: services.config.maxBodyBytes,
    observeRequest: services.metrics.observeRequest,
    routers: [
      // First: a few compatibility endpoints share a native path and pass other requests on (COMPAT_ROUTES).
      ...compatRoutes(services),
      opsRoutes(services),
      authRoutes(services.userTokens),
      catalogRoutes(services.catalog, routes),
      bookingRoutes({
        booking: services.booking,
        routes,
        cancel: services.payments.payments.cancel,
        idempotency: services.payments.idempotency,
      }),
      paymentRoutes({
        payments: services.payments,
        routes,
        accessTokens: services.accessTokens,
      }),
      // An entry passes the concert's proof-of-work gate, if it has one.
      waitingRoomRoutes(services.waitingRoom, routes, services.proofOfWork.check),
      powRoutes(services.proofOfWork, routes),
      fairnessRoutes(services.fairness, routes),
      accessCodeRoutes(services.accessCodes, routes),
      webhookRoutes(services.webhooks, routes),
      admissionRoutes({
        sales: services.sales,
        admission: services.admission,
        queueView: services.queueView,
        routes,
      }),
      dashboardRoutes(services.salesStats, routes),
      simulateRoutes(services.simulator, routes, (id) => services.catalog.findConcert(id)),
      reservationRequestRoutes({
        requests: services.reservationRequests,
        routes,
        findConcert: (id) => services.catalog.findConcert(id),
      }),
      recoveryRoutes(services.recovery, routes),
      // The BullMQ dashboard at /admin/queues (admin token as a header, or a one-time code from a browser).
      queuesDashboardRoutes({
        queues: services.jobQueues,
        guards: services.guards,
        redis: services.redis,
        keys: services.keys,
        config: services.config,
      }),
    ],
    // The fan page at / and the organiser dashboard at /admin.html (web-demo/dist).
    extra: webDemoRoutes(),
    tags: compatTags(services),
  });
}

/** What a worker-only process serves: /health, /ready and /metrics. */
export function createOpsApp(services: Services) {
  return createHttpApp({
    logger: services.logger,
    maxBodyBytes: services.config.maxBodyBytes,
    observeRequest: services.metrics.observeRequest,
    routers: [opsRoutes(services)],
  });
}

/**
 * The Socket.IO gateway on this process's HTTP server (api role): queue and seat watches, personal pushes. Its
 * Redis adapter lets a fan connected to any replica receive what any replica or worker emits.
 */
export function createRealtime(httpServer: HttpServer, services: Services) {
  const gateway = createGateway(httpServer, {
    logger: services.logger,
    connections: services.connections,
    channel: services.keys.socketChannel,
    userTokens: services.userTokens,
    accessTokens: services.accessTokens,
    queueStatus: (concertId, user) => services.waitingRoom.status(concertId, user.id),
    concertOfSchedule: async (scheduleId) => (await services.booking.scheduleOf(scheduleId)).concertId,
    seatSnapshot: async (scheduleId) => {
      const { concertId } = await services.booking.scheduleOf(scheduleId);
      const map = await services.booking.seatMap(concertId, scheduleId);
      return { scheduleId, concertId, seats: map.seats };
    },
    eventLimiter: createSocketEventLimiter(services.config.rateLimits.socketEvents),
    connectionLimits: services.config.socketLimits,
    trustProxy: services.config.trustProxy,
    trustProxyHops: services.config.trustProxyHops,
    now: services.now,
  });
  const gauge = services.metrics.socketsConnected;
  gateway.io.on('connection', (socket) => {
    gauge.inc();
    socket.once('disconnect', () => gauge.dec());
  });
  return gateway;
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
  // First: a Redis that lost its data gets its waiting rooms back from MySQL before anything admits from them,
  // and later losses (restart without persistence, flush) are noticed and repaired while the workers run.
  parts.push(
    await startRecoveryWatch({
      redis: services.redis,
      keys: services.keys,
      logger: services.logger,
      recovery: services.recovery,
      resync: [
        () => services.sales.sync(),
        () => services.saleJobs.startHousekeeping(),
        () => ensureSweeper(services.holdQueue),
      ],
    }),
  );
  parts.push(
    await startHoldWorker({
      connections: services.connections,
      keys: services.keys,
      logger: services.logger,
      queue: services.holdQueue,
      expire: services.booking.expire,
      // Also the repairs of crash windows: a request recorded but never queued, a payment whose session end
      // did not run.
      sweep: async () => ({
        ...(await services.booking.sweep()),
        idempotencyKeysPurged: await services.payments.idempotency.purgeExpired(),
        requestsRequeued: await services.reservationRequests.requeueStranded(),
        paidSessionsEnded: await services.payments.endPaidSessions(),
      }),
    }),
  );
  parts.push(
    await createAdmissionWorker({
      connections: services.connections,
      redis: services.redis,
      keys: services.keys,
      logger: services.logger,
      database: services.database,
      sales: services.sales,
      admission: services.admission,
      saleJobs: services.saleJobs,
    }),
  );
  parts.push(
    await startRequestWorker({
      connections: services.connections,
      redis: services.redis,
      keys: services.keys,
      logger: services.logger,
      now: services.now,
      requests: services.reservationRequests,
      holdMany: services.booking.holdMany,
    }),
  );
  parts.push(
    await startWebhookWorker({
      connections: services.connections,
      redis: services.redis,
      keys: services.keys,
      logger: services.logger,
      webhooks: services.webhooks,
      now: services.now,
    }),
  );
  return parts;
}
