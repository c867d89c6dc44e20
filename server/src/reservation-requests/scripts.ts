import { AppError, notFound } from '../http/errors.ts';
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

/** What a request script's error code refers to: the request, the fan's cap, the script that answered. */
export interface RequestErrorContext {
  script: 'submit' | 'cancel' | 'claim' | 'decide';
  requestId?: string;
  maxPending?: number;
}

/**
 * The one table from the request scripts' codes to the API's errors. `rest` is the reply after its code. CLOSED
 * and ENDED (claim.lua) become the decision of a request its sale or its booking session outlived.
 */
export function requestError(code: string, rest: string[], ctx: RequestErrorContext): Error {
  switch (code) {
    case 'RATE_LIMITED':
      return new AppError(
        'RATE_LIMITED',
        `At most ${ctx.maxPending} pending reservation requests per fan and concert`,
        { limit: ctx.maxPending, pending: Number(rest[0]) },
        1,
      );
    case 'NOT_FOUND':
      return notFound('Reservation request', { requestId: ctx.requestId });
    case 'ALREADY_PROCESSING':
      return new AppError('ALREADY_PROCESSING', 'The request is being decided or was decided already', {
        requestId: ctx.requestId,
        status: rest[0],
      });
    case 'CLOSED':
      return new AppError('BOOKING_CLOSED', 'The sale of this concert closed before the request was decided');
    case 'ENDED':
      return new AppError('SESSION_ENDED', 'The booking session ended before the request was decided');
    default:
      return new Error(`unexpected reply ${code} from the ${ctx.script} script`);
  }
}
