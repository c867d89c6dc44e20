import type { Seat, SeatMap, SeatStatus } from '@frontrow/client/protocol';
import { concerts, schedules } from '@frontrow/db';
import { eq, sql } from 'drizzle-orm';
import { scheduleStatus } from '../catalog/service.ts';
import type { Db } from '../db/client.ts';
import { selectRows } from '../db/tx.ts';
import { notFound } from '../http/errors.ts';

/** A seat's label as every reader shows it (seat maps, reservations, payments): `A-B12`. */
export const seatLabel = (section: string, row: string, number: number) => `${section}-${row}${number}`;

interface SeatRow {
  id: number;
  section: string;
  row_label: string;
  number: number;
  grade: string;
  price: number;
  status: SeatStatus;
  /** Microseconds until a live hold lapses; null for seats that are not held. */
  left_us: number | null;
}

interface Entry {
  until: number;
  value: Promise<SeatMap>;
}

/**
 * Seat maps of a schedule. A hold past its time reads as AVAILABLE (database clock, no sweeper). During a drop
 * every admitted fan polls the same map, so each process keeps it for at most `ttlMs` (and never past the moment
 * the next hold on it lapses); concurrent readers share one query. Changes made by this process drop the entry at
 * once; another replica's changes show within `ttlMs`.
 */
export function createSeatMaps(db: Db, now: () => Date, ttlMs = 500) {
  const cache = new Map<number, Entry>();

  async function load(scheduleId: number): Promise<{ map: SeatMap; ttl: number }> {
    const [info] = await db
      .select({ schedule: schedules, title: concerts.title, venueName: concerts.venueName })
      .from(schedules)
      .innerJoin(concerts, eq(concerts.id, schedules.concertId))
      .where(eq(schedules.id, scheduleId));
    if (!info) throw notFound('Schedule', { scheduleId });
    const rows = await selectRows<SeatRow>(
      db,
      sql`SELECT id, section, row_label, number, grade, price,
            CASE WHEN status = 'HELD' AND held_until <= UTC_TIMESTAMP(3) THEN 'AVAILABLE' ELSE status END AS status,
            CASE WHEN status = 'HELD' AND held_until > UTC_TIMESTAMP(3)
              THEN TIMESTAMPDIFF(MICROSECOND, UTC_TIMESTAMP(3), held_until) END AS left_us
          FROM seats WHERE schedule_id = ${scheduleId} ORDER BY id`,
    );
    let ttl = ttlMs;
    const seats: Seat[] = rows.map((r) => {
      if (r.left_us !== null) ttl = Math.min(ttl, Number(r.left_us) / 1000);
      return {
        seatId: r.id,
        label: seatLabel(r.section, r.row_label, r.number),
        section: r.section,
        row: r.row_label,
        number: r.number,
        grade: r.grade,
        price: r.price,
        status: r.status,
      };
    });
    const available = seats.filter((s) => s.status === 'AVAILABLE').length;
    const { schedule } = info;
    const iso = schedule.startsAt.toISOString();
    return {
      ttl,
      map: {
        scheduleInfo: {
          scheduleId,
          concertId: schedule.concertId,
          concertTitle: info.title,
          venueName: info.venueName,
          performanceDate: iso.slice(0, 10),
          performanceTime: iso.slice(11, 16),
          bookingOpenAt: schedule.bookingOpenAt.toISOString(),
          bookingCloseAt: schedule.bookingCloseAt.toISOString(),
          availableSeats: available,
          totalSeats: seats.length,
          status: scheduleStatus(schedule, available, now()),
        },
        seats,
      },
    };
  }

  return {
    /** The seat map of a schedule of `concertId` (404 when the schedule belongs to another concert). */
    async read(concertId: number, scheduleId: number): Promise<SeatMap> {
      let entry = cache.get(scheduleId);
      if (!entry || entry.until <= Date.now()) {
        const started = Date.now();
        const value = load(scheduleId).then(({ map, ttl }) => {
          const current = cache.get(scheduleId);
          if (current?.value === value) current.until = started + ttl;
          return map;
        });
        entry = { until: Number.POSITIVE_INFINITY, value };
        cache.set(scheduleId, entry);
        value.catch(() => {
          if (cache.get(scheduleId)?.value === value) cache.delete(scheduleId);
        });
      }
      const map = await entry.value;
      if (map.scheduleInfo.concertId !== concertId) throw notFound('Schedule', { concertId, scheduleId });
      return map;
    },

    invalidate(scheduleId: number): void {
      cache.delete(scheduleId);
    },
  };
}
export type SeatMaps = ReturnType<typeof createSeatMaps>;
