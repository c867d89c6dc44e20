import type { SalesStats } from '@frontrow/client/protocol';
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { selectRows } from '../db/tx.ts';
import { notFound } from '../http/errors.ts';

/**
 * Seat and money totals of a concert across its schedules. A hold past `held_until` counts as available, the way
 * every reader of seats sees it (database clock). Two aggregate queries on indexed columns: cheap enough to poll
 * every couple of seconds from a dashboard.
 */
export function createSalesStats(db: Db) {
  return async function stats(concertId: number): Promise<SalesStats> {
    const [seatRows, reservationRows] = await Promise.all([
      selectRows<{ status: string; n: number | string }>(
        db,
        sql`SELECT CASE WHEN s.status = 'HELD' AND s.held_until <= UTC_TIMESTAMP(3) THEN 'AVAILABLE' ELSE s.status END
                   AS status, COUNT(*) AS n
              FROM seats s JOIN schedules sc ON sc.id = s.schedule_id
             WHERE sc.concert_id = ${concertId}
             GROUP BY 1`,
      ),
      selectRows<{ status: string; n: number | string; amount: number | string | null }>(
        db,
        sql`SELECT CASE WHEN status = 'HELD' AND expires_at <= UTC_TIMESTAMP(3) THEN 'EXPIRED' ELSE status END
                   AS status, COUNT(*) AS n, SUM(total_amount) AS amount
              FROM reservations WHERE concert_id = ${concertId}
             GROUP BY 1`,
      ),
    ]);
    if (seatRows.length === 0) throw notFound('Concert', { concertId });
    const seat = (s: string) => Number(seatRows.find((r) => r.status === s)?.n ?? 0);
    const res = (s: string) => reservationRows.find((r) => r.status === s);
    const available = seat('AVAILABLE');
    const held = seat('HELD');
    const sold = seat('SOLD');
    return {
      concertId,
      at: new Date().toISOString(),
      seats: { total: available + held + sold, available, held, sold },
      revenue: Number(res('PAID')?.amount ?? 0),
      reservations: {
        held: Number(res('HELD')?.n ?? 0),
        paid: Number(res('PAID')?.n ?? 0),
        cancelled: Number(res('CANCELLED')?.n ?? 0),
        expired: Number(res('EXPIRED')?.n ?? 0),
        refunded: Number(res('REFUNDED')?.n ?? 0),
      },
    };
  };
}
export type SalesStatsReader = ReturnType<typeof createSalesStats>;
