/**
 * Test helpers shared by the booking and payments tests: a concert with seats, admitted fans, and the database
 * invariants every test checks after it has run. Not imported by production code.
 */

import { seats } from '@frontrow/db';
import { eq, sql } from 'drizzle-orm';
import { type CallResult, concertInput, grantAccess, type TestServer, uniqueId } from '../../test/harness.ts';
import { selectRows } from '../db/tx.ts';

export interface TestConcert {
  concertId: number;
  scheduleId: number;
  seatIds: number[];
}

export async function createConcert(
  t: TestServer,
  opts: { rows?: number; seatsPerRow?: number; price?: number } = {},
): Promise<TestConcert> {
  return createConcertFrom(
    t,
    concertInput({ rows: opts.rows ?? 2, seatsPerRow: opts.seatsPerRow ?? 5, price: opts.price }),
  );
}

/** A concert made from a `concertInput` a test has adjusted (times of its show, say). */
export async function createConcertFrom(
  t: TestServer,
  input: ReturnType<typeof concertInput>,
): Promise<TestConcert> {
  const created = await t.services.catalog.createConcert(input);
  const scheduleId = created.schedules[0]!.scheduleId;
  const rows = await t.services.database.db
    .select({ id: seats.id })
    .from(seats)
    .where(eq(seats.scheduleId, scheduleId))
    .orderBy(seats.id);
  return { concertId: created.concertId, scheduleId, seatIds: rows.map((r) => r.id) };
}

export interface Fan {
  userId: string;
  token: string;
  /** Access tokens by concert id. */
  access: Map<number, string>;
}

/** A fan with a user token (its user row created) and booking sessions for the given concerts. */
export async function createFan(
  t: TestServer,
  concertIds: number[],
  opts: { role?: 'admin'; userId?: string } = {},
) {
  const userId = opts.userId ?? uniqueId('fan');
  const token = await t.token({ id: userId, ...(opts.role ? { role: opts.role } : {}) });
  await t.services.users.ensure({ id: userId, name: userId, tier: 'normal', role: opts.role ?? 'user' });
  const access = new Map<number, string>();
  for (const concertId of concertIds) access.set(concertId, await grantAccess(t, userId, concertId));
  return { userId, token, access } satisfies Fan;
}

export function bookingHeaders(fan: Fan, concertId: number): Record<string, string> {
  const token = fan.access.get(concertId);
  return token ? { 'x-queue-token': token } : {};
}

export function holdSeats(
  t: TestServer,
  fan: Fan,
  concert: TestConcert,
  seatIds: number[],
  headers: Record<string, string> = {},
): Promise<CallResult> {
  return t.call('POST', '/api/v1/reservations', {
    token: fan.token,
    body: { scheduleId: concert.scheduleId, seatIds },
    headers: { ...bookingHeaders(fan, concert.concertId), ...headers },
  });
}

export { eventually } from '../../test/harness.ts';

/**
 * The seat invariants of a schedule, checked in the database. Returns a list of violations (empty when sound):
 * - no seat is in two live reservations (PAID, or HELD and not past its time);
 * - the seats of every live reservation are SOLD (paid) or HELD (held) by it, until its end, and it owns their
 *   live seat ids; a dead reservation owns no live seat id;
 * - every SOLD seat and every seat HELD with time left belongs to a live reservation that owns it;
 *   an AVAILABLE seat names no hold.
 */
export async function seatViolations(t: TestServer, scheduleId: number): Promise<string[]> {
  const db = t.services.database.db;
  const live = sql`(r.status = 'PAID' OR (r.status = 'HELD' AND r.expires_at > UTC_TIMESTAMP(3)))`;
  const checks: Array<[string, ReturnType<typeof sql>]> = [
    [
      'seat in two live reservations',
      sql`SELECT rs.seat_id FROM reservation_seats rs JOIN reservations r ON r.id = rs.reservation_id
          WHERE r.schedule_id = ${scheduleId} AND ${live} GROUP BY rs.seat_id HAVING COUNT(*) > 1`,
    ],
    [
      'live reservation does not own its seat',
      sql`SELECT r.id, r.status, s.id AS seat_id, s.status AS seat_status, s.hold_id, rs.live_seat_id
          FROM reservations r JOIN reservation_seats rs ON rs.reservation_id = r.id JOIN seats s ON s.id = rs.seat_id
          WHERE r.schedule_id = ${scheduleId} AND ${live} AND (
            s.hold_id IS NULL OR s.hold_id <> r.id OR rs.live_seat_id IS NULL OR rs.live_seat_id <> s.id
            OR (r.status = 'PAID' AND s.status <> 'SOLD')
            OR (r.status = 'HELD' AND (s.status <> 'HELD' OR s.held_until <> r.expires_at)))`,
    ],
    [
      'dead reservation keeps a live seat id',
      sql`SELECT r.id, r.status, rs.live_seat_id FROM reservations r JOIN reservation_seats rs ON rs.reservation_id = r.id
          WHERE r.schedule_id = ${scheduleId} AND r.status NOT IN ('HELD', 'PAID') AND rs.live_seat_id IS NOT NULL`,
    ],
    [
      'taken seat without a live owner',
      sql`SELECT s.id, s.status, s.hold_id FROM seats s LEFT JOIN reservations r ON r.id = s.hold_id
          WHERE s.schedule_id = ${scheduleId} AND (
            (s.status = 'AVAILABLE' AND (s.hold_id IS NOT NULL OR s.held_until IS NOT NULL))
            OR ((s.status = 'SOLD' OR (s.status = 'HELD' AND s.held_until > UTC_TIMESTAMP(3))) AND (
              r.id IS NULL OR NOT ${live}
              OR NOT EXISTS (SELECT 1 FROM reservation_seats rs WHERE rs.reservation_id = r.id AND rs.live_seat_id = s.id)
              OR (s.status = 'SOLD' AND r.status <> 'PAID')
              OR (s.status = 'HELD' AND r.status <> 'HELD'))))`,
    ],
  ];
  const out: string[] = [];
  for (const [name, query] of checks) {
    const rows = await selectRows<Record<string, unknown>>(db, query);
    for (const row of rows) out.push(`${name}: ${JSON.stringify(row)}`);
  }
  return out;
}

/** Seat statuses of a schedule as a reader sees them (a lapsed hold is AVAILABLE), by seat id. */
export async function seatStatuses(t: TestServer, scheduleId: number): Promise<Map<number, string>> {
  const rows = await selectRows<{ id: number; status: string }>(
    t.services.database.db,
    sql`SELECT id, CASE WHEN status = 'HELD' AND held_until <= UTC_TIMESTAMP(3) THEN 'AVAILABLE' ELSE status END AS status
        FROM seats WHERE schedule_id = ${scheduleId} ORDER BY id`,
  );
  return new Map(rows.map((r) => [r.id, r.status]));
}
