import { type SQL, sql } from 'drizzle-orm';
import type { ResultSetHeader } from 'mysql2';
import type { LedgerType } from '../../../client-sdk/src/protocol.ts';
import { pointLedger } from '../../../drizzle/schema.ts';
import { affectedRows, dbDate, selectRows, statements, type Tx } from '../db/tx.ts';

/**
 * The only code that changes a balance. Each change is one conditional UPDATE of the user row (the database
 * refuses what would break the rule, there is no read-check-write) followed, in the same transaction, by the
 * ledger row that explains it. So the balance is never below 0 nor above MAX_BALANCE, and a user's ledger rows
 * always sum to the balance.
 */
export interface LedgerWrite {
  entryId: number;
  balance: number;
  at: Date;
}

/**
 * A PAYMENT: `amount` leaves the balance if the balance covers it. One round trip: the conditional UPDATE, then
 * the balance it left (or found) and the database clock. The ledger row that explains a debit is `ledgerRow`,
 * which the caller sends with its other writes, in the same transaction.
 */
export async function debit(
  tx: Tx,
  userId: string,
  amount: number,
): Promise<{ debited: boolean; balance: number; at: Date }> {
  const [update, rows] = (await statements(
    tx,
    sql`UPDATE users SET balance = balance - ${amount}, total_used = total_used + ${amount},
          updated_at = UTC_TIMESTAMP(3)
        WHERE id = ${userId} AND balance >= ${amount}`,
    sql`SELECT balance, UTC_TIMESTAMP(3) AS now FROM users WHERE id = ${userId}`,
  )) as [ResultSetHeader, Array<{ balance: number; now: string }>];
  const row = rows[0];
  if (!row) throw new Error(`user ${userId} vanished inside its own transaction`);
  return { debited: update.affectedRows === 1, balance: Number(row.balance), at: dbDate(row.now) };
}

/** The ledger row of a balance change, as a statement to send. */
export function ledgerRow(
  tx: Tx,
  entry: {
    userId: string;
    type: LedgerType;
    amount: number;
    balanceAfter: number;
    reservationId: number | null;
    at: Date;
  },
): SQL {
  const { at, ...values } = entry;
  return tx
    .insert(pointLedger)
    .values({ ...values, createdAt: at })
    .getSQL();
}

/**
 * A CHARGE or a REFUND: `amount` joins the balance unless that would take it above `maxBalance`; undefined
 * (nothing written) otherwise. A refund gives back what a payment used, so it lowers `total_used`.
 */
export async function credit(
  tx: Tx,
  userId: string,
  type: 'CHARGE' | 'REFUND',
  amount: number,
  maxBalance: number,
  reservationId: number | null = null,
): Promise<LedgerWrite | undefined> {
  const totals =
    type === 'CHARGE'
      ? sql`total_charged = total_charged + ${amount}`
      : sql`total_used = total_used - ${amount}`;
  const matched = await affectedRows(
    tx,
    sql`UPDATE users SET balance = balance + ${amount}, ${totals}, updated_at = UTC_TIMESTAMP(3)
        WHERE id = ${userId} AND balance + ${amount} <= ${maxBalance}`,
  );
  if (matched !== 1) return undefined;
  return append(tx, userId, type, amount, reservationId);
}

async function append(
  tx: Tx,
  userId: string,
  type: LedgerType,
  amount: number,
  reservationId: number | null,
): Promise<LedgerWrite> {
  // The row is ours (locked by the UPDATE above), so this reads the balance we just wrote.
  const [row] = await selectRows<{ balance: number; now: string }>(
    tx,
    sql`SELECT balance, UTC_TIMESTAMP(3) AS now FROM users WHERE id = ${userId}`,
  );
  if (!row) throw new Error(`user ${userId} vanished inside its own transaction`);
  const at = dbDate(row.now);
  const balance = Number(row.balance);
  const [entry] = await tx
    .insert(pointLedger)
    .values({ userId, type, amount, balanceAfter: balance, reservationId, createdAt: at })
    .$returningId();
  if (!entry) throw new Error('ledger insert returned no id');
  return { entryId: entry.id, balance, at };
}

/** The caller's balance, read without a lock (for error details only). */
export async function currentBalance(tx: Tx, userId: string): Promise<number | undefined> {
  const [row] = await selectRows<{ balance: number }>(
    tx,
    sql`SELECT balance FROM users WHERE id = ${userId}`,
  );
  return row ? Number(row.balance) : undefined;
}
