import type { Pool, PoolConnection } from 'mysql2/promise';

/** A MySQL call that took longer than its deadline; the HTTP layer answers it as 503 DEPENDENCY_UNAVAILABLE. */
export class MysqlTimeoutError extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(what: string, ms: number) {
    super(`MySQL ${what} took longer than ${ms} ms`);
    this.name = 'MysqlTimeoutError';
  }
}

function deadline<T>(work: Promise<T>, ms: number, what: string, onTimeout?: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout?.();
      reject(new MysqlTimeoutError(what, ms));
    }, ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

type Method = 'query' | 'execute';
type Call = (...args: unknown[]) => Promise<unknown>;

/**
 * A connection whose statements each get `ms`. A statement past its deadline destroys the connection: mysql2 runs
 * one command at a time per connection, so a hung statement would hold every later one (the ROLLBACK included)
 * and its pool slot for good; destroyed, it leaves the pool and the server rolls its transaction back.
 */
function guardConnection(conn: PoolConnection, ms: number): PoolConnection {
  let dropped = false;
  return new Proxy(conn, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (prop !== 'query' && prop !== 'execute') return value;
      return (...args: unknown[]) => {
        // The ROLLBACK after a timed-out statement fails the same way, not as an unknown "closed state" error.
        if (dropped) return Promise.reject(new MysqlTimeoutError('statement (connection dropped)', ms));
        return deadline((value as Call).apply(target, args), ms, 'statement', () => {
          dropped = true;
          target.destroy();
        });
      };
    },
  });
}

/**
 * The pool with a deadline on every external call, since mysql2 has none of its own for these: each statement
 * gets `ms`, and taking a connection from the pool gets three times that (a burst beyond the pool's size queues
 * for a while, as it should; a server that hangs cannot hold requests in that queue for good). mysql2's
 * per-query `timeout` option only rejects the caller and leaves the connection busy until the server answers,
 * which may be never; here the connection is dropped instead. `connectTimeout` (client.ts) bounds opening one.
 */
export function withDeadlines(pool: Pool, ms: number): Pool {
  const acquireMs = 3 * ms;
  async function acquire(): Promise<PoolConnection> {
    const pending = pool.getConnection();
    try {
      return guardConnection(await deadline(pending, acquireMs, 'connection'), ms);
    } catch (err) {
      // A connection that arrives after its deadline goes straight back to the pool.
      pending.then((late) => late.release()).catch(() => undefined);
      throw err;
    }
  }

  async function onPool(method: Method, args: unknown[]) {
    const conn = await acquire();
    try {
      return await (conn[method] as unknown as Call)(...args);
    } finally {
      conn.release();
    }
  }

  return new Proxy(pool, {
    get(target, prop, receiver) {
      if (prop === 'getConnection') return acquire;
      if (prop === 'query' || prop === 'execute') return (...args: unknown[]) => onPool(prop, args);
      return Reflect.get(target, prop, receiver);
    },
  });
}
