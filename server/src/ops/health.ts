import type { HealthReport } from '@frontrow/client/protocol';
import type { Database } from '../db/client.ts';
import type { RedisClient } from '../redis/client.ts';

type Check = HealthReport['checks']['redis'];

/** A check, and why it failed: the reason is for the service's own log, never for the response. */
interface Probed {
  check: Check;
  reason?: string;
}

async function timed(probe: () => Promise<unknown>, timeoutMs: number): Promise<Probed> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { check: { ok: true, latencyMs: Math.round(performance.now() - started) } };
  } catch (err) {
    return {
      check: { ok: false, latencyMs: Math.round(performance.now() - started) },
      reason: err instanceof Error ? err.message : String(err),
    };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Readiness: both backing services answer a trivial command within a short deadline. The report names each
 * dependency with ok or failed; driver messages (addresses, user names) go to `reasons` for the log only.
 */
export async function checkReadiness(
  redis: RedisClient,
  database: Database,
  timeoutMs = 1_500,
): Promise<{ report: HealthReport; reasons: Partial<Record<'redis' | 'mysql', string>> }> {
  const [r, m] = await Promise.all([
    timed(() => redis.ping(), timeoutMs),
    timed(() => database.pool.query('SELECT 1'), timeoutMs),
  ]);
  return {
    report: {
      status: r.check.ok && m.check.ok ? 'ok' : 'degraded',
      checks: { redis: r.check, mysql: m.check },
    },
    reasons: { ...(r.reason ? { redis: r.reason } : {}), ...(m.reason ? { mysql: m.reason } : {}) },
  };
}
