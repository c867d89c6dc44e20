import type { ClientContext, Redis, Result } from 'ioredis';
import { defineLua } from '../waiting-room/scripts.ts';

declare module 'ioredis' {
  interface RedisCommander<Context extends ClientContext = { type: 'default' }> {
    frRestoreQueue(...keysAndArgs: Array<string | number>): Result<[number, number, number], Context>;
  }
}

export function defineRecoveryScripts(redis: Redis): void {
  defineLua(redis, 'frRestoreQueue', new URL('./restore.lua', import.meta.url), 11);
}
