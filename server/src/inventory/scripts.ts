import type { RedisClient } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import { defineScript, type LuaReply } from '../redis/scripts.ts';

/** The inventory's script, building its own KEYS from the concert id. */
export function createInventoryScripts(redis: RedisClient, keys: Keys) {
  const refresh = defineScript(redis, 'frInventory', new URL('./refresh.lua', import.meta.url));
  return {
    refresh: (
      concertId: number,
      args: [available: number, held: number, sold: number, countedAtMs: number, nowMs: number],
    ): Promise<LuaReply> =>
      refresh(
        [
          keys.sale(concertId),
          keys.fans(concertId),
          ...keys.lanes(concertId),
          keys.joined(concertId),
          keys.queueStats(concertId),
          keys.queueLog(concertId),
        ],
        args,
      ),
  };
}
