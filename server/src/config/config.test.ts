import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './index.ts';
import { redactUrl } from './redact.ts';

/** Every problem loadConfig reports for `env`, or [] when it loads. */
function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

const goodProduction = {
  NODE_ENV: 'production',
  AUTH_JWT_SECRET: 'user-secret-9f2c4a7e1b3d5f6a8c0e2b4d6f8a1c3e',
  ACCESS_TOKEN_SECRET: 'access-secret-1a3c5e7b9d2f4a6c8e0b1d3f5a7c9e2b',
};

/** The `${NAME:-default}` fallbacks docker-compose.yml publishes. */
function composeDefaults(): Record<string, string> {
  const text = readFileSync(new URL('../../../docker-compose.yml', import.meta.url), 'utf8');
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/\$\{([A-Z_]+):-([^}]+)\}/g)) out[m[1]!] = m[2]!;
  return out;
}

describe('config', () => {
  it('gives every variable a working local default', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.databaseUrl).toBe('mysql://root@127.0.0.1:3306/frontrow');
    expect(config.redis).toEqual({
      mode: 'standalone',
      url: 'redis://127.0.0.1:6379',
      password: undefined,
      tls: false,
    });
    expect(config.redisPrefix).toBe('fr');
    expect(config.role).toBe('all');
    expect(config.sale).toEqual({
      queueJoinStartHours: 4,
      admitIntervalSeconds: 30,
      admitGroupSize: 10,
      admitSeatRatio: 1,
      maxActiveUsers: 500,
      maxWaitMinutes: 120,
      readyWindowMinutes: 5,
      sessionMinutes: 10,
      holdMinutes: 5,
      maxSeatsPerUser: 4,
      maxQueueSize: 100_000,
    });
    expect(config.points).toEqual({ maxCharge: 1_000_000, maxBalance: 10_000_000 });
    expect(config.demoData).toBe(true);
    expect(config.auth.devTokens).toBe(true);
  });

  it('reads numbers, booleans and enums from strings', () => {
    const config = loadConfig({ PORT: '8080', DEMO_DATA: 'false', ROLE: 'worker', HOLD_MINUTES: '0.5' });
    expect(config.port).toBe(8080);
    expect(config.demoData).toBe(false);
    expect(config.role).toBe('worker');
    expect(config.sale.holdMinutes).toBe(0.5);
  });

  it('names every bad variable at once', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', ROLE: 'boss', REDIS_URL: 'http://x', MAX_SEATS_PER_USER: '-1' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    for (const name of ['PORT', 'ROLE', 'REDIS_URL', 'MAX_SEATS_PER_USER']) expect(message).toContain(name);
    expect((error as ConfigError).problems).toHaveLength(4);
  });

  it('refuses production without real secrets, and hides secret values in messages', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(
      /AUTH_JWT_SECRET.*[\s\S]*ACCESS_TOKEN_SECRET/,
    );
    try {
      loadConfig({ AUTH_JWT_SECRET: 'short-secret' });
    } catch (err) {
      expect((err as Error).message).toContain('AUTH_JWT_SECRET');
      expect((err as Error).message).not.toContain('short-secret');
    }
  });

  it('turns the dev token issuer and demo data off in production', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      AUTH_JWT_SECRET: 'x'.repeat(32),
      ACCESS_TOKEN_SECRET: 'y'.repeat(32),
    });
    expect(config.auth.devTokens).toBe(false);
    expect(config.demoData).toBe(false);
  });

  it('refuses production with self-issued tokens, published or shared secrets, or an open JWKS', () => {
    expect(problems(goodProduction)).toEqual([]);
    const refused: Array<[Record<string, string>, string]> = [
      [{ DEV_TOKENS: 'true' }, 'DEV_TOKENS'],
      [{ AUTH_JWT_SECRET: goodProduction.ACCESS_TOKEN_SECRET }, 'ACCESS_TOKEN_SECRET'],
      [{ AUTH_JWT_SECRET: 'frontrow-development-user-token-secret-change-me' }, 'AUTH_JWT_SECRET'],
      [{ ACCESS_TOKEN_SECRET: 'frontrow-development-access-token-secret-change-me' }, 'ACCESS_TOKEN_SECRET'],
      [{ AUTH_JWT_SECRET: 'é'.repeat(15) }, 'AUTH_JWT_SECRET'],
      [{ AUTH_JWKS_URL: 'https://idp.example/jwks.json', AUTH_AUDIENCE: 'frontrow' }, 'AUTH_ISSUER'],
      [
        { AUTH_JWKS_URL: 'https://idp.example/jwks.json', AUTH_ISSUER: 'https://idp.example' },
        'AUTH_AUDIENCE',
      ],
    ];
    for (const [env, name] of refused) {
      const found = problems({ ...goodProduction, ...env });
      expect(
        found.some((p) => p.startsWith(`${name}:`)),
        `${name} in ${found.join('; ')}`,
      ).toBe(true);
    }
    // The same settings stay allowed outside production (local development, the compose demo).
    expect(problems({ DEV_TOKENS: 'true', AUTH_JWT_SECRET: goodProduction.AUTH_JWT_SECRET })).toEqual([]);
  });

  it('refuses every secret docker-compose.yml publishes as a default, in production', () => {
    const defaults = composeDefaults();
    for (const name of ['AUTH_JWT_SECRET', 'ACCESS_TOKEN_SECRET']) {
      expect(defaults[name], name).toBeDefined();
      const found = problems({ ...goodProduction, [name]: defaults[name]! });
      expect(
        found.some((p) => p.startsWith(`${name}:`)),
        found.join('; '),
      ).toBe(true);
      expect(found.join('\n')).not.toContain(defaults[name]);
    }
    // The demo itself (compose's development mode with those defaults) still starts.
    const demo = {
      NODE_ENV: defaults.NODE_ENV!,
      AUTH_JWT_SECRET: defaults.AUTH_JWT_SECRET!,
      ACCESS_TOKEN_SECRET: defaults.ACCESS_TOKEN_SECRET!,
    };
    expect(demo.NODE_ENV).toBe('development');
    expect(problems(demo)).toEqual([]);
    const password = defaults.MYSQL_ROOT_PASSWORD!;
    const found = problems({ ...goodProduction, DATABASE_URL: `mysql://root:${password}@db:3306/frontrow` });
    expect(
      found.some((p) => p.startsWith('DATABASE_URL:')),
      found.join('; '),
    ).toBe(true);
    expect(found.join('\n')).not.toContain(password);
  });

  it('never prints the password of a URL it refuses', () => {
    const found = problems({
      DATABASE_URL: 'postgres://app:hunter2-secret@db/x',
      REDIS_URL: 'http://:pw-77@r',
    });
    expect(found).toHaveLength(2);
    expect(found.join('\n')).not.toMatch(/hunter2|pw-77/);
    expect(found.join('\n')).toContain('app:***@db');
  });

  it('redacts the credentials of any URL, parsable or not', () => {
    expect(redactUrl('mysql://root:s3cret@db:3306/frontrow')).toBe('mysql://root:***@db:3306/frontrow');
    expect(redactUrl('redis://:s3cret@cache:6379')).toBe('redis://:***@cache:6379');
    expect(redactUrl('rediss://user@cache:6379')).toBe('rediss://user@cache:6379');
    expect(redactUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
    expect(redactUrl('mysql://root:pa ss@[broken/db')).toBe('mysql://***@[broken/db');
  });

  it('reads Sentinel and Cluster seed lists, which replace REDIS_URL', () => {
    const sentinel = loadConfig({
      REDIS_SENTINELS: 'sentinel-a:26379, 10.0.0.2:26380,[::1]:26381',
      REDIS_SENTINEL_NAME: 'frontrow',
      REDIS_SENTINEL_PASSWORD: 's3',
      REDIS_PASSWORD: 'p4',
      REDIS_TLS: 'true',
    });
    expect(sentinel.redis).toEqual({
      mode: 'sentinel',
      sentinels: [
        { host: 'sentinel-a', port: 26379 },
        { host: '10.0.0.2', port: 26380 },
        { host: '::1', port: 26381 },
      ],
      name: 'frontrow',
      password: 'p4',
      sentinelPassword: 's3',
      tls: true,
    });
    const cluster = loadConfig({ REDIS_CLUSTER_NODES: 'r1:7000,r2:7001', REDIS_URL: 'redis://unused:1' });
    expect(cluster.redis).toEqual({
      mode: 'cluster',
      nodes: [
        { host: 'r1', port: 7000 },
        { host: 'r2', port: 7001 },
      ],
      password: undefined,
      tls: false,
    });
    expect(loadConfig({ REDIS_URL: 'rediss://cache.example:6380' }).redis).toMatchObject({ tls: true });
  });

  it('refuses a bad seed list, Sentinel without a name, and Sentinel with Cluster, naming each', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (err) {
        return (err as ConfigError).problems.join('\n');
      }
      return '';
    };
    expect(problems({ REDIS_CLUSTER_NODES: 'r1:7000,r2' })).toMatch(
      /REDIS_CLUSTER_NODES.*"r2" is not host:port/,
    );
    expect(problems({ REDIS_CLUSTER_NODES: 'r1:99999' })).toContain('REDIS_CLUSTER_NODES');
    expect(problems({ REDIS_SENTINELS: 's1:26379' })).toContain('REDIS_SENTINEL_NAME');
    expect(
      problems({ REDIS_SENTINELS: 's1:26379', REDIS_SENTINEL_NAME: 'm', REDIS_CLUSTER_NODES: 'r:1' }),
    ).toMatch(/REDIS_CLUSTER_NODES: set either/);
    expect(problems({ REDIS_PASSWORD: 'hunter2', REDIS_CLUSTER_NODES: 'x' })).not.toContain('hunter2');
  });

  it('is frozen', () => {
    const config = loadConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.sale)).toBe(true);
  });
});
