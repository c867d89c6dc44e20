import type { Pool, RowDataPacket } from 'mysql2/promise';
import { check } from './context.ts';

/** Invariants read straight from MySQL after a scenario: what the API promised is what the database holds. */

async function count(db: Pool, sql: string, params: unknown[]): Promise<number> {
  const [rows] = await db.query<RowDataPacket[]>(sql, params);
  return Number(rows[0]?.n ?? 0);
}

/** No seat in two live reservations; every HELD or SOLD seat belongs to a live reservation holding it. */
export async function checkSeats(db: Pool, scheduleId: number): Promise<{ held: number; sold: number }> {
  const twice = await count(
    db,
    `SELECT COUNT(*) AS n FROM (SELECT rs.seat_id FROM reservation_seats rs
       JOIN reservations r ON r.id = rs.reservation_id
       WHERE r.schedule_id = ? AND r.status IN ('HELD', 'PAID')
       GROUP BY rs.seat_id HAVING COUNT(*) > 1) t`,
    [scheduleId],
  );
  check(twice === 0, `oversell: ${twice} seats in two live reservations`);
  const orphans = await count(
    db,
    `SELECT COUNT(*) AS n FROM seats s
       LEFT JOIN reservations r ON r.id = s.hold_id
       LEFT JOIN reservation_seats rs ON rs.reservation_id = s.hold_id AND rs.seat_id = s.id
       WHERE s.schedule_id = ? AND s.status IN ('HELD', 'SOLD')
         AND (rs.seat_id IS NULL OR r.status <> IF(s.status = 'HELD', 'HELD', 'PAID'))`,
    [scheduleId],
  );
  check(orphans === 0, `${orphans} HELD/SOLD seats without a matching live reservation`);
  const held = await count(db, `SELECT COUNT(*) AS n FROM seats WHERE schedule_id = ? AND status = 'HELD'`, [
    scheduleId,
  ]);
  const sold = await count(db, `SELECT COUNT(*) AS n FROM seats WHERE schedule_id = ? AND status = 'SOLD'`, [
    scheduleId,
  ]);
  return { held, sold };
}

/** Reservations of a schedule in any of `statuses`, counted in one statement. */
export async function countReservations(db: Pool, scheduleId: number, statuses: string[]): Promise<number> {
  return count(db, `SELECT COUNT(*) AS n FROM reservations WHERE schedule_id = ? AND status IN (?)`, [
    scheduleId,
    statuses,
  ]);
}

/** Every balance equals its user's ledger sum and is never negative. */
export async function checkLedger(db: Pool): Promise<void> {
  const off = await count(
    db,
    `SELECT COUNT(*) AS n FROM users u
       LEFT JOIN (SELECT user_id, SUM(amount) AS total FROM point_ledger GROUP BY user_id) l ON l.user_id = u.id
       WHERE u.balance <> COALESCE(l.total, 0) OR u.balance < 0`,
    [],
  );
  check(off === 0, `${off} users whose balance differs from their ledger`);
}
