import { z } from 'zod';

/**
 * The one place that reads the environment. Every variable of API.md "Configuration" is here with its
 * working local default; `loadConfig` fails fast and names every bad variable at once.
 */

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'])
  .transform((v) => ['true', '1', 'yes', 'on'].includes(v));

const positiveInt = z.coerce.number().int().positive();
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
    TRUST_PROXY: bool.default(false),
    RATE_LIMIT_QUEUE_PER_USER: z.coerce.number().int().nonnegative().default(120),
    RATE_LIMIT_BOOKING_PER_USER: z.coerce.number().int().nonnegative().default(60),
    RATE_LIMIT_PER_IP: z.coerce.number().int().nonnegative().default(6_000),
    RATE_LIMIT_SOCKET_EVENTS: z.coerce.number().int().nonnegative().default(30),
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
    if (env.MAX_CHARGE > env.MAX_BALANCE) {
      ctx.addIssue({ code: 'custom', path: ['MAX_CHARGE'], message: 'must not exceed MAX_BALANCE' });
    }
  });

/** Development-only fallbacks: stable so tokens survive a restart, refused in production by the schema. */
const DEV_USER_SECRET = 'frontrow-development-user-token-secret-change-me';
const DEV_ACCESS_SECRET = 'frontrow-development-access-token-secret-change-me';

export interface Config {
  nodeEnv: 'development' | 'production' | 'test';
  port: number;
  host: string;
  databaseUrl: string;
  redisUrl: string;
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
  /** Requests per minute (sockets: events per 10 s); 0 turns a limit off. */
  rateLimits: { queuePerUser: number; bookingPerUser: number; perIp: number; socketEvents: number };
  /** Read the client address from X-Forwarded-For (only behind a proxy that sets it). */
  trustProxy: boolean;
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
    redisUrl: e.REDIS_URL,
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
    rateLimits: {
      queuePerUser: e.RATE_LIMIT_QUEUE_PER_USER,
      bookingPerUser: e.RATE_LIMIT_BOOKING_PER_USER,
      perIp: e.RATE_LIMIT_PER_IP,
      socketEvents: e.RATE_LIMIT_SOCKET_EVENTS,
    },
    trustProxy: e.TRUST_PROXY,
  };
  return deepFreeze(config);
}

function show(env: Record<string, string | undefined>, path: PropertyKey[]): string {
  const name = String(path[0] ?? '');
  const value = env[name];
  if (value === undefined || value === '') return 'nothing';
  return /SECRET|PASSWORD/.test(name) ? '<hidden>' : JSON.stringify(value);
}

function deepFreeze<T extends object>(o: T): Readonly<T> {
  for (const v of Object.values(o)) if (v && typeof v === 'object') deepFreeze(v);
  return Object.freeze(o);
}
