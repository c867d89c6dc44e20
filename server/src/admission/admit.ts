import type { AdmitResult, Lane, QueueCleanupResult, SaleState } from '@frontrow/client/protocol';
import { SPREAD_WINDOW } from '@frontrow/client/wait-range';
import type { Config } from '../config/index.ts';
import type { EventSink } from '../events/index.ts';
import { AppError } from '../http/errors.ts';
import type { Logger } from '../logging/logger.ts';
import type { RedisClient } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import type { LuaReply } from '../redis/scripts.ts';
import type { SaleCache } from '../waiting-room/sale-cache.ts';
import { admissionError, createAdmissionScripts } from './scripts.ts';

export interface AdmissionDeps {
  redis: RedisClient;
  keys: Keys;
  saleCache: SaleCache;
  events: EventSink;
  sale: Config['sale'];
  now: () => Date;
  /** Recounts the concert's seats from MySQL into its sale hash (inventory/service.ts) before a step admits. */
  countSeats: (concertId: number) => Promise<unknown>;
  logger: Logger;
}

export interface Admitted {
  userId: string;
  lane: Lane;
  ticket: number;
  readyUntil: Date;
}

export interface StepOutcome {
  /** The tick id had run already: nothing happened. */
  duplicate: boolean;
  /** The sale is closed: its scheduler can go. */
  closed: boolean;
  state: SaleState | undefined;
  admitted: Admitted[];
  expired: Array<{ userId: string; reason: string }>;
  removedWaiting: number;
  active: number;
  maxActive: number;
  /** ceil(available seats × ratio); -1 before the first count. */
  seatCap: number;
}

interface StepOptions {
  /** -1: the sale's group size; 0: sweep only. */
  count: number;
  tickId?: string;
  manual?: boolean;
  /** Waiting entries that joined at or before this instant (ms) expire (MAX_WAIT); 0 keeps them. */
  cutoffMs?: number;
}

/**
 * Admission: the atomic step of admit.lua (sweep what expired, then admit up to a group in lane order, within the
 * active cap) and what it announces. The job scheduler of an open sale calls `tick`; an admin calls `admitNow`;
 * the cleanup sweeps every sale with it.
 */
export function createAdmission(deps: AdmissionDeps) {
  const { redis, keys, saleCache, events, sale, now } = deps;
  const scripts = createAdmissionScripts(redis, keys);
  const readyWindowMs = Math.round(sale.readyWindowMinutes * 60_000);

  async function recount(concertId: number): Promise<void> {
    await deps.countSeats(concertId).catch((err: unknown) => {
      if (err instanceof AppError && err.code === 'NOT_FOUND') throw err;
      deps.logger.warn(
        { err: (err as Error).message, concertId },
        'seat count failed; admitting on the last one',
      );
    });
  }

  async function step(concertId: number, opts: StepOptions): Promise<StepOutcome> {
    const reply = await saleCache.run(concertId, () =>
      scripts.admit(concertId, [
        now().getTime(),
        readyWindowMs,
        opts.tickId ?? '',
        opts.count,
        opts.manual ? '1' : '0',
        opts.cutoffMs ?? 0,
        sale.admitSeatRatio,
        SPREAD_WINDOW,
      ]),
    );
    const outcome: StepOutcome = {
      duplicate: reply[0] === 'DUP',
      closed: reply[0] === 'BOOKING_CLOSED',
      state: reply[0] === 'BOOKING_CLOSED' ? 'CLOSED' : undefined,
      admitted: [],
      expired: [],
      removedWaiting: 0,
      active: 0,
      maxActive: 0,
      seatCap: -1,
    };
    if (reply[0] !== 'OK') return outcome;

    const [, admitted, expired, removed, active, state, maxActive, seatCap] = reply;
    const a = admitted as LuaReply;
    for (let i = 0; i < a.length; i += 4) {
      outcome.admitted.push({
        userId: String(a[i]),
        lane: a[i + 1] as Lane,
        ticket: Number(a[i + 2]),
        readyUntil: new Date(Number(a[i + 3])),
      });
    }
    const e = expired as LuaReply;
    for (let i = 0; i < e.length; i += 2)
      outcome.expired.push({ userId: String(e[i]), reason: String(e[i + 1]) });
    Object.assign(outcome, {
      removedWaiting: Number(removed),
      active: Number(active),
      state: state as SaleState,
      maxActive: Number(maxActive),
      seatCap: Number(seatCap),
    });

    for (const fan of outcome.admitted) {
      events.publish({
        type: 'queue.admitted',
        concertId,
        userId: fan.userId,
        lane: fan.lane,
        readyUntil: fan.readyUntil.toISOString(),
      });
    }
    for (const fan of outcome.expired) events.publish({ type: 'queue.expired', concertId, ...fan });
    if (outcome.admitted.length > 0 || outcome.removedWaiting > 0)
      events.publish({ type: 'queue.moved', concertId });
    return outcome;
  }

  return {
    step,

    /**
     * One tick of the sale's job scheduler. `tickId` (the job id) makes a retried job a no-op. The seats are
     * recounted first; when MySQL cannot answer, the last count stands.
     */
    async tick(concertId: number, tickId: string): Promise<StepOutcome> {
      await recount(concertId);
      return step(concertId, { count: -1, tickId });
    },

    /** An admin's "admit N now": the next N in lane order, still never beyond the active cap. */
    async admitNow(concertId: number, count: number): Promise<AdmitResult> {
      await recount(concertId);
      const outcome = await step(concertId, { count, manual: true });
      if (outcome.closed) throw admissionError('BOOKING_CLOSED', concertId);
      if (outcome.state !== 'ON_SALE' && outcome.state !== 'PAUSED')
        throw admissionError('NOT_OPEN', concertId, outcome.state);
      const lanes: Record<Lane, number> = { vip: 0, presale: 0, normal: 0 };
      for (const fan of outcome.admitted) lanes[fan.lane] += 1;
      return {
        concertId,
        requested: count,
        admitted: outcome.admitted.length,
        lanes,
        active: outcome.active,
        maxActive: outcome.maxActive,
      };
    },

    /**
     * Sweeps every sale of this prefix: READY windows and sessions that ran out, waiting entries older than
     * MAX_WAIT_MINUTES. Admission ticks sweep their own sale too; this also covers paused sales.
     */
    async cleanup(): Promise<QueueCleanupResult> {
      const result: QueueCleanupResult = {
        concerts: 0,
        waitingRemoved: 0,
        readyExpired: 0,
        sessionsExpired: 0,
      };
      const cutoffMs = now().getTime() - Math.round(sale.maxWaitMinutes * 60_000);
      for (const id of await redis.smembers(keys.sales)) {
        const outcome = await step(Number(id), { count: 0, cutoffMs }).catch((err: unknown) => {
          if (err instanceof AppError && err.code === 'NOT_FOUND') return undefined;
          throw err;
        });
        if (!outcome || outcome.closed) continue;
        result.concerts += 1;
        result.waitingRemoved += outcome.removedWaiting;
        for (const fan of outcome.expired) {
          if (fan.reason === 'READY_EXPIRED') result.readyExpired += 1;
          if (fan.reason === 'SESSION_EXPIRED') result.sessionsExpired += 1;
        }
      }
      return result;
    },
  };
}
export type Admission = ReturnType<typeof createAdmission>;
