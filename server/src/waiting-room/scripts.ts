import { readFileSync } from 'node:fs';
import type { ClientContext, Result } from 'ioredis';
import { AppError, notFound } from '../http/errors.ts';
import type { RedisClient } from '../redis/client.ts';

/** What a Lua script of the waiting room answers: arrays of strings, integers and arrays. */
export type LuaReply = Array<string | number | LuaReply>;
type LuaArgs = Array<string | number>;

declare module 'ioredis' {
  interface RedisCommander<Context extends ClientContext = { type: 'default' }> {
    frEnter(...keysAndArgs: LuaArgs): Result<LuaReply, Context>;
    frStatus(...keysAndArgs: LuaArgs): Result<LuaReply, Context>;
    frLeave(...keysAndArgs: LuaArgs): Result<LuaReply, Context>;
    frClaim(...keysAndArgs: LuaArgs): Result<LuaReply, Context>;
  }
}

/**
 * Registers a Lua file as an ioredis command once per connection (EVALSHA, falling back to EVAL after a
 * SCRIPT FLUSH or a failover). Every script names its keys in its contract header.
 */
export function defineLua(redis: RedisClient, name: string, file: URL, numberOfKeys?: number): void {
  if (typeof (redis as unknown as Record<string, unknown>)[name] === 'function') return;
  const lua = readFileSync(file, 'utf8');
  // Without a fixed count, the caller passes the number of keys as the first argument.
  redis.defineCommand(name, numberOfKeys === undefined ? { lua } : { numberOfKeys, lua });
  // Auto-pipelining groups a call by its first argument taken as a key; here that is the key count, so on a
  // cluster the call would be batched for the wrong node. Such scripts are sent on their own.
  const unbatched = redis.options.autoPipeliningIgnoredCommands;
  if (numberOfKeys === undefined && unbatched && !unbatched.includes(name)) unbatched.push(name);
}

export function defineWaitingRoomScripts(redis: RedisClient): void {
  const here = (f: string) => new URL(f, import.meta.url);
  defineLua(redis, 'frEnter', here('./enter.lua'), 15);
  defineLua(redis, 'frStatus', here('./status.lua'), 6);
  defineLua(redis, 'frLeave', here('./leave.lua'), 11);
  defineLua(redis, 'frClaim', here('./claim.lua'), 6);
}

/**
 * The one table from the scripts' return codes to the API's errors. `NO_SALE` never gets here: callers load the
 * sale into the cache and run the script again.
 */
export function scriptError(code: string, concertId: number, extra?: string | number): Error {
  switch (code) {
    case 'NOT_FOUND':
      return notFound('Concert', { concertId });
    case 'NOT_QUEUED':
      return new AppError('NOT_FOUND', 'You are not in the waiting room of this concert', { concertId });
    case 'BOOKING_CLOSED':
      return new AppError('BOOKING_CLOSED', 'Booking for this concert has closed', { concertId });
    case 'QUEUE_NOT_OPEN':
      return new AppError(
        'QUEUE_NOT_OPEN',
        'The waiting room of this concert is not open yet',
        typeof extra === 'number' ? { concertId, opensAt: new Date(extra).toISOString() } : { concertId },
      );
    case 'SOLD_OUT':
      return new AppError('SOLD_OUT', 'Every seat of this concert is sold; the waiting room is closed', {
        concertId,
      });
    case 'INVALID_ACCESS_CODE':
      return new AppError(
        'INVALID_ACCESS_CODE',
        extra === 'REQUIRED'
          ? 'This sale is open to access-code holders only: enter with your code'
          : 'This access code is not valid (unknown, used up or expired)',
        { concertId, reason: extra },
      );
    case 'QUEUE_FULL':
      return new AppError('QUEUE_FULL', 'The waiting room is full; try again shortly', { concertId }, 30);
    case 'NOT_ADMITTED':
      return new AppError(
        'NOT_ADMITTED',
        'Not admitted: an access token is issued only while your status is READY (or ENTERED)',
        { concertId },
      );
    default:
      return new Error(`unexpected reply ${code} from a waiting-room script (concert ${concertId})`);
  }
}
