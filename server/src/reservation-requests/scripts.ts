import type { RedisClient } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import { defineScript, type LuaReply } from '../redis/scripts.ts';

/** A request of a batch: the keys of claim.lua and decide.lua repeat per request. */
interface BatchItem {
  requestId: string;
  userId: string;
}

/** The request lifecycle scripts, each building its own KEYS; each names its keys and replies in its header. */
export function createRequestScripts(redis: RedisClient, keys: Keys) {
  const submit = defineScript(redis, 'frRequestSubmit', new URL('./submit.lua', import.meta.url));
  const claim = defineScript<LuaReply[]>(redis, 'frRequestClaim', new URL('./claim.lua', import.meta.url));
  const cancel = defineScript(redis, 'frRequestCancel', new URL('./cancel.lua', import.meta.url));
  const decide = defineScript<LuaReply[]>(redis, 'frRequestDecide', new URL('./decide.lua', import.meta.url));
  const perRequest = (concertId: number, batch: BatchItem[]) =>
    batch.flatMap((r) => [keys.request(concertId, r.requestId), keys.requestPending(concertId, r.userId)]);
  return {
    submit: (
      concertId: number,
      request: BatchItem,
      args: [
        scheduleId: number,
        seatIds: string,
        lane: string,
        submittedAtMs: number,
        ttlMs: number,
        maxPending: number,
        jti: string,
      ],
    ): Promise<LuaReply> =>
      submit(
        [
          keys.request(concertId, request.requestId),
          keys.requestPending(concertId, request.userId),
          keys.requestUnqueued(concertId),
        ],
        [request.requestId, request.userId, concertId, ...args],
      ),
    cancel: (
      concertId: number,
      request: BatchItem,
      args: [nowMs: number, ttlMs: number],
    ): Promise<LuaReply> =>
      cancel(
        [
          keys.request(concertId, request.requestId),
          keys.requestPending(concertId, request.userId),
          keys.requestStats(concertId),
        ],
        [request.requestId, request.userId, ...args],
      ),
    /** One reply per request of the batch, in order. */
    claim: (
      concertId: number,
      batch: BatchItem[],
      args: [nowMs: number, ttlMs: number],
    ): Promise<LuaReply[]> =>
      claim(
        [keys.sale(concertId), keys.sessionIds(concertId), ...perRequest(concertId, batch)],
        [...args, ...batch.map((r) => r.requestId)],
      ),
    /** `decisions` holds four arguments a request (id, status, result, error); one reply per request. */
    decide: (
      concertId: number,
      batch: BatchItem[],
      args: [nowMs: number, ttlMs: number, rateTtlMs: number],
      decisions: string[],
    ): Promise<LuaReply[]> =>
      decide(
        [
          keys.requestStats(concertId),
          keys.requestRate(concertId, Math.floor(args[0] / 1000)),
          ...perRequest(concertId, batch),
        ],
        [...args, ...decisions],
      ),
  };
}
