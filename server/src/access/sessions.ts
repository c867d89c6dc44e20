import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import { createAccessScripts } from './scripts.ts';

export interface AccessSession {
  jti: string;
  expiresAt: Date;
  created: boolean;
}

/**
 * Booking sessions of admitted fans, in Redis under the concert's hash tag so the waiting room's Lua scripts can
 * count and end them atomically. A session is one per fan and concert; its `jti` is the only access token id
 * that works, so ending the session (payment, expiry, sale close) ends the token before its `exp`.
 */
export function createAccessSessions(redis: RedisClient, keys: Keys, now: () => Date) {
  const scripts = createAccessScripts(redis, keys);

  return {
    /** Opens the fan's session, or returns the live one (claiming twice is the same session). */
    async open(concertId: number, userId: string, ttlMs: number): Promise<AccessSession> {
      const [jti, expiresAtMs, created] = await scripts.openSession(concertId, [
        userId,
        randomUUID(),
        now().getTime(),
        ttlMs,
      ]);
      return { jti, expiresAt: new Date(Number(expiresAtMs)), created: created === 1 };
    },

    /** The fan's live session, if any. */
    async get(concertId: number, userId: string): Promise<{ jti: string; expiresAt: Date } | undefined> {
      const value = await redis.hget(keys.sessionIds(concertId), userId);
      if (!value) return undefined;
      const [jti, exp] = value.split('|');
      const expiresAt = new Date(Number(exp));
      if (!jti || expiresAt <= now()) return undefined;
      return { jti, expiresAt };
    },

    async isLive(concertId: number, userId: string, jti: string): Promise<boolean> {
      const live = await this.get(concertId, userId);
      return live?.jti === jti;
    },

    /** Ends the fan's session (payment, leave, expiry): its token stops working and its slot frees at once. */
    async end(concertId: number, userId: string): Promise<boolean> {
      const [removed] = await redis
        .multi()
        .hdel(keys.sessionIds(concertId), userId)
        .zrem(keys.sessions(concertId), userId)
        .exec()
        .then((r) => (r ?? []).map(([, v]) => Number(v)));
      return removed === 1;
    },
  };
}
export type AccessSessions = ReturnType<typeof createAccessSessions>;
