/** Test helpers for points and payments. Not imported by production code. */
import { sql } from 'drizzle-orm';
import type { TestServer } from '../../test/harness.ts';
import { bookingHeaders, type Fan } from '../booking/testing.ts';
import { selectRows } from '../db/tx.ts';

/**
 * The money invariants of some users, checked in the database: a balance is never below 0 nor above
 * MAX_BALANCE, equals the sum of the user's ledger rows, and equals total charged minus total used.
 */
export async function moneyViolations(t: TestServer, userIds: string[]): Promise<string[]> {
  if (userIds.length === 0) return [];
  const rows = await selectRows<{ id: string; balance: number; ledger: number; net: number }>(
    t.services.database.db,
    sql`SELECT u.id, u.balance, u.total_charged - u.total_used AS net,
          CAST(COALESCE((SELECT SUM(l.amount) FROM point_ledger l WHERE l.user_id = u.id), 0) AS SIGNED) AS ledger
        FROM users u WHERE u.id IN (${sql.join(
          userIds.map((id) => sql`${id}`),
          sql`, `,
        )})`,
  );
  const max = t.config.points.maxBalance;
  const out: string[] = [];
  for (const r of rows) {
    const [balance, ledger, net] = [Number(r.balance), Number(r.ledger), Number(r.net)];
    if (balance < 0 || balance > max) out.push(`${r.id}: balance ${balance} outside [0, ${max}]`);
    if (balance !== ledger) out.push(`${r.id}: balance ${balance} but ledger sums to ${ledger}`);
    if (balance !== net) out.push(`${r.id}: balance ${balance} but charged - used = ${net}`);
  }
  return out;
}

export async function balanceOf(t: TestServer, userId: string): Promise<number> {
  const [row] = await selectRows<{ balance: number }>(
    t.services.database.db,
    sql`SELECT balance FROM users WHERE id = ${userId}`,
  );
  return Number(row?.balance);
}

export async function ledgerRows(t: TestServer, userId: string) {
  return selectRows<{ type: string; amount: number; reservation_id: number | null }>(
    t.services.database.db,
    sql`SELECT type, amount, reservation_id FROM point_ledger WHERE user_id = ${userId} ORDER BY id`,
  );
}

export function charge(t: TestServer, fan: Fan, amount: unknown, headers: Record<string, string> = {}) {
  return t.call('POST', '/api/v1/points/charge', { token: fan.token, body: { amount }, headers });
}

export function pay(
  t: TestServer,
  fan: Fan,
  concertId: number,
  reservationId: number,
  headers: Record<string, string> = {},
) {
  return t.call('POST', '/api/v1/payments', {
    token: fan.token,
    body: { reservationId },
    headers: { ...bookingHeaders(fan, concertId), ...headers },
  });
}
