import { randomUUID } from 'node:crypto';
import type { AccessTokenGrant, QueueStatus, QueueTick, SaleState, Tier } from '@frontrow/client/protocol';
import { roundSeatsLeft } from '@frontrow/client/wait-range';
import type { AccessSessions } from '../access/sessions.ts';
import type { AccessTokens } from '../access/tokens.ts';
import { hashAccessCode } from '../access-codes/codes.ts';
import type { Config } from '../config/index.ts';
import type { EventSink } from '../events/index.ts';
import type { ProofCheck } from '../pow/service.ts';
import { readLaneTick } from '../realtime/tick.ts';
import type { RedisClient } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import type { SaleCache } from './sale-cache.ts';
import { createWaitingRoomScripts, waitingRoomError } from './scripts.ts';
import { admissionRate, parseSaleExtras, parseStatus, toQueueStatus } from './status.ts';

export interface WaitingRoomDeps {
  redis: RedisClient;
  keys: Keys;
  saleCache: SaleCache;
  accessTokens: AccessTokens;
  accessSessions: AccessSessions;
  events: EventSink;
  sale: Config['sale'];
  now: () => Date;
}

export interface Fan {
  id: string;
  /**
   * From the user token's tier claim: the fan's own lane, never taken from a request body. An access code or
   * the allow-list may put it in a lane ahead (presale, VIP).
   */
  tier: Tier;
}

/**
 * The fan's side of a concert's waiting room: enter, status, leave, and the claim of the access token once
 * admitted. Everything is in Redis under the concert's hash tag, one Lua script per step; enter and status never
 * touch MySQL (the sale cache answers, see sale-cache.ts).
 */
export function createWaitingRoom(deps: WaitingRoomDeps) {
  const { redis, keys, saleCache, accessTokens, accessSessions, events, sale, now } = deps;
  const scripts = createWaitingRoomScripts(redis, keys);
  const sessionMs = Math.round(sale.sessionMinutes * 60_000);

  async function status(concertId: number, userId: string): Promise<QueueStatus> {
    const nowMs = now().getTime();
    const reply = await saleCache.run(concertId, () => scripts.status(concertId, [userId, nowMs]));
    return toQueueStatus(concertId, parseStatus(String(reply[1])), nowMs);
  }

  return {
    status,

    /**
     * 201 for a new entry, 200 for the place the fan already has (created false). An access code is redeemed
     * by the new entry it lets in (access-codes/). With `proof`, a concert that asks for proof-of-work (pow/)
     * weighs it in the same step and refuses with 403 INVALID_PROOF_OF_WORK; without it, the gate is not asked.
     */
    async enter(
      concertId: number,
      fan: Fan,
      opts: { accessCode?: string; proof?: ProofCheck } = {},
    ): Promise<{ created: boolean; status: QueueStatus }> {
      const nowMs = now().getTime();
      const { proof } = opts;
      // One call: the step and the fan's place after it (enter.lua answers both). The challenge's one-use mark is
      // named even without a proof, as a script is given every key it may touch.
      const [code, extra, more] = await saleCache.run(concertId, () =>
        scripts.enter(concertId, proof?.challengeId || '-', [
          fan.id,
          fan.tier,
          nowMs,
          sale.maxQueueSize,
          opts.accessCode === undefined ? '' : hashAccessCode(opts.accessCode),
          proof ? proof.verdict : '',
          proof?.bits ?? 0,
          proof?.solved ? '1' : '0',
          proof?.ttlMs ?? 0,
        ]),
      );
      if (code !== 'OK') {
        throw waitingRoomError(String(code), concertId, extra as number | string, more as number | string);
      }
      // A new fan changes the lane counts every watcher sees (and a fan of a lane ahead moves every fan of the
      // lanes behind back one place).
      // The socket sink turns this into at most one tick per concert per second.
      if (extra === 1) events.publish({ type: 'queue.moved', concertId });
      return {
        created: extra === 1,
        status: toQueueStatus(concertId, parseStatus(String(more)), nowMs),
      };
    },

    /** Leaves the queue (or gives up an admission slot or a booking session). 404 when not queued. */
    async leave(concertId: number, userId: string): Promise<QueueStatus> {
      const nowMs = now().getTime();
      // One call: the step and the fan's status after it.
      const [code, previous, current] = await saleCache.run(concertId, () =>
        scripts.leave(concertId, [userId, nowMs, 'LEFT', 'status']),
      );
      if (code !== 'OK') throw waitingRoomError(String(code), concertId);
      // Fans behind a waiting fan moved up; a freed READY/ENTERED slot is refilled by the next admission step.
      if (previous === 'W') events.publish({ type: 'queue.moved', concertId });
      return toQueueStatus(concertId, parseStatus(String(current)), nowMs);
    },

    /**
     * Ends a fan's turn after a purchase: its slot frees at once, its access token stops working, and the
     * durable log records why (PAID). The session is ended even when the waiting room holds no record of the
     * fan (a session opened directly), so paying always ends it.
     */
    async finish(concertId: number, userId: string, reason: 'PAID'): Promise<void> {
      const nowMs = now().getTime();
      const reply = await scripts.leave(concertId, [userId, nowMs, reason, '']).catch(() => undefined);
      await accessSessions.end(concertId, userId);
      if (Array.isArray(reply) && reply[0] === 'OK' && reply[1] === 'W')
        events.publish({ type: 'queue.moved', concertId });
    },

    /**
     * READY → ENTERED: opens the fan's booking session and signs its access token. Claiming again while the
     * session lives returns the same session (same jti and expiry), freshly signed.
     */
    async claim(concertId: number, userId: string): Promise<AccessTokenGrant & { created: boolean }> {
      const nowMs = now().getTime();
      const reply = await saleCache.run(concertId, () =>
        scripts.claim(concertId, [userId, randomUUID(), nowMs, sessionMs]),
      );
      const [code, jti, exp, created] = reply;
      if (code !== 'OK') throw waitingRoomError(String(code), concertId);
      const expiresAt = new Date(Number(exp));
      const accessToken = await accessTokens.sign({ userId, concertId, jti: String(jti), expiresAt });
      return { accessToken, expiresAt: expiresAt.toISOString(), status: 'ENTERED', created: created === 1 };
    },

    /**
     * The concert's `queue:tick` snapshot for the real-time gateway: every lane's sampled marks, the sale state
     * and the admission rate (0 before the sale admits, so clients fall back to their last status's estimate).
     */
    async tick(concertId: number): Promise<QueueTick | undefined> {
      const [vip, presale, normal, meta] = await Promise.all([
        readLaneTick(redis, keys.lane(concertId, 'vip')),
        readLaneTick(redis, keys.lane(concertId, 'presale')),
        readLaneTick(redis, keys.lane(concertId, 'normal')),
        redis.hmget(
          keys.sale(concertId),
          'state',
          'rate',
          'groupSize',
          'intervalMs',
          'soldOut',
          'seatsAvailable',
          'seatsHeld',
          'spread',
        ),
      ]);
      const [state, rate, groupSize, intervalMs, soldOut, seatsAvailable, seatsHeld, spread] = meta;
      if (!state) return undefined;
      const saleState = state as SaleState;
      const selling = saleState === 'ON_SALE' || saleState === 'PAUSED';
      const admitRate = selling
        ? admissionRate({
            saleState,
            measuredRate: rate ? Number(rate) : undefined,
            groupSize: Number(groupSize),
            intervalMs: Number(intervalMs),
          })
        : 0;
      const extras = parseSaleExtras({
        seatsAvailable,
        seatsHeld,
        spread,
        notice: null,
        stateReason: null,
        admitRatio: null,
        maxActive: null,
      });
      return {
        concertId,
        at: now().getTime(),
        saleState,
        lanes: { vip, presale, normal },
        admitRate,
        seatsLeft: roundSeatsLeft(extras.seatsAvailable ?? 0),
        seatsHeld: extras.seatsHeld,
        soldOut: soldOut === '1',
        admitSpread: extras.spread,
        tickMs: Number(intervalMs),
      };
    },
  };
}
export type WaitingRoom = ReturnType<typeof createWaitingRoom>;
