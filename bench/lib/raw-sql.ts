import type { Pool, PoolConnection } from 'mysql2/promise';
import { summarize } from './stats.ts';

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
  const latencies: number[] = [];
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    const conn = await db.getConnection();
    try {
      for (let i = next++; i < count; i = next++) {
        const start = performance.now();
        await conn.beginTransaction();
        await run(conn, i);
        await conn.commit();
        latencies.push(performance.now() - start);
      }
    } finally {
      conn.release();
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  return { rps: count / ((performance.now() - t0) / 1000), p99: summarize(latencies).p99 };
}
