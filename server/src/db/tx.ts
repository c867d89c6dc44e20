import { type SQL, sql } from 'drizzle-orm';
import type { ResultSetHeader } from 'mysql2';
import type { Db } from './client.ts';

/** The transaction handle Drizzle passes to `db.transaction` callbacks (a savepoint handle has the same type). */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type Queryable = Db | Tx;

/**
 * Runs `fn` in one transaction. Money and seat writes take a runner rather than a `Db`, so a caller can wrap the
 * same work with more statements in the same transaction (the idempotency key store does). Convention: what `fn`
 * returns is the operation's response (an idempotency key records exactly that value); effects after the commit
 * (events, ending a session) take what they need from variables the callback sets.
 */
export type TxRun = <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>;

const ER_DUP_ENTRY = 1062;
const ER_LOCK_DEADLOCK = 1213;

/**
 * READ COMMITTED, because every decision is made under row locks (FOR UPDATE, conditional UPDATEs) and each
 * statement must see what committed before it: a fan's seat count is read after its user row lock is granted.
 * It also avoids gap locks, which only add deadlocks here. InnoDB may still pick a deadlock victim when two rare
 * paths meet (a payment and a takeover of the same just-expired hold); the whole transaction is then retried.
 */
export function transactionRunner(db: Db, attempts = 4): TxRun {
  return async <T>(fn: (tx: Tx) => Promise<T>): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      try {
        // READ COMMITTED is every pool connection's session default (db/client.ts): no extra statement here.
        return await db.transaction(fn);
      } catch (err) {
        if (attempt >= attempts || mysqlErrno(err) !== ER_LOCK_DEADLOCK) throw err;
        await new Promise((r) => setTimeout(r, Math.random() * 10 * attempt));
      }
    }
  };
}

/** Rows of a raw statement. DATETIME columns arrive as strings (Drizzle's raw typeCast); see `dbDate`. */
export async function selectRows<T>(q: Queryable, query: SQL): Promise<T[]> {
  const [rows] = await q.execute(query);
  return rows as unknown as T[];
}

/**
 * Runs statements in one round trip (the pool allows multiple statements, db/client.ts) and returns one result a
 * statement: rows for a SELECT, a ResultSetHeader for a write. The server runs them in order and stops at the first
 * error, which is thrown. A round trip to MySQL costs more than most of these statements do, so the hot
 * transactions send their statements in as few trips as their logic allows.
 */
export async function statements(q: Queryable, ...queries: SQL[]): Promise<unknown[]> {
  const [results] = await q.execute(sql.join(queries, sql`;\n`));
  return queries.length === 1 ? [results] : (results as unknown as unknown[]);
}

/** Runs a raw write and returns how many rows it matched. */
export async function affectedRows(q: Queryable, query: SQL): Promise<number> {
  const [header] = await q.execute(query);
  return (header as unknown as ResultSetHeader).affectedRows;
}

/** A DATETIME(3) read through a raw statement ("2026-01-02 03:04:05.678", UTC) or through the query builder. */
export function dbDate(value: string | Date): Date {
  if (value instanceof Date) return value;
  return new Date(`${value.replace(' ', 'T')}Z`);
}

/** The mysql2 error behind an error, looking through Drizzle's DrizzleQueryError wrapper. */
function driverError(err: unknown): { errno: number; message: string } | undefined {
  for (let e = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const { errno, message } = e as { errno?: unknown; message?: unknown };
    if (typeof errno === 'number') return { errno, message: typeof message === 'string' ? message : '' };
  }
  return undefined;
}

export function mysqlErrno(err: unknown): number | undefined {
  return driverError(err)?.errno;
}

/** A duplicate-key error, optionally on a named unique index. */
export function isDuplicateKey(err: unknown, index?: string): boolean {
  const e = driverError(err);
  return e?.errno === ER_DUP_ENTRY && (!index || e.message.includes(index));
}
