import type { ClientContext, Result } from 'ioredis';
import type { RedisClient } from '../redis/client.ts';
import { defineLua, type LuaReply } from '../waiting-room/scripts.ts';

type LuaArgs = Array<string | number>;

declare module 'ioredis' {
  interface RedisCommander<Context extends ClientContext = { type: 'default' }> {
    frRequestSubmit(...keysAndArgs: LuaArgs): Result<LuaReply, Context>;
    frRequestClaim(...keysAndArgs: LuaArgs): Result<LuaReply, Context>;
    frRequestCancel(...keysAndArgs: LuaArgs): Result<LuaReply, Context>;
    frRequestDecide(...keysAndArgs: LuaArgs): Result<LuaReply, Context>;
  }
}

/** The request lifecycle scripts; each names its keys and replies in its contract header. */
export function defineRequestScripts(redis: RedisClient): void {
  const here = (f: string) => new URL(f, import.meta.url);
  defineLua(redis, 'frRequestSubmit', here('./submit.lua'), 3);
  // A batch's scripts take as many keys as it has requests: the key count is their first argument.
  defineLua(redis, 'frRequestClaim', here('./claim.lua'));
  defineLua(redis, 'frRequestCancel', here('./cancel.lua'), 3);
  defineLua(redis, 'frRequestDecide', here('./decide.lua'));
}

/** The first element of a script reply (its code) and the rest as strings. */
export function replyParts(reply: LuaReply): [string, string[]] {
  const [code, ...rest] = reply;
  return [String(code), rest.map((v) => String(v))];
}
