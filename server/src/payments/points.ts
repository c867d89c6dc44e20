import type { ChargeResult, LedgerPage, Points } from '@frontrow/client/protocol';
import { pointLedger } from '@frontrow/db';
import { and, desc, eq, lt, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { dbDate, selectRows, type TxRun } from '../db/tx.ts';
import { AppError, notFound } from '../http/errors.ts';
import { credit, currentBalance } from './ledger.ts';

export interface PointsDeps {
  db: Db;
  run: TxRun;
  limits: { maxCharge: number; maxBalance: number };
}

interface UserPointsRow {
  balance: number;
  total_charged: number;
  total_used: number;
  created_at: string;
  last_entry: string | null;
}

export function createPoints({ db, run: defaultRun, limits }: PointsDeps) {
  return {
    /** Adds `amount` (1..MAX_CHARGE) to the caller's balance, up to MAX_BALANCE, with a CHARGE ledger row. */
    async charge(userId: string, amount: number, opts: { run?: TxRun } = {}): Promise<ChargeResult> {
      if (!Number.isSafeInteger(amount) || amount <= 0) {
        throw new AppError('VALIDATION_ERROR', 'amount must be a positive integer');
      }
      if (amount > limits.maxCharge) {
        throw new AppError('CHARGE_LIMIT_EXCEEDED', `At most ${limits.maxCharge} points per charge`, {
          maxCharge: limits.maxCharge,
        });
      }
      return (opts.run ?? defaultRun)(async (tx) => {
        const entry = await credit(tx, userId, 'CHARGE', amount, limits.maxBalance);
        if (!entry) {
          const balance = await currentBalance(tx, userId);
          if (balance === undefined) throw notFound('User', { userId });
          throw new AppError('CHARGE_LIMIT_EXCEEDED', `A balance holds at most ${limits.maxBalance} points`, {
            maxBalance: limits.maxBalance,
            balance,
          });
        }
        return {
          userId,
          chargedAmount: amount,
          balance: entry.balance,
          transactionId: entry.entryId,
          chargedAt: entry.at.toISOString(),
        };
      });
    },

    async balance(userId: string): Promise<Points> {
      const [row] = await selectRows<UserPointsRow>(
        db,
        sql`SELECT u.balance, u.total_charged, u.total_used, u.created_at,
              (SELECT MAX(l.created_at) FROM point_ledger l WHERE l.user_id = u.id) AS last_entry
            FROM users u WHERE u.id = ${userId}`,
      );
      if (!row) throw notFound('User', { userId });
      return {
        userId,
        balance: Number(row.balance),
        totalCharged: Number(row.total_charged),
        totalUsed: Number(row.total_used),
        lastUpdated: dbDate(row.last_entry ?? row.created_at).toISOString(),
      };
    },

    /** Ledger entries, newest first. The cursor is the last entry id of the previous page. */
    async history(userId: string, page: { cursor?: number; limit: number }): Promise<LedgerPage> {
      const rows = await db
        .select()
        .from(pointLedger)
        .where(
          and(
            eq(pointLedger.userId, userId),
            page.cursor === undefined ? undefined : lt(pointLedger.id, page.cursor),
          ),
        )
        .orderBy(desc(pointLedger.id))
        .limit(page.limit + 1);
      const items = rows.slice(0, page.limit).map((r) => ({
        transactionId: r.id,
        type: r.type,
        amount: r.amount,
        balanceAfter: r.balanceAfter,
        reservationId: r.reservationId,
        createdAt: r.createdAt.toISOString(),
      }));
      const last = items[items.length - 1];
      return { items, nextCursor: rows.length > page.limit && last ? String(last.transactionId) : null };
    },
  };
}
export type PointsService = ReturnType<typeof createPoints>;
