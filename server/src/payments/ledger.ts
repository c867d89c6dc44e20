import type { LedgerType } from '@frontrow/client/protocol';
import { pointLedger } from '@frontrow/db';
import { type SQL, sql } from 'drizzle-orm';
import type { ResultSetHeader } from 'mysql2';
import { dbDate, selectRows, statements, type Tx } from '../db/tx.ts';

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

/** What a conditional balance UPDATE did: whether it applied, the balance after it, and the database clock. */
interface BalanceChange {
  changed: boolean;
  balance: number;
  at: Date;
}

/**
 * Runs a conditional UPDATE of the user's row and reads the balance it left (or found) with the database clock,
 * in one round trip. The row is the caller's (locked by the UPDATE), so the read sees exactly what it wrote.
 */
async function changeBalance(tx: Tx, userId: string, update: SQL): Promise<BalanceChange> {
  const [header, rows] = (await statements(
    tx,
    update,
    sql`SELECT balance, UTC_TIMESTAMP(3) AS now FROM users WHERE id = ${userId}`,
  )) as [ResultSetHeader, Array<{ balance: number; now: string }>];
  const row = rows[0];
  if (!row) throw new Error(`user ${userId} vanished inside its own transaction`);
  return { changed: header.affectedRows === 1, balance: Number(row.balance), at: dbDate(row.now) };
}

/**
 * A PAYMENT: `amount` leaves the balance if the balance covers it (`changed`). The ledger row that explains it is
 * `ledgerRow`, which the caller sends with its other writes, in the same transaction.
 */
export function debit(tx: Tx, userId: string, amount: number): Promise<BalanceChange> {
  return changeBalance(
    tx,
    userId,
    sql`UPDATE users SET balance = balance - ${amount}, total_used = total_used + ${amount},
          updated_at = UTC_TIMESTAMP(3)
        WHERE id = ${userId} AND balance >= ${amount}`,
  );
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
  const change = await changeBalance(
    tx,
    userId,
    sql`UPDATE users SET balance = balance + ${amount}, ${totals}, updated_at = UTC_TIMESTAMP(3)
        WHERE id = ${userId} AND balance + ${amount} <= ${maxBalance}`,
  );
  if (!change.changed) return undefined;
  const { balance, at } = change;
  const [inserted] = (await statements(
    tx,
    ledgerRow(tx, { userId, type, amount, balanceAfter: balance, reservationId, at }),
  )) as [ResultSetHeader];
  return { entryId: inserted.insertId, balance, at };
}

/** The caller's balance, read without a lock (for error details only). */
export async function currentBalance(tx: Tx, userId: string): Promise<number | undefined> {
  const [row] = await selectRows<{ balance: number }>(
    tx,
    sql`SELECT balance FROM users WHERE id = ${userId}`,
  );
  return row ? Number(row.balance) : undefined;
}
