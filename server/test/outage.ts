import type { CallInit, CallResult, TestServer } from './harness.ts';

/**
 * Calls made through a Redis outage (a failover, a slot move) the way a client SDK makes them: a 503 is counted
 * with its time and retried shortly after; any other 5xx is recorded as unexpected.
 */
export function throughOutage(t: TestServer, retryMs = 100) {
  const unavailable: number[] = [];
  const unexpected: string[] = [];
  async function call(method: string, path: string, init: CallInit): Promise<CallResult> {
    for (;;) {
      const res = await t.call(method, path, init);
      if (res.status === 503) {
        unavailable.push(Date.now());
        await new Promise((r) => setTimeout(r, retryMs));
        continue;
      }
      if (res.status >= 500) unexpected.push(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
      return res;
    }
  }
  /** How long after `since` the last 503 came (0 without any). */
  const window = (since: number) => (unavailable.length > 0 ? Math.max(...unavailable) - since : 0);
  return { call, unavailable, unexpected, window };
}
