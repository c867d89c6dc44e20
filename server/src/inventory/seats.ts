import type { SeatChange, SeatMap } from '@frontrow/client/protocol';
import type { Db } from '../db/client.ts';
import type { EventSink } from '../events/index.ts';
import type { Logger } from '../logging/logger.ts';
import { createSeatMaps } from './seat-map.ts';

export interface SeatsDeps {
  db: Db;
  events: EventSink;
  logger: Logger;
  now: () => Date;
}

/**
 * The seats of every schedule as booking and payments share them: the seat map readers see, and the one way a
 * committed seat change is announced.
 */
export function createSeats(deps: SeatsDeps) {
  const { events, logger } = deps;
  const seatMaps = createSeatMaps(deps.db, deps.now);
  return {
    /** The seat map of a schedule of `concertId` (404 when the schedule belongs to another concert). */
    map: (concertId: number, scheduleId: number): Promise<SeatMap> => seatMaps.read(concertId, scheduleId),

    /**
     * Every seat status change goes through here after its commit (holds, cancels, expiries, payments,
     * refunds): this process's seat map of the schedule drops, and `seats.changed` is published.
     */
    changed(concertId: number, scheduleId: number, changes: SeatChange[]): void {
      seatMaps.invalidate(scheduleId);
      if (changes.length === 0) return;
      try {
        events.publish({ type: 'seats.changed', concertId, scheduleId, seats: changes });
      } catch (err) {
        logger.warn({ err, scheduleId }, 'publishing seats.changed failed');
      }
    },
  };
}
export type Seats = ReturnType<typeof createSeats>;
