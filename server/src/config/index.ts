import { z } from 'zod';
import { redactUrl } from './redact.ts';

/**
 * The one place that reads the environment. Every variable of the README's "Configuration" table is here with its
 * working local default; `loadConfig` fails fast and names every bad variable at once.
 */

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'])
  .transform((v) => ['true', '1', 'yes', 'on'].includes(v));

/** The seed documents whose own endpoints the compatibility layer can serve (server/src/compat/). */
export const COMPAT_DOCUMENTS = ['seed000', 'seed001', 'seed002', 'seed004'] as const;
export type CompatDocument = (typeof COMPAT_DOCUMENTS)[number];

const positiveInt = z.coerce.number().int().positive();

/** `host:port[,host:port...]` (IPv6 hosts in brackets): the seed lists of Sentinel and Cluster. */
const hostPortList = z.string().transform((list, ctx) => {
  const nodes: RedisNode[] = [];
  for (const raw of list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = raw.match(/^(\[[^\]]+\]|[^:\s]+):(\d{1,5})$/);
    const port = Number(m?.[2]);
    if (!m?.[1] || port < 1 || port > 65535) {
      ctx.addIssue({ code: 'custom', message: `"${raw}" is not host:port` });
      return z.NEVER;
    }
    nodes.push({ host: m[1].replace(/^\[|\]$/g, ''), port });
  }
  if (nodes.length === 0) ctx.addIssue({ code: 'custom', message: 'needs at least one host:port' });
  return nodes;
});
/** Minutes may be fractional so tests and demos can run a 5-minute rule in seconds. */
const positiveMinutes = z.coerce.number().positive();

const schema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().min(1).default('0.0.0.0'),
    DATABASE_URL: z
      .string()
      .url()
      .refine((u) => /^mysql:\/\//.test(u), 'must be a mysql:// URL')
      .default('mysql://root@127.0.0.1:3306/frontrow'),
    REDIS_URL: z
      .string()
      .url()
      .refine((u) => /^rediss?:\/\//.test(u), 'must be a redis:// or rediss:// URL')
      .default('redis://127.0.0.1:6379'),
    REDIS_PASSWORD: z.string().optional(),
    REDIS_TLS: bool.optional(),
    REDIS_SENTINELS: hostPortList.optional(),
    REDIS_SENTINEL_NAME: z.string().min(1).optional(),
    REDIS_SENTINEL_PASSWORD: z.string().optional(),
    REDIS_CLUSTER_NODES: hostPortList.optional(),
    REDIS_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_.:-]{1,40}$/, 'letters, digits, _ . : - only (1-40 chars)')
      .default('fr'),
    ROLE: z.enum(['all', 'api', 'worker']).default('all'),
    AUTH_JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    AUTH_JWKS_URL: z.string().url().optional(),
    AUTH_ISSUER: z.string().min(1).optional(),
    AUTH_AUDIENCE: z.string().min(1).optional(),
    DEV_TOKENS: bool.optional(),
    ACCESS_TOKEN_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    DEMO_DATA: bool.optional(),
    SHUTDOWN_TIMEOUT_MS: positiveInt.default(10_000),
    MYSQL_TIMEOUT_MS: positiveInt.default(10_000),
    MYSQL_POOL_SIZE: positiveInt.default(48),
    REDIS_COMMAND_TIMEOUT_MS: positiveInt.default(1_000),
    QUEUE_JOIN_START_HOURS: z.coerce.number().nonnegative().default(4),
    ADMIT_INTERVAL_SECONDS: z.coerce.number().positive().default(30),
    ADMIT_GROUP_SIZE: positiveInt.default(10),
    ADMIT_SEAT_RATIO: z.coerce.number().min(0.1).max(10).default(1),
    MAX_ACTIVE_USERS: positiveInt.default(500),
    MAX_WAIT_MINUTES: positiveMinutes.default(120),
    READY_WINDOW_MINUTES: positiveMinutes.default(5),
    SESSION_MINUTES: positiveMinutes.default(10),
    HOLD_MINUTES: positiveMinutes.default(5),
    MAX_SEATS_PER_USER: positiveInt.default(4),
    MAX_QUEUE_SIZE: positiveInt.default(100_000),
    MAX_CHARGE: positiveInt.default(1_000_000),
    MAX_BALANCE: positiveInt.default(10_000_000),
    REFUND_UNTIL_HOURS_BEFORE_SHOW: z.coerce.number().nonnegative().default(24),
    TRUST_PROXY: bool.default(false),
    METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
    MAX_BODY_BYTES: positiveInt.default(64 * 1024),
    TRUST_PROXY_HOPS: z.coerce.number().int().min(1).max(10).default(1),
    RATE_LIMIT_QUEUE_PER_USER: z.coerce.number().int().nonnegative().default(120),
    RATE_LIMIT_BOOKING_PER_USER: z.coerce.number().int().nonnegative().default(60),
    RATE_LIMIT_PER_IP: z.coerce.number().int().nonnegative().default(6_000),
    RATE_LIMIT_SOCKET_EVENTS: z.coerce.number().int().nonnegative().default(30),
    COMPAT_ROUTES: z
      .string()
      .transform((v) =>
        v
          .split(',')
          .map((x) => x.trim().toLowerCase())
          .filter(Boolean),
      )
      .pipe(
        z.array(
          z.enum(['all', ...COMPAT_DOCUMENTS], { error: `one of all, ${COMPAT_DOCUMENTS.join(', ')}` }),
        ),
      )
      .optional(),
    SOCKET_MAX_PER_USER: z.coerce.number().int().nonnegative().default(5),
    SOCKET_MAX_PER_ADDRESS: z.coerce.number().int().nonnegative().default(200),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production' && !env.AUTH_JWT_SECRET && !env.AUTH_JWKS_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['AUTH_JWT_SECRET'],
        message: 'production needs AUTH_JWT_SECRET or AUTH_JWKS_URL',
      });
    }
    if (env.NODE_ENV === 'production' && !env.ACCESS_TOKEN_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['ACCESS_TOKEN_SECRET'], message: 'required in production' });
    }
    if (env.REDIS_SENTINELS && env.REDIS_CLUSTER_NODES) {
      ctx.addIssue({
        code: 'custom',
        path: ['REDIS_CLUSTER_NODES'],
        message: 'set either REDIS_SENTINELS or REDIS_CLUSTER_NODES, not both',
      });
    }
    if (env.REDIS_SENTINELS && !env.REDIS_SENTINEL_NAME) {
      ctx.addIssue({
        code: 'custom',
        path: ['REDIS_SENTINEL_NAME'],
        message: 'required with REDIS_SENTINELS (the name the sentinels monitor)',
      });
    }
    if (env.MAX_CHARGE > env.MAX_BALANCE) {
      ctx.addIssue({ code: 'custom', path: ['MAX_CHARGE'], message: 'must not exceed MAX_BALANCE' });
    }
  })
  .superRefine(productionGuards);

/**
 * Production never runs on anything an outsider can know or mint: no self-issued tokens, no secret that is
 * published (this file's development fallbacks, docker-compose.yml's demo defaults), no one secret for both
 * token kinds, and an identity provider's tokens pinned to their issuer and audience.
 */
function productionGuards(env: z.infer<typeof schema>, ctx: z.RefinementCtx): void {
  if (env.NODE_ENV !== 'production') return;
  const refuse = (name: string, message: string) => ctx.addIssue({ code: 'custom', path: [name], message });
  if (env.DEV_TOKENS) refuse('DEV_TOKENS', 'must be off in production: it lets anyone mint an admin token');
  for (const name of ['AUTH_JWT_SECRET', 'ACCESS_TOKEN_SECRET'] as const) {
    const secret = env[name];
    if (secret && Buffer.byteLength(secret) < 32) refuse(name, 'must be at least 32 bytes');
    else if (secret && isPublished(secret)) refuse(name, 'is a published default; generate a random secret');
  }
  if (env.AUTH_JWT_SECRET && env.AUTH_JWT_SECRET === env.ACCESS_TOKEN_SECRET) {
    refuse('ACCESS_TOKEN_SECRET', 'must differ from AUTH_JWT_SECRET');
  }
  if (env.AUTH_JWKS_URL) {
    if (!env.AUTH_ISSUER) refuse('AUTH_ISSUER', 'required with AUTH_JWKS_URL in production');
    if (!env.AUTH_AUDIENCE) refuse('AUTH_AUDIENCE', 'required with AUTH_JWKS_URL in production');
  }
  for (const name of ['DATABASE_URL', 'REDIS_URL'] as const) {
    if (isPublished(urlPassword(env[name]))) refuse(name, 'its password is a published default');
  }
}

/** Development-only fallbacks: stable so tokens survive a restart, refused in production by the schema. */
const DEV_USER_SECRET = 'frontrow-development-user-token-secret-change-me';
const DEV_ACCESS_SECRET = 'frontrow-development-access-token-secret-change-me';

/**
 * Secrets anyone can read in this repository. docker-compose.yml's demo defaults all say CHANGE-ME, so a value
 * that still does is refused too, whatever its exact spelling.
 */
const PUBLISHED_SECRETS = new Set([DEV_USER_SECRET, DEV_ACCESS_SECRET]);

function isPublished(secret: string | undefined): boolean {
  return !!secret && (PUBLISHED_SECRETS.has(secret) || secret.toLowerCase().includes('change-me'));
}

function urlPassword(url: string): string | undefined {
  try {
    return decodeURIComponent(new URL(url).password) || undefined;
  } catch {
    return undefined;
  }
}
export interface RedisNode {
  host: string;
  port: number;
}

/**
 * Where Redis is. Sentinel and Cluster replace REDIS_URL entirely: with either set, REDIS_URL is never contacted.
 * `tls` is on for a rediss:// URL or REDIS_TLS=true; the password comes from the URL or REDIS_PASSWORD.
 */
export type RedisTarget =
  | { mode: 'standalone'; url: string; password: string | undefined; tls: boolean }
  | {
      mode: 'sentinel';
      sentinels: RedisNode[];
      name: string;
      password: string | undefined;
      sentinelPassword: string | undefined;
      tls: boolean;
    }
  | { mode: 'cluster'; nodes: RedisNode[]; password: string | undefined; tls: boolean };

export interface Config {
  nodeEnv: 'development' | 'production' | 'test';
  port: number;
  host: string;
  databaseUrl: string;
  redis: RedisTarget;
  redisPrefix: string;
  role: 'all' | 'api' | 'worker';
  auth: {
    jwtSecret: string | undefined;
    jwksUrl: string | undefined;
    issuer: string | undefined;
    audience: string | undefined;
    devTokens: boolean;
  };
  accessTokenSecret: string;
  logLevel: string;
  demoData: boolean;
  shutdownTimeoutMs: number;
  /** Longest MySQL statement (3× for a free pooled connection) before the request fails with 503 (db/timeouts.ts). */
  mysqlTimeoutMs: number;
  /** MySQL connections per process: concurrent transactions beyond it wait for a free one. */
  mysqlPoolSize: number;
  /** A Redis command on a request path fails after this long (503) instead of hanging the request. */
  redisCommandTimeoutMs: number;
  sale: {
    queueJoinStartHours: number;
    admitIntervalSeconds: number;
    admitGroupSize: number;
    /** Admission keeps READY + ENTERED below ceil(available seats × this); a sale may override it. */
    admitSeatRatio: number;
    maxActiveUsers: number;
    maxWaitMinutes: number;
    readyWindowMinutes: number;
    sessionMinutes: number;
    holdMinutes: number;
    maxSeatsPerUser: number;
    maxQueueSize: number;
  };
  points: { maxCharge: number; maxBalance: number };
  /** A paid reservation is refundable until this long before its schedule starts (0: until the start). */
  refundUntilHoursBeforeShow: number;
  /** Requests per minute (sockets: events per 10 s); 0 turns a limit off. */
  rateLimits: { queuePerUser: number; bookingPerUser: number; perIp: number; socketEvents: number };
  /** Read the client address from X-Forwarded-For (only behind a proxy that sets it). */
  trustProxy: boolean;
  /** Seed documents served by the compatibility layer; empty (the default) serves none. */
  compatRoutes: readonly CompatDocument[];
  /** When set, GET /metrics wants it as a bearer token. */
  metricsToken: string | undefined;
  /** Largest request body accepted on any route (413 PAYLOAD_TOO_LARGE beyond, before any parsing). */
  maxBodyBytes: number;
  /** How many trusted proxies append to X-Forwarded-For: the client is that many entries from the right. */
  trustProxyHops: number;
  /** Open sockets per user and per client address on one process; 0 turns a cap off. */
  socketLimits: { perUser: number; perAddress: number };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Empty strings count as unset, as they do in most deployment tools. */
function withoutEmpty(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== '') out[k] = v;
  return out;
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Readonly<Config> {
  const parsed = schema.safeParse(withoutEmpty(env));
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map(
        (i) => `${i.path.join('.') || '(root)'}: ${i.message} (got ${show(env, i.path)})`,
      ),
    );
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  const config: Config = {
    nodeEnv: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    redis: redisTarget(e),
    redisPrefix: e.REDIS_PREFIX,
    role: e.ROLE,
    auth: {
      jwtSecret: e.AUTH_JWT_SECRET ?? (e.AUTH_JWKS_URL || production ? undefined : DEV_USER_SECRET),
      jwksUrl: e.AUTH_JWKS_URL,
      issuer: e.AUTH_ISSUER,
      audience: e.AUTH_AUDIENCE,
      devTokens: e.DEV_TOKENS ?? !production,
    },
    accessTokenSecret: e.ACCESS_TOKEN_SECRET ?? DEV_ACCESS_SECRET,
    logLevel: e.LOG_LEVEL,
    demoData: e.DEMO_DATA ?? !production,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    mysqlTimeoutMs: e.MYSQL_TIMEOUT_MS,
    mysqlPoolSize: e.MYSQL_POOL_SIZE,
    redisCommandTimeoutMs: e.REDIS_COMMAND_TIMEOUT_MS,
    sale: {
      queueJoinStartHours: e.QUEUE_JOIN_START_HOURS,
      admitIntervalSeconds: e.ADMIT_INTERVAL_SECONDS,
      admitGroupSize: e.ADMIT_GROUP_SIZE,
      admitSeatRatio: e.ADMIT_SEAT_RATIO,
      maxActiveUsers: e.MAX_ACTIVE_USERS,
      maxWaitMinutes: e.MAX_WAIT_MINUTES,
      readyWindowMinutes: e.READY_WINDOW_MINUTES,
      sessionMinutes: e.SESSION_MINUTES,
      holdMinutes: e.HOLD_MINUTES,
      maxSeatsPerUser: e.MAX_SEATS_PER_USER,
      maxQueueSize: e.MAX_QUEUE_SIZE,
    },
    points: { maxCharge: e.MAX_CHARGE, maxBalance: e.MAX_BALANCE },
    refundUntilHoursBeforeShow: e.REFUND_UNTIL_HOURS_BEFORE_SHOW,
    rateLimits: {
      queuePerUser: e.RATE_LIMIT_QUEUE_PER_USER,
      bookingPerUser: e.RATE_LIMIT_BOOKING_PER_USER,
      perIp: e.RATE_LIMIT_PER_IP,
      socketEvents: e.RATE_LIMIT_SOCKET_EVENTS,
    },
    trustProxy: e.TRUST_PROXY,
    compatRoutes: e.COMPAT_ROUTES?.includes('all')
      ? [...COMPAT_DOCUMENTS]
      : [...new Set((e.COMPAT_ROUTES ?? []) as CompatDocument[])],
    trustProxyHops: e.TRUST_PROXY_HOPS,
    maxBodyBytes: e.MAX_BODY_BYTES,
    metricsToken: e.METRICS_TOKEN,
    socketLimits: { perUser: e.SOCKET_MAX_PER_USER, perAddress: e.SOCKET_MAX_PER_ADDRESS },
  };
  return deepFreeze(config);
}

function redisTarget(e: z.infer<typeof schema>): RedisTarget {
  const password = e.REDIS_PASSWORD;
  if (e.REDIS_CLUSTER_NODES)
    return { mode: 'cluster', nodes: e.REDIS_CLUSTER_NODES, password, tls: e.REDIS_TLS ?? false };
  if (e.REDIS_SENTINELS) {
    return {
      mode: 'sentinel',
      sentinels: e.REDIS_SENTINELS,
      name: e.REDIS_SENTINEL_NAME ?? '',
      password,
      sentinelPassword: e.REDIS_SENTINEL_PASSWORD,
      tls: e.REDIS_TLS ?? false,
    };
  }
  return {
    mode: 'standalone',
    url: e.REDIS_URL,
    password,
    tls: e.REDIS_TLS ?? e.REDIS_URL.startsWith('rediss:'),
  };
}

function show(env: Record<string, string | undefined>, path: PropertyKey[]): string {
  const name = String(path[0] ?? '');
  const value = env[name];
  if (value === undefined || value === '') return 'nothing';
  if (/SECRET|PASSWORD|TOKEN/.test(name)) return '<hidden>';
  return JSON.stringify(value.includes('://') ? redactUrl(value) : value);
}

function deepFreeze<T extends object>(o: T): Readonly<T> {
  for (const v of Object.values(o)) if (v && typeof v === 'object') deepFreeze(v);
  return Object.freeze(o);
}
