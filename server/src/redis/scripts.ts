import { readFileSync } from 'node:fs';
import type { RedisClient } from './client.ts';

/** What a Lua script answers: arrays of strings, integers and arrays. */
export type LuaReply = Array<string | number | LuaReply>;
/** What a script call passes after its keys (ARGV). */
export type LuaArgs = Array<string | number | Buffer>;

/** Fragments shared by several scripts (server/src/redis/lua/<name>.lua), each included where a script names it. */
const fragments = new URL('./lua/', import.meta.url);
const includeLine = /^--- @include "([a-z-]+)"$/gm;

/**
 * A Lua file's text with every `--- @include "<name>"` line replaced by the fragment `lua/<name>.lua`, as
 * BullMQ's script loader does. A fragment includes no other fragment.
 */
export function loadLua(file: URL): string {
  return includeFragments(readFileSync(file, 'utf8'));
}

/** Lua text with its `--- @include "<name>"` lines replaced by their fragments. */
export function includeFragments(lua: string): string {
  return lua.replace(includeLine, (_line, name: string) =>
    readFileSync(new URL(`${name}.lua`, fragments), 'utf8').trimEnd(),
  );
}

/**
 * The number of keys a script's contract header lists (`KEYS[1]` ... `KEYS[n]`), or undefined for a script whose
 * keys repeat per item (`KEYS[1+2i]`): the call passes their count first.
 */
export function headerKeyCount(lua: string): number | undefined {
  const header = lua.split(']]')[0] ?? '';
  if (/KEYS\[\d+\s*\+/.test(header)) return undefined;
  const numbers = [...header.matchAll(/^\s*KEYS\[(\d+)\]/gm)].map((m) => Number(m[1]));
  if (numbers.length === 0) throw new Error('a script header names no KEYS');
  return Math.max(...numbers);
}

/**
 * Registers a Lua file as an ioredis command once per connection (EVALSHA, falling back to EVAL after a
 * SCRIPT FLUSH or a failover). Every script names its keys in its contract header.
 */
export function defineLua(redis: RedisClient, name: string, file: URL, numberOfKeys?: number): void {
  if (typeof (redis as unknown as Record<string, unknown>)[name] === 'function') return;
  const lua = loadLua(file);
  // Without a fixed count, the caller passes the number of keys as the first argument.
  redis.defineCommand(name, numberOfKeys === undefined ? { lua } : { numberOfKeys, lua });
  // Auto-pipelining groups a call by its first argument taken as a key; here that is the key count, so on a
  // cluster the call would be batched for the wrong node. Such scripts are sent on their own.
  const unbatched = redis.options.autoPipeliningIgnoredCommands;
  if (numberOfKeys === undefined && unbatched && !unbatched.includes(name)) unbatched.push(name);
}

/** A registered script: called with its KEYS and its ARGV. */
export type LuaScript<R> = (keys: readonly string[], args: LuaArgs) => Promise<R>;

/**
 * Registers a Lua file and returns the one function that calls it. The key count comes from the file's contract
 * header, and a call with another number of keys fails before it reaches Redis, so the header stays true. Each
 * feature wraps these in typed functions that build the keys from a concert id (see its scripts.ts).
 */
export function defineScript<R = LuaReply>(redis: RedisClient, name: string, file: URL): LuaScript<R> {
  const count = headerKeyCount(readFileSync(file, 'utf8'));
  defineLua(redis, name, file, count);
  const commands = redis as unknown as Record<string, (...keysAndArgs: LuaArgs) => Promise<R>>;
  return (keys, args) => {
    if (count !== undefined && keys.length !== count) {
      return Promise.reject(new Error(`script ${name} takes ${count} keys, called with ${keys.length}`));
    }
    const call = commands[name];
    if (!call) return Promise.reject(new Error(`script ${name} is not defined on this connection`));
    return count === undefined
      ? call.call(redis, keys.length, ...keys, ...args)
      : call.call(redis, ...keys, ...args);
  };
}

/** The first element of a script reply (its code) and the rest as strings. */
export function replyParts(reply: LuaReply): [string, string[]] {
  const [code, ...rest] = reply;
  return [String(code), rest.map((v) => String(v))];
}
