import type { RedisClient } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import { defineScript } from '../redis/scripts.ts';

/** The access sessions' script, building its own KEYS from the concert id. */
export function createAccessScripts(redis: RedisClient, keys: Keys) {
  const openSession = defineScript<[string, number, number]>(
    redis,
    'frOpenSession',
    new URL('./sessions.lua', import.meta.url),
  );
  return {
    /** Replies {jti, expiresAtMs, created}. */
    openSession: (
      concertId: number,
      args: [userId: string, jti: string, nowMs: number, ttlMs: number],
    ): Promise<[string, number, number]> =>
      openSession([keys.sessions(concertId), keys.sessionIds(concertId)], args),
  };
}
