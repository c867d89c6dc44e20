import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { type BenchFan, bookingHeaders, type ConcertSetup } from '../lib/api.ts';
import { checkLedger, checkSeats } from '../lib/checks.ts';
import { type Ctx, check, type Row, row, type Scenario } from '../lib/context.ts';
import { expectStatuses, type LoadResult, load } from '../lib/load.ts';
import { rawTransactions } from '../lib/raw-sql.ts';
import {
  alternate,
  alternatingNote,
  asSlice,
  type Side,
  sliceOf,
  startTxBaseline,
} from '../lib/tx-baseline.ts';

/**
 * 6. Payments per second on distinct reservations (one per fan: paying ends the fan's booking session), beside
 * the raw payment transaction run with mysql2 on each fan's next hold. Balances must equal ledgers after both.
 */
export const payments: Scenario = {
  name: 'payments',
  title: 'payments/s and p99 beside the raw payment transaction',
  async run(ctx) {
    const prepared = ctx.shared.get('holds') as { setup: ConcertSetup; fans: BenchFan[] } | undefined;
    if (!prepared) throw new Error('needs the holds scenario first (its fans hold the seats to pay)');
    const { setup, fans } = prepared;
    const byUser = await heldByFan(ctx, setup.scheduleId);
    const { charges, paid } = await chargeAndPay(ctx, setup, fans, byUser);

    // Each fan's holds, oldest first: the first is paid through the API, the second by the same transaction
    // without HTTP (the baseline), the third by the minimal raw payment.
    const raw = await rawPayments(
      ctx,
      fans.map((f) => byUser.get(f.userId)![2]!),
      CONNECTIONS,
    );
    await checkLedger(ctx.db);
    const after = await checkSeats(ctx.db, setup.scheduleId);
    check(after.sold === 3 * fans.length, `${after.sold} seats SOLD after API, baseline and raw payments`);
    return toRows(charges, paid, raw);
  },
};

const CONNECTIONS = 48;
/** Rounds of the measured payments, alternating with the baseline. */
const ROUNDS = 4;

/** Each fan's HELD reservations on the schedule, oldest first. */
async function heldByFan(ctx: Ctx, scheduleId: number): Promise<Map<string, number[]>> {
  const [held] = await ctx.db.query<RowDataPacket[]>(
    `SELECT id, user_id FROM reservations WHERE schedule_id = ? AND status = 'HELD' ORDER BY id`,
    [scheduleId],
  );
  const byUser = new Map<string, number[]>();
  for (const r of held) byUser.set(r.user_id, [...(byUser.get(r.user_id) ?? []), Number(r.id)]);
  return byUser;
}

/**
 * Every fan charges points, then pays its first hold through the API, in ROUNDS rounds alternating with the
 * baseline, which pays each fan's second hold with the server's own payment transaction without HTTP
 * (bench/lib/baseline-tx.ts), with as many concurrent callers. The ledger adds up and a seat is SOLD per payment.
 */
async function chargeAndPay(
  ctx: Ctx,
  setup: ConcertSetup,
  fans: BenchFan[],
  byUser: Map<string, number[]>,
): Promise<{ charges: LoadResult; paid: Rates }> {
  /** One POST per fan of fans[from, to), fan from + i on request i. */
  const postPerFan = (path: string, body: (fan: BenchFan) => unknown, from = 0, to = fans.length) =>
    load({
      url: ctx.url,
      method: 'POST',
      connections: CONNECTIONS,
      amount: to - from,
      next: (i) => ({
        path,
        headers: bookingHeaders(fans[from + i]!),
        body: JSON.stringify(body(fans[from + i]!)),
      }),
    });
  const charges = await postPerFan('/api/v1/points/charge', () => ({ amount: 10_000 }));
  expectStatuses('charges', charges, [200, 201]);

  const tx = await startTxBaseline(ctx);
  try {
    const paid = await alternate(
      ROUNDS,
      {
        pid: ctx.server.pid,
        run: async (r) => {
          const { from, to } = sliceOf(fans.length, ROUNDS, r);
          const slice = await postPerFan(
            '/api/v1/payments',
            (fan) => ({ reservationId: byUser.get(fan.userId)![0] }),
            from,
            to,
          );
          expectStatuses('payments', slice, [201]);
          return asSlice(slice);
        },
      },
      {
        pid: tx.pid,
        run: (r) => {
          const { from, to } = sliceOf(fans.length, ROUNDS, r);
          const payments = fans
            .slice(from, to)
            .map((f) => ({ userId: f.userId, reservationId: byUser.get(f.userId)![1]! }));
          return tx.run({ kind: 'pay', connections: CONNECTIONS, payments });
        },
      },
    );
    await checkLedger(ctx.db);
    const seats = await checkSeats(ctx.db, setup.scheduleId);
    check(seats.sold === 2 * fans.length, `${seats.sold} seats SOLD after ${2 * fans.length} payments`);
    return { charges, paid };
  } finally {
    tx.close();
  }
}

type Rate = { rps: number; p99: number };
type Rates = { route: Side; baseline: Side };

function toRows(charges: LoadResult, paid: Rates, raw: Rate): Row[] {
  const s = 'payments';
  return [
    row({
      scenario: s,
      metric: `payments/s (${CONNECTIONS} clients; baseline: the same transaction without HTTP)`,
      value: paid.route.rps,
      unit: 'pay/s',
      baseline: paid.baseline.rps,
      target: '≥ 0.50×',
      ok: (_v, ratio) => (ratio ?? 0) >= 0.5,
      note: alternatingNote(ROUNDS, 'payment', paid),
    }),
    row({
      scenario: s,
      metric: 'payment p99 (worst round)',
      value: paid.route.p99,
      unit: 'ms',
      baseline: paid.baseline.p99,
    }),
    row({
      scenario: s,
      metric: 'payments/s beside a minimal raw payment (6 statements)',
      value: paid.route.rps,
      unit: 'pay/s',
      baseline: raw.rps,
      note: `minimal raw payment p99 ${raw.p99.toFixed(0)} ms`,
    }),
    row({ scenario: s, metric: 'points charges/s', value: charges.rps, unit: 'req/s' }),
  ];
}

/** The payment's core in SQL: conditional debit, ledger row, payment row, reservation PAID, seats SOLD. */
function rawPayments(ctx: Ctx, reservationIds: number[], connections: number) {
  return rawTransactions(ctx.db, reservationIds.length, connections, async (conn, i) => {
    const id = reservationIds[i]!;
    const [[r]] = await conn.query<RowDataPacket[]>(
      `SELECT user_id, total_amount FROM reservations
       WHERE id = ? AND status = 'HELD' AND expires_at > UTC_TIMESTAMP(3) FOR UPDATE`,
      [id],
    );
    if (!r) throw new Error(`raw payment: reservation ${id} not payable`);
    const [debit] = await conn.query<ResultSetHeader>(
      'UPDATE users SET balance = balance - ?, total_used = total_used + ? WHERE id = ? AND balance >= ?',
      [r.total_amount, r.total_amount, r.user_id, r.total_amount],
    );
    if (debit.affectedRows !== 1) throw new Error(`raw payment: ${r.user_id} cannot pay`);
    await conn.query(
      `INSERT INTO point_ledger (user_id, type, amount, balance_after, reservation_id)
       SELECT id, 'PAYMENT', ?, balance, ? FROM users WHERE id = ?`,
      [-r.total_amount, id, r.user_id],
    );
    await conn.query('INSERT INTO payments (reservation_id, user_id, amount) VALUES (?, ?, ?)', [
      id,
      r.user_id,
      r.total_amount,
    ]);
    await conn.query(`UPDATE reservations SET status = 'PAID', paid_at = UTC_TIMESTAMP(3) WHERE id = ?`, [
      id,
    ]);
    await conn.query(`UPDATE seats SET status = 'SOLD', held_until = NULL WHERE hold_id = ?`, [id]);
  });
}
