import type { ClientContext, Result } from 'ioredis';
import type { RedisClient } from '../redis/client.ts';
import { defineLua } from '../waiting-room/scripts.ts';

declare module 'ioredis' {
  interface RedisCommander<Context extends ClientContext = { type: 'default' }> {
    frRestoreQueue(...keysAndArgs: Array<string | number>): Result<[number, number, number], Context>;
  }
}

export function defineRecoveryScripts(redis: RedisClient): void {
  defineLua(redis, 'frRestoreQueue', new URL('./restore.lua', import.meta.url), 13);
}
