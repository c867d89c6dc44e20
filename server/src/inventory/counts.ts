import type { SeatInventory } from '@frontrow/client/protocol';
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { selectRows } from '../db/tx.ts';

export interface SeatCount extends SeatInventory {
  /** When MySQL counted, by its own clock (ms): the same clock for every process that counts. */
  countedAt: number;
}

/**
 * A concert's seats over every schedule in one statement (one consistent read). A hold past `held_until` counts
 * as available, the way every reader of seats sees it (database clock).
 */
export async function countSeats(db: Db, concertId: number): Promise<SeatCount> {
  const [row] = await selectRows<Record<'available' | 'held' | 'sold' | 'countedAt', string | number | null>>(
    db,
    sql`SELECT SUM(s.status = 'AVAILABLE' OR (s.status = 'HELD' AND s.held_until <= UTC_TIMESTAMP(3))) AS available,
               SUM(s.status = 'HELD' AND s.held_until > UTC_TIMESTAMP(3)) AS held,
               SUM(s.status = 'SOLD') AS sold,
               ROUND(UNIX_TIMESTAMP(NOW(3)) * 1000) AS countedAt
          FROM seats s JOIN schedules sc ON sc.id = s.schedule_id
         WHERE sc.concert_id = ${concertId}`,
  );
  return {
    available: Number(row?.available ?? 0),
    held: Number(row?.held ?? 0),
    sold: Number(row?.sold ?? 0),
    countedAt: Number(row?.countedAt ?? Date.now()),
  };
}
