import type {
  Concert,
  CreateConcertRequest,
  CreatedConcert,
  Schedule,
  ScheduleStatus,
} from '@frontrow/client/protocol';
import { concerts, schedules, seats } from '@frontrow/db';
import { and, asc, eq, gte, inArray, lt, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { AppError, notFound } from '../http/errors.ts';

type ConcertRow = typeof concerts.$inferSelect;
type ScheduleRow = typeof schedules.$inferSelect;
const SEAT_INSERT_BATCH = 1_000;

/** Row 0 → "A", 25 → "Z", 26 → "AA": the labels printed on tickets. */
export function rowLabel(index: number): string {
  let label = '';
  let n = index;
  do {
    label = String.fromCharCode(65 + (n % 26)) + label;
    n = Math.floor(n / 26) - 1;
  } while (n >= 0);
  return label;
}

function toConcert(row: ConcertRow, scheduleCount: number): Concert {
  return {
    concertId: row.id,
    title: row.title,
    venueName: row.venueName,
    saleState: row.saleState,
    saleOpensAt: row.saleOpensAt.toISOString(),
    saleClosesAt: row.saleClosesAt.toISOString(),
    scheduleCount,
  };
}

export function scheduleStatus(
  row: Pick<ScheduleRow, 'bookingOpenAt' | 'bookingCloseAt'>,
  available: number,
  now: Date,
): ScheduleStatus {
  if (now >= row.bookingCloseAt) return 'CLOSED';
  if (now < row.bookingOpenAt) return 'UPCOMING';
  return available === 0 ? 'SOLD_OUT' : 'OPEN';
}

/**
 * Seats a buyer could take now: AVAILABLE ones and holds whose time has passed by the database clock, so an
 * expired hold counts as free at once, before any sweeper runs.
 */
export const availableSeatSql = sql<number>`CAST(COALESCE(SUM(${seats.status} = 'AVAILABLE' OR (${seats.status} = 'HELD' AND ${seats.heldUntil} <= UTC_TIMESTAMP(3))), 0) AS SIGNED)`;

export function createCatalog(db: Db, now: () => Date = () => new Date()) {
  async function scheduleCounts(concertIds: number[]): Promise<Map<number, number>> {
    if (concertIds.length === 0) return new Map();
    const rows = await db
      .select({ concertId: schedules.concertId, n: sql<number>`COUNT(*)` })
      .from(schedules)
      .where(inArray(schedules.concertId, concertIds))
      .groupBy(schedules.concertId);
    return new Map(rows.map((r) => [r.concertId, Number(r.n)]));
  }

  async function findConcert(concertId: number): Promise<ConcertRow> {
    const [row] = await db.select().from(concerts).where(eq(concerts.id, concertId));
    if (!row) throw notFound('Concert', { concertId });
    return row;
  }

  async function listSchedules(
    concertId: number,
    range: { fromDate?: string; toDate?: string } = {},
  ): Promise<Schedule[]> {
    const concert = await findConcert(concertId);
    const conditions = [eq(schedules.concertId, concertId)];
    if (range.fromDate) conditions.push(gte(schedules.startsAt, new Date(`${range.fromDate}T00:00:00Z`)));
    if (range.toDate) {
      const dayAfter = new Date(`${range.toDate}T00:00:00Z`);
      dayAfter.setUTCDate(dayAfter.getUTCDate() + 1);
      conditions.push(lt(schedules.startsAt, dayAfter));
    }
    const rows = await db
      .select({ schedule: schedules, available: availableSeatSql, total: sql<number>`COUNT(${seats.id})` })
      .from(schedules)
      .leftJoin(seats, eq(seats.scheduleId, schedules.id))
      .where(and(...conditions))
      .groupBy(schedules.id)
      .orderBy(asc(schedules.startsAt), asc(schedules.id));
    const at = now();
    return rows.map(({ schedule, available, total }) => {
      const iso = schedule.startsAt.toISOString();
      return {
        scheduleId: schedule.id,
        concertId,
        concertTitle: concert.title,
        venueName: concert.venueName,
        performanceDate: iso.slice(0, 10),
        performanceTime: iso.slice(11, 16),
        bookingOpenAt: schedule.bookingOpenAt.toISOString(),
        bookingCloseAt: schedule.bookingCloseAt.toISOString(),
        availableSeats: Number(available),
        totalSeats: Number(total),
        status: scheduleStatus(schedule, Number(available), at),
      };
    });
  }

  return {
    findConcert,
    listSchedules,

    async listConcerts(): Promise<Concert[]> {
      const rows = await db.select().from(concerts).orderBy(asc(concerts.saleOpensAt), asc(concerts.id));
      const counts = await scheduleCounts(rows.map((r) => r.id));
      return rows.map((r) => toConcert(r, counts.get(r.id) ?? 0));
    },

    async getConcert(concertId: number): Promise<Concert> {
      const row = await findConcert(concertId);
      const counts = await scheduleCounts([concertId]);
      return toConcert(row, counts.get(concertId) ?? 0);
    },

    async countConcerts(): Promise<number> {
      const [row] = await db.select({ n: sql<number>`COUNT(*)` }).from(concerts);
      return Number(row?.n ?? 0);
    },

    /** A concert, its schedules and every seat of every schedule, in one transaction: all or nothing. */
    async createConcert(input: CreateConcertRequest): Promise<CreatedConcert> {
      const parsed = input.schedules.map((s) => ({
        ...s,
        startsAt: new Date(s.startsAt),
        bookingOpenAt: new Date(s.bookingOpenAt),
        bookingCloseAt: new Date(s.bookingCloseAt),
      }));
      parsed.forEach((s, i) => {
        if (!(s.bookingOpenAt < s.bookingCloseAt)) {
          throw new AppError(
            'VALIDATION_ERROR',
            `schedules.${i}: bookingOpenAt must be before bookingCloseAt`,
          );
        }
        if (s.bookingCloseAt > s.startsAt) {
          throw new AppError('VALIDATION_ERROR', `schedules.${i}: bookingCloseAt must not be after startsAt`);
        }
      });
      const saleOpensAt = new Date(Math.min(...parsed.map((s) => s.bookingOpenAt.getTime())));
      const saleClosesAt = new Date(Math.max(...parsed.map((s) => s.bookingCloseAt.getTime())));

      const concertId = await db.transaction(async (tx) => {
        const [created] = await tx
          .insert(concerts)
          .values({ title: input.title, venueName: input.venueName, saleOpensAt, saleClosesAt })
          .$returningId();
        if (!created) throw new Error('concert insert returned no id');
        for (const s of parsed) {
          const [schedule] = await tx
            .insert(schedules)
            .values({
              concertId: created.id,
              startsAt: s.startsAt,
              bookingOpenAt: s.bookingOpenAt,
              bookingCloseAt: s.bookingCloseAt,
            })
            .$returningId();
          if (!schedule) throw new Error('schedule insert returned no id');
          const rows = s.sections.flatMap((section) =>
            Array.from({ length: section.rows }, (_, r) =>
              Array.from({ length: section.seatsPerRow }, (_, n) => ({
                scheduleId: schedule.id,
                section: section.name,
                row: rowLabel(r),
                number: n + 1,
                grade: section.grade,
                price: section.price,
              })),
            ).flat(),
          );
          for (let i = 0; i < rows.length; i += SEAT_INSERT_BATCH) {
            await tx.insert(seats).values(rows.slice(i, i + SEAT_INSERT_BATCH));
          }
        }
        return created.id;
      });

      const concert = await this.getConcert(concertId);
      return { ...concert, schedules: await listSchedules(concertId) };
    },
  };
}
export type Catalog = ReturnType<typeof createCatalog>;
