import type { RedisClient } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import { defineScript } from '../redis/scripts.ts';

/** Recovery's script, building its own KEYS from the concert id. */
export function createRecoveryScripts(redis: RedisClient, keys: Keys) {
  const restore = defineScript<[number, number, number]>(
    redis,
    'frRestoreQueue',
    new URL('./restore.lua', import.meta.url),
  );
  return {
    /** `fans` holds two arguments a fan (userId, fan record); replies {restored, alreadyPresent, leaving}. */
    restore: (
      concertId: number,
      args: [ticketSeq: number, vip: number, presale: number, normal: number, stats: string],
      fans: string[] = [],
    ): Promise<[number, number, number]> =>
      restore(
        [
          keys.fans(concertId),
          ...keys.lanes(concertId),
          keys.joined(concertId),
          keys.ready(concertId),
          keys.ticketSeq(concertId),
          ...keys.laneSeqs(concertId),
          keys.queueStats(concertId),
          keys.queueLog(concertId),
          keys.queueLogInflight(concertId),
        ],
        [...args, ...fans],
      ),
  };
}
