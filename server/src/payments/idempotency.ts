import { createHash } from 'node:crypto';
import type { ApiErrorBody } from '@frontrow/client/protocol';
import { idempotencyKeys } from '@frontrow/db';
import { and, eq, gt, lte, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import {
  affectedRows,
  isDuplicateKey,
  mysqlErrno,
  type Queryable,
  type Tx,
  type TxRun,
  transactionRunner,
} from '../db/tx.ts';
import { AppError } from '../http/errors.ts';

export interface IdempotencyScope {
  userId: string;
  key: string;
  requestHash: string;
}

export interface StoredResponse {
  status: number;
  body: { success: true; data: unknown } | { success: false; error: ApiErrorBody };
}

const TTL_HOURS = 24;
const ER_LOCK_WAIT_TIMEOUT = 1205;

/** sha256 of method, route and body: the same key sent with another request is refused (422). */
export function requestHash(method: string, path: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method.toUpperCase()} ${path}\n${JSON.stringify(body ?? null)}`)
    .digest('hex');
}

/** Thrown through the operation when the key already has a response, so none of its after-commit effects run. */
class Replay {
  constructor(readonly response: StoredResponse) {}
}

/**
 * Idempotency keys (docs/api.md "Conventions"), per user, in MySQL next to the money they protect.
 *
 * The key is claimed by an INSERT *inside the operation's own transaction*, and its response is written there
 * too, before the commit. So:
 * - the operation and its recorded response commit together or not at all: a crash leaves no half-done key, and
 *   a retry then simply runs it;
 * - a duplicate that arrives while the first is running blocks on InnoDB's lock of the uncommitted key row, then
 *   finds the committed response and replays it. It never runs the operation a second time (never a second
 *   debit); if the wait outlives `innodb_lock_wait_timeout` it gets 409 ALREADY_PROCESSING;
 * - a business refusal (402, 409, 422...) is recorded as the response too: the operation runs in a savepoint that
 *   is rolled back, and the key row with the error is committed. 5xx are not recorded, so they can be retried.
 * Keys expire after 24 hours; an expired key is reclaimed on use, and `purgeExpired` deletes the rest.
 */
export function createIdempotency(db: Db) {
  const run = transactionRunner(db);

  async function stored(q: Queryable, scope: IdempotencyScope): Promise<StoredResponse | undefined> {
    const [row] = await q
      .select()
      .from(idempotencyKeys)
      .where(
        and(
          eq(idempotencyKeys.userId, scope.userId),
          eq(idempotencyKeys.key, scope.key),
          gt(idempotencyKeys.expiresAt, sql`UTC_TIMESTAMP(3)`),
        ),
      );
    if (!row) return undefined;
    if (row.requestHash !== scope.requestHash) {
      throw new AppError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used with another request', {
        key: scope.key,
      });
    }
    if (row.state !== 'DONE' || row.responseStatus === null) return undefined;
    const body = typeof row.responseBody === 'string' ? JSON.parse(row.responseBody) : row.responseBody;
    return { status: row.responseStatus, body: body as StoredResponse['body'] };
  }

  /** Inserts the key (ours until commit) or returns the response it already has. */
  async function claim(tx: Tx, scope: IdempotencyScope): Promise<StoredResponse | undefined> {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await tx.insert(idempotencyKeys).values({
          userId: scope.userId,
          key: scope.key,
          requestHash: scope.requestHash,
          state: 'IN_PROGRESS',
          expiresAt: sql`UTC_TIMESTAMP(3) + INTERVAL ${TTL_HOURS} HOUR`,
        });
        return undefined;
      } catch (err) {
        if (mysqlErrno(err) === ER_LOCK_WAIT_TIMEOUT) {
          throw new AppError('ALREADY_PROCESSING', 'A request with this Idempotency-Key is still running', {
            key: scope.key,
          });
        }
        if (!isDuplicateKey(err)) throw err;
      }
      const done = await stored(tx, scope);
      if (done) return done;
      // The key exists but expired: it starts over.
      await tx
        .delete(idempotencyKeys)
        .where(
          and(
            eq(idempotencyKeys.userId, scope.userId),
            eq(idempotencyKeys.key, scope.key),
            lte(idempotencyKeys.expiresAt, sql`UTC_TIMESTAMP(3)`),
          ),
        );
    }
    throw new AppError('ALREADY_PROCESSING', 'A request with this Idempotency-Key is still running', {
      key: scope.key,
    });
  }

  async function finish(tx: Tx, scope: IdempotencyScope, response: StoredResponse): Promise<void> {
    await tx
      .update(idempotencyKeys)
      .set({ state: 'DONE', responseStatus: response.status, responseBody: response.body })
      .where(and(eq(idempotencyKeys.userId, scope.userId), eq(idempotencyKeys.key, scope.key)));
  }

  return {
    scope(userId: string, key: string, method: string, path: string, body: unknown): IdempotencyScope {
      return { userId, key, requestHash: requestHash(method, path, body) };
    },

    /** The recorded response of a finished request with this key, if any (422 when the request differs). */
    lookup: (scope: IdempotencyScope) => stored(db, scope),

    /**
     * Runs `op` once per key. `op` receives the transaction runner it must do its writes with (one transaction);
     * the key is claimed and the response recorded in that same transaction. Returns the response to send.
     */
    async execute<T>(
      scope: IdempotencyScope,
      successStatus: 200 | 201,
      op: (run: TxRun) => Promise<T>,
    ): Promise<StoredResponse> {
      const claimingRun: TxRun = async <R>(fn: (tx: Tx) => Promise<R>): Promise<R> => {
        type Outcome =
          | { kind: 'ok'; value: R }
          | { kind: 'refused'; err: AppError }
          | { kind: 'replay'; res: StoredResponse };
        const outcome = await run(async (tx): Promise<Outcome> => {
          const done = await claim(tx, scope);
          if (done) return { kind: 'replay', res: done };
          try {
            const value = await tx.transaction((savepoint) => fn(savepoint));
            await finish(tx, scope, { status: successStatus, body: { success: true, data: value } });
            return { kind: 'ok', value };
          } catch (err) {
            if (!(err instanceof AppError) || err.status >= 500) throw err;
            await finish(tx, scope, { status: err.status, body: { success: false, error: err.toBody() } });
            return { kind: 'refused', err };
          }
        });
        if (outcome.kind === 'replay') throw new Replay(outcome.res);
        if (outcome.kind === 'refused') throw outcome.err;
        return outcome.value;
      };
      try {
        const value = await op(claimingRun);
        return { status: successStatus, body: { success: true, data: value } };
      } catch (err) {
        if (err instanceof Replay) return err.response;
        throw err;
      }
    },

    /** Deletes keys past their 24 hours (the sweeper calls this). */
    async purgeExpired(limit = 5_000): Promise<number> {
      return affectedRows(
        db,
        sql`DELETE FROM idempotency_keys WHERE expires_at <= UTC_TIMESTAMP(3) LIMIT ${limit}`,
      );
    },
  };
}
export type Idempotency = ReturnType<typeof createIdempotency>;

/** What `withIdempotency` needs of a request: its caller, its Idempotency-Key if it sent one, and what it asks. */
export interface KeyedRequest {
  userId: string;
  key: string | undefined;
  method: string;
  path: string;
  body: unknown;
}

export interface IdempotentWrite<T> {
  /** The status a success is answered (and recorded) with. */
  status: 200 | 201;
  /**
   * The write. With a key it must do its writes with `run` (one transaction), which claims the key and records
   * the response.
   */
  write(opts: { run?: TxRun }): Promise<T>;
  /**
   * Checks before the write (an access token, say), skipped when the key already has a response, which is the
   * answer then. A check that fails because this very request already succeeded (a payment ended the session its
   * token needs) calls `recorded` to answer with that response instead of its error.
   */
  check?(recorded: () => Promise<StoredResponse | undefined>): Promise<StoredResponse | undefined>;
}

/**
 * The one way a write honours an Idempotency-Key (docs/api.md "Conventions"): without a key, or without a store,
 * the write simply runs; with one, it runs at most once per user and key, and every retry gets the first response
 * (`execute` above). Returns the response to send, fresh or recorded.
 */
export async function withIdempotency<T>(
  store: Idempotency | undefined,
  request: KeyedRequest,
  op: IdempotentWrite<T>,
): Promise<StoredResponse> {
  const scope =
    store && request.key !== undefined
      ? store.scope(request.userId, request.key, request.method, request.path, request.body)
      : undefined;
  if (op.check) {
    const recorded = async () => (store && scope ? store.lookup(scope) : undefined);
    const answered = (await recorded()) ?? (await op.check(recorded));
    if (answered) return answered;
  }
  if (!store || !scope) return { status: op.status, body: { success: true, data: await op.write({}) } };
  return store.execute(scope, op.status, (run) => op.write({ run }));
}
