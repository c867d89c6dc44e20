import type { SaleState } from '@frontrow/client/protocol';
import { type JobsOptions, Queue } from 'bullmq';
import type { RedisConnections } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';

/** One BullMQ queue carries every job of the waiting room; the job name says what to do. */
export const WAITING_ROOM_QUEUE = 'waiting-room';

export type WaitingRoomJob =
  | 'queue-open' // SCHEDULED → QUEUE_OPEN when the join window opens (cosmetic: enter decides by the clock)
  | 'sale-open' // the earliest bookingOpenAt: open the sale, shuffle the pre-queue, start admitting
  | 'sale-close' // the latest bookingCloseAt: close the sale, end every waiting fan and session
  | 'admit' // one admission step of an open sale (job scheduler `admit-<concertId>`)
  | 'drain' // write the queue logs behind to MySQL (job scheduler `drain`)
  | 'cleanup'; // sweep expired entries and sessions of every sale (job scheduler `cleanup`)

export interface WaitingRoomJobData {
  concertId?: number;
}

export interface SaleTimes {
  state: SaleState;
  joinOpensAt: number;
  opensAt: number;
  closesAt: number;
}

/** How often the write-behind log goes to MySQL, and how often everything expired is swept. */
export const DRAIN_EVERY_MS = 1_000;
export const CLEANUP_EVERY_MS = 60_000;

const timerOptions: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: true,
  removeOnFail: { count: 1_000 },
};

/**
 * The producer side of the waiting room's jobs, used by the API (an admin opens a sale, a concert is created)
 * and by the worker role alike. Timers are delayed jobs with deterministic ids (kind, concert, time), so
 * scheduling them again, from any replica or after a restart, adds nothing; the admission of an open sale is one
 * job scheduler per concert, which BullMQ keeps unique across every replica.
 */
export function createSaleJobs(connections: RedisConnections, keys: Keys) {
  const connection = connections.open('bull-producer');
  connection.on('error', () => undefined); // BullMQ reconnects by itself; its own listeners report failures.
  const queue = new Queue<WaitingRoomJobData, unknown, string>(WAITING_ROOM_QUEUE, {
    connection,
    prefix: keys.bullQueue(WAITING_ROOM_QUEUE),
    defaultJobOptions: { removeOnComplete: true, removeOnFail: { count: 1_000 } },
  });

  async function timer(name: WaitingRoomJob, concertId: number, at: number) {
    // BullMQ delays run on the real clock, whatever clock the services were given.
    await queue.add(
      name,
      { concertId },
      { ...timerOptions, jobId: `${name}-${concertId}-${at}`, delay: Math.max(0, at - Date.now()) },
    );
  }

  return {
    queue,

    /** (Re)schedules the timers still ahead of a sale in `state`. Idempotent. */
    async scheduleTimers(concertId: number, t: SaleTimes): Promise<void> {
      if (t.state === 'CLOSED') return;
      if (t.state === 'SCHEDULED') await timer('queue-open', concertId, t.joinOpensAt);
      if (t.state === 'SCHEDULED' || t.state === 'QUEUE_OPEN') await timer('sale-open', concertId, t.opensAt);
      await timer('sale-close', concertId, t.closesAt);
    },

    /**
     * Drops timers that have nothing left to do (an admin opened or closed the sale before them). A timer that is
     * running right now cannot be removed, and need not be: its handler is a no-op by then.
     */
    async cancelTimers(concertId: number, t: SaleTimes, names: WaitingRoomJob[]): Promise<void> {
      const at: Partial<Record<WaitingRoomJob, number>> = {
        'queue-open': t.joinOpensAt,
        'sale-open': t.opensAt,
        'sale-close': t.closesAt,
      };
      await Promise.all(names.map((name) => queue.remove(`${name}-${concertId}-${at[name]}`).catch(() => 0)));
    },

    /** One admission step every `intervalMs` while the sale is open; upserting again only changes the pace. */
    async startAdmission(concertId: number, intervalMs: number): Promise<void> {
      await queue.upsertJobScheduler(
        `admit-${concertId}`,
        { every: Math.max(50, Math.round(intervalMs)) },
        {
          name: 'admit',
          data: { concertId },
          opts: { removeOnComplete: true, removeOnFail: { count: 100 } },
        },
      );
    },

    async stopAdmission(concertId: number): Promise<void> {
      await queue.removeJobScheduler(`admit-${concertId}`);
    },

    /** The worker role's own schedulers (one of each across every replica). */
    async startHousekeeping(): Promise<void> {
      await queue.upsertJobScheduler('drain', { every: DRAIN_EVERY_MS }, { name: 'drain', data: {} });
      await queue.upsertJobScheduler('cleanup', { every: CLEANUP_EVERY_MS }, { name: 'cleanup', data: {} });
    },

    async close(): Promise<void> {
      await queue.close();
      await connection.quit().catch(() => undefined);
    },
  };
}
export type SaleJobs = ReturnType<typeof createSaleJobs>;
