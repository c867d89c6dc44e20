import type { Pool, PoolConnection } from 'mysql2/promise';
import { summarize } from './stats.ts';

/**
 * `count` calls of `call(i, caller)`, closed loop over `callers` concurrent callers (caller 0 to callers - 1, each
 * waiting for its call before the next): how many, how long they all took, and the p99 of one call.
 */
export async function closedLoop(
  count: number,
  callers: number,
  call: (i: number, caller: number) => Promise<unknown>,
): Promise<{ count: number; seconds: number; p99: number }> {
  const latencies: number[] = [];
  let next = 0;
  const t0 = performance.now();
  const caller = async (_: unknown, c: number) => {
    for (let i = next++; i < count; i = next++) {
      const start = performance.now();
      await call(i, c);
      latencies.push(performance.now() - start);
    }
  };
  await Promise.all(Array.from({ length: callers }, caller));
  return { count, seconds: (performance.now() - t0) / 1000, p99: summarize(latencies).p99 };
}

/**
 * A raw-SQL baseline: `count` transactions, closed loop, over `connections` pool connections, each `run(conn, i)`
 * inside BEGIN … COMMIT. Throughput and p99 of the whole transaction, for scenarios to set beside the HTTP route.
 */
export async function rawTransactions(
  db: Pool,
  count: number,
  connections: number,
  run: (conn: PoolConnection, i: number) => Promise<void>,
): Promise<{ rps: number; p99: number }> {
  const conns = await Promise.all(Array.from({ length: connections }, () => db.getConnection()));
  try {
    const { seconds, p99 } = await closedLoop(count, connections, async (i, c) => {
      const conn = conns[c]!;
      await conn.beginTransaction();
      await run(conn, i);
      await conn.commit();
    });
    return { rps: count / seconds, p99 };
  } finally {
    for (const conn of conns) conn.release();
  }
}
