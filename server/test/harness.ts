import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import {
  type BackgroundPart,
  createApp,
  createServices,
  createWorkers,
  type ServiceOptions,
  type Services,
} from '../src/compose.ts';
import { type Config, loadConfig } from '../src/config/index.ts';
import { createLogger } from '../src/logging/logger.ts';
import { deleteByPrefix } from '../src/redis/client.ts';

/**
 * Builds the real services and app against this run's database and a key prefix of the file's own, the way
 * `main.ts` does. Isolation comes from fresh ids and prefixes, never from test order.
 */
export function uniqueId(label = 'u'): string {
  return `${label}-${randomBytes(5).toString('hex')}`;
}

export function testConfig(env: Record<string, string> = {}): Readonly<Config> {
  // The cluster and sentinel projects run the same suites against their Redis Cluster or Sentinel set.
  const cluster = inject('redisClusterNodes');
  const sentinels = inject('redisSentinels');
  return loadConfig({
    ...(cluster && { REDIS_CLUSTER_NODES: cluster }),
    ...(sentinels && { REDIS_SENTINELS: sentinels, REDIS_SENTINEL_NAME: inject('redisSentinelName') ?? '' }),
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATABASE_URL: inject('databaseUrl'),
    // With a cluster or sentinels REDIS_URL must never be contacted: it names a port nothing listens on.
    REDIS_URL: cluster || sentinels ? 'redis://127.0.0.1:1' : inject('redisUrl'),
    REDIS_PREFIX: `${inject('redisPrefix')}:${randomBytes(3).toString('hex')}`,
    DEMO_DATA: 'false',
    // app.request() has no client address, so every test request shares one; tests of the IP limit set it.
    RATE_LIMIT_PER_IP: '0',
    // Hundreds of parallel requests in one process keep the event loop busy for longer than production's 1 s
    // fail-fast deadline; a test measures behaviour, not latency.
    REDIS_COMMAND_TIMEOUT_MS: '5000',
    ...env,
  });
}

export interface TestServer {
  services: Services;
  app: ReturnType<typeof createApp>;
  config: Readonly<Config>;
  /** app.request with JSON in and the parsed envelope out. */
  call(method: string, path: string, init?: CallInit): Promise<CallResult>;
  token(user: {
    id?: string;
    name?: string;
    tier?: 'vip' | 'normal';
    role?: 'admin' | 'user';
  }): Promise<string>;
  /** Starts the worker role in this process (closed again by `close`). */
  startWorkers(): Promise<BackgroundPart[]>;
  close(): Promise<void>;
}

export interface CallInit {
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
}
export interface CallResult {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary envelopes
  body: any;
  headers: Headers;
}

export async function createTestServer(
  env: Record<string, string> = {},
  opts: Partial<ServiceOptions> = {},
): Promise<TestServer> {
  const config = testConfig(env);
  const services = await createServices(config, {
    logger: createLogger(config.logLevel),
    // Every test file shares one database: a test's workers adopt only the sales its own prefix registered.
    salesSync: 'registered',
    ...opts,
  });
  const app = createApp(services);
  const workers: BackgroundPart[] = [];

  return {
    services,
    app,
    config,
    async call(method, path, init = {}) {
      const headers: Record<string, string> = { ...init.headers };
      if (init.token) headers.authorization = `Bearer ${init.token}`;
      let body: string | undefined;
      if (init.body !== undefined) {
        headers['content-type'] ??= 'application/json';
        body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
      }
      const res = await app.request(path, { method, headers, body });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON (docs page); keep the text
      }
      return { status: res.status, body: parsed, headers: res.headers };
    },
    async token(user) {
      const issue = services.userTokens.issueDevToken;
      if (!issue) throw new Error('dev tokens are off in this config');
      return (await issue({ id: user.id ?? uniqueId(), ...user })).token;
    },
    async startWorkers() {
      const parts = await createWorkers(services);
      workers.push(...parts);
      return parts;
    },
    async close() {
      for (const part of workers.reverse()) await part.close();
      await deleteByPrefix(services.redis, config.redisPrefix);
      await services.close();
    },
  };
}

/** A concert whose sale window is open now, with one schedule of `rows × seatsPerRow` seats. */
export function concertInput(
  opts: { rows?: number; seatsPerRow?: number; price?: number; openOffsetMs?: number } = {},
) {
  const now = Date.now();
  const open = new Date(now + (opts.openOffsetMs ?? -60_000));
  return {
    title: `Test concert ${uniqueId('c')}`,
    venueName: 'Test Hall',
    schedules: [
      {
        startsAt: new Date(now + 7 * 86_400_000).toISOString(),
        bookingOpenAt: open.toISOString(),
        bookingCloseAt: new Date(now + 6 * 86_400_000).toISOString(),
        sections: [
          {
            name: 'A',
            grade: 'R',
            price: opts.price ?? 50_000,
            rows: opts.rows ?? 2,
            seatsPerRow: opts.seatsPerRow ?? 5,
          },
        ],
      },
    ],
  };
}

/**
 * Opens a real booking session for a fan and signs its access token, the way the waiting room's claim does,
 * for tests of booking and payments that do not need to walk through the queue.
 */
export async function grantAccess(t: TestServer, userId: string, concertId: number): Promise<string> {
  const ttlMs = t.config.sale.sessionMinutes * 60_000;
  const session = await t.services.accessSessions.open(concertId, userId, ttlMs);
  return t.services.accessTokens.sign({ userId, concertId, jti: session.jti, expiresAt: session.expiresAt });
}

/**
 * Polls until `probe` returns something other than undefined (a probe that throws is tried again), or fails after
 * `timeoutMs` with the last error. Tests wait for outcomes this way, never by sleeping a fixed time.
 */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}
