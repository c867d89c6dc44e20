import type { HealthReport } from '../../../client-sdk/src/protocol.ts';
import type { Database } from '../db/client.ts';
import type { RedisClient } from '../redis/client.ts';

type Check = HealthReport['checks']['redis'];

async function timed(probe: () => Promise<unknown>, timeoutMs: number): Promise<Check> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch (err) {
    return {
      ok: false,
      latencyMs: Math.round(performance.now() - started),
      error: err instanceof Error ? err.message : String(err),
    };
  } finally {
    clearTimeout(timer);
  }
}

/** Readiness: both backing services answer a trivial command within a short deadline. */
export async function checkReadiness(
  redis: RedisClient,
  database: Database,
  timeoutMs = 1_500,
): Promise<HealthReport> {
  const [redisCheck, mysqlCheck] = await Promise.all([
    timed(() => redis.ping(), timeoutMs),
    timed(() => database.pool.query('SELECT 1'), timeoutMs),
  ]);
  return {
    status: redisCheck.ok && mysqlCheck.ok ? 'ok' : 'degraded',
    checks: { redis: redisCheck, mysql: mysqlCheck },
  };
}
