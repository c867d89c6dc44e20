import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './index.ts';

describe('config', () => {
  it('gives every variable a working local default', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.databaseUrl).toBe('mysql://root@127.0.0.1:3306/frontrow');
    expect(config.redisUrl).toBe('redis://127.0.0.1:6379');
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

  it('is frozen', () => {
    const config = loadConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.sale)).toBe(true);
  });
});
