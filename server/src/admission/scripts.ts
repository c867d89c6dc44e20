import type { ClientContext, Result } from 'ioredis';
import type { RedisClient } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import { defineLua, type LuaReply } from '../waiting-room/scripts.ts';

type LuaArgs = Array<string | number>;

declare module 'ioredis' {
  interface RedisCommander<Context extends ClientContext = { type: 'default' }> {
    frAdmit(...keysAndArgs: LuaArgs): Result<LuaReply, Context>;
    frOpenSale(...keysAndArgs: Array<string | number | Buffer>): Result<LuaReply, Context>;
    frSetState(...keysAndArgs: LuaArgs): Result<LuaReply, Context>;
    frCloseSale(...keysAndArgs: LuaArgs): Result<LuaReply, Context>;
    frLogTake(...keysAndArgs: LuaArgs): Result<LuaReply, Context>;
    frLogAck(...keysAndArgs: LuaArgs): Result<number, Context>;
  }
}

export function defineAdmissionScripts(redis: RedisClient): void {
  const here = (f: string) => new URL(f, import.meta.url);
  defineLua(redis, 'frAdmit', here('./admit.lua'), 13);
  defineLua(redis, 'frOpenSale', here('./open-sale.lua'), 8);
  defineLua(redis, 'frSetState', here('./set-state.lua'), 1);
  defineLua(redis, 'frCloseSale', here('./close-sale.lua'), 10);
  defineLua(redis, 'frLogTake', here('./log-take.lua'), 3);
  defineLua(redis, 'frLogAck', here('./log-ack.lua'), 2);
}

/** KEYS[1..8] of open-sale.lua, in its header's order. */
export const openSaleKeys = (keys: Keys, concertId: number) =>
  [
    keys.sale(concertId),
    keys.fans(concertId),
    ...keys.lanes(concertId),
    keys.queueLog(concertId),
    keys.draw(concertId),
    keys.drawOrder(concertId),
  ] as const;
