import { AppError, notFound } from '../http/errors.ts';
import { proofRefused } from '../pow/service.ts';
import type { RedisClient } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import { defineScript, type LuaReply } from '../redis/scripts.ts';

/** The waiting room's scripts, each building its KEYS from the concert id in its header's order. */
export function createWaitingRoomScripts(redis: RedisClient, keys: Keys) {
  const enter = defineScript(redis, 'frEnter', new URL('./enter.lua', import.meta.url));
  const status = defineScript(redis, 'frStatus', new URL('./status.lua', import.meta.url));
  const leave = defineScript(redis, 'frLeave', new URL('./leave.lua', import.meta.url));
  const claim = defineScript(redis, 'frClaim', new URL('./claim.lua', import.meta.url));
  return {
    enter: (
      concertId: number,
      challengeId: string,
      args: [
        userId: string,
        lane: string,
        nowMs: number,
        maxQueueSize: number,
        codeHash: string,
        proof: string,
        proofBits: number,
        proofSolved: '1' | '0',
        proofTtlMs: number,
      ],
    ): Promise<LuaReply> =>
      enter(
        [
          keys.sale(concertId),
          keys.fans(concertId),
          ...keys.lanes(concertId),
          ...keys.laneSeqs(concertId),
          keys.ticketSeq(concertId),
          keys.joined(concertId),
          keys.ready(concertId),
          keys.sessionIds(concertId),
          keys.queueLog(concertId),
          keys.accessCodes(concertId),
          keys.allowList(concertId),
          keys.powUsed(concertId, challengeId),
        ],
        args,
      ),
    status: (concertId: number, args: [userId: string, nowMs: number]): Promise<LuaReply> =>
      status(
        [keys.sale(concertId), keys.fans(concertId), ...keys.lanes(concertId), keys.sessionIds(concertId)],
        args,
      ),
    leave: (
      concertId: number,
      args: [userId: string, nowMs: number, reason: 'LEFT' | 'PAID', answer: 'status' | ''],
    ): Promise<LuaReply> =>
      leave([...keys.roomState(concertId), keys.queueStats(concertId), keys.queueLog(concertId)], args),
    claim: (
      concertId: number,
      args: [userId: string, jti: string, nowMs: number, ttlMs: number],
    ): Promise<LuaReply> =>
      claim(
        [
          keys.sale(concertId),
          keys.fans(concertId),
          keys.ready(concertId),
          keys.sessions(concertId),
          keys.sessionIds(concertId),
          keys.queueLog(concertId),
        ],
        args,
      ),
  };
}

/**
 * The one table from the scripts' return codes to the API's errors. `NO_SALE` never gets here: callers load the
 * sale into the cache and run the script again.
 */
export function waitingRoomError(
  code: string,
  concertId: number,
  extra?: string | number,
  more?: string | number,
): Error {
  switch (code) {
    case 'INVALID_PROOF_OF_WORK':
      return proofRefused(String(extra), concertId, more === undefined ? undefined : Number(more));
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
