import autocannon from 'autocannon';
import { Pool } from 'undici';
import { percentile, summarize } from './stats.ts';

/**
 * autocannon, closed-loop (`connections` clients each waiting for its answer) or at a fixed arrival rate
 * (`rate` requests per second over all connections). `next(i)` builds request i: a fan's token, a seat, a body.
 */

export interface LoadSpec {
  url: string;
  method?: 'GET' | 'POST';
  connections: number;
  durationSeconds?: number;
  /** Stop after this many requests instead of after a duration. */
  amount?: number;
  rate?: number;
  /** `context` is per connection: a request and its response share it (no pipelining). */
  next?: (
    i: number,
    context: Record<string, unknown>,
  ) => { path?: string; headers?: Record<string, string>; body?: string };
  onResponse?: (status: number, body: string, context: Record<string, unknown>) => void;
}

export interface LoadResult {
  /** Answers per second; for `paced`, the arrival rate it kept. */
  rps: number;
  p50: number;
  p97_5: number;
  p99: number;
  total: number;
  errors: number;
  statuses: Record<string, number>;
  durationSeconds: number;
}

export async function load(spec: LoadSpec): Promise<LoadResult> {
  let i = 0;
  const method = spec.method ?? 'GET';
  // autocannon notices that `amount` requests are done only at its next 1-second sample, and reports that
  // whole second as the run's duration: a 4.1 s run reads as 5 s. A run of `amount` requests is timed here
  // instead, from the start to its last answer.
  const startedAt = performance.now();
  let lastAnswerAt = startedAt;
  const onResponse =
    spec.amount || spec.onResponse
      ? (status: number, body: string, context: Record<string, unknown>) => {
          lastAnswerAt = performance.now();
          spec.onResponse?.(status, body, context);
        }
      : undefined;
  const result = await autocannon({
    url: spec.url,
    connections: spec.connections,
    ...(spec.amount ? { amount: spec.amount } : { duration: spec.durationSeconds ?? 10 }),
    ...(spec.rate ? { overallRate: spec.rate } : {}),
    timeout: 30,
    requests: [
      {
        method,
        setupRequest: (req, context) => {
          const built = spec.next?.(i++, context as Record<string, unknown>) ?? {};
          return {
            ...req,
            ...(built.path ? { path: built.path } : {}),
            headers: { ...req.headers, ...built.headers },
            ...(built.body !== undefined ? { body: built.body } : {}),
          };
        },
        ...(onResponse
          ? {
              onResponse: (status: number, body: string, context: object) =>
                onResponse(status, body, context as Record<string, unknown>),
            }
          : {}),
      },
    ],
  });
  const statuses: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) statuses[code] = stat.count ?? 0;
  const total = Object.values(statuses).reduce((s, n) => s + n, 0);
  const seconds = spec.amount ? (lastAnswerAt - startedAt) / 1000 : result.duration;
  return {
    rps: total / seconds,
    p50: result.latency.p50,
    p97_5: result.latency.p97_5,
    p99: result.latency.p99,
    total,
    errors: result.errors,
    statuses,
    durationSeconds: seconds,
  };
}

/** Fails loudly when anything but the expected statuses came back. */
export function expectStatuses(what: string, r: LoadResult, allowed: number[]): void {
  const bad = Object.entries(r.statuses).filter(([code]) => !allowed.includes(Number(code)));
  if (bad.length > 0 || r.errors > 0) {
    throw new Error(`${what}: unexpected answers ${JSON.stringify(bad)}, ${r.errors} connection errors`);
  }
}

export interface PacedSpec {
  url: string;
  method?: 'GET' | 'POST';
  /** Open connections at most; a request due while all are busy waits for one (and that wait is its latency). */
  connections: number;
  rate: number;
  amount: number;
  next: (i: number) => { path: string; headers?: Record<string, string>; body?: string };
  /** `dueAt`: when request i was due (ms since epoch), which is where its latency starts. */
  onResponse?: (status: number, body: string, i: number, dueAt: number) => void;
}

/**
 * An open-loop load at an even pace: request i is due at t0 + i / rate, whatever became of the ones before it, and
 * its latency counts from then. autocannon's `overallRate` is a per-connection budget per second that each
 * connection spends back to back as soon as the second starts, so "1,000/s" reaches the server as a burst at the
 * top of every second; a queue fed that way measures the burst. Use this where the arrival pattern is the point.
 */
export async function paced(spec: PacedSpec): Promise<LoadResult> {
  // undici: about half the client CPU of node:http, which matters when the load shares the server's two cores.
  const pool = new Pool(spec.url, { connections: spec.connections, pipelining: 1 });
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0;
  let sent = 0;
  const t0 = Date.now();
  const interval = 1000 / spec.rate;

  const fire = async (i: number, dueAt: number) => {
    const built = spec.next(i);
    try {
      const res = await pool.request({
        method: spec.method ?? 'GET',
        path: built.path,
        headers: built.headers,
        body: built.body,
        headersTimeout: 30_000,
        bodyTimeout: 30_000,
      });
      const body = await res.body.text();
      latencies.push(Date.now() - dueAt);
      statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
      spec.onResponse?.(res.statusCode, body, i, dueAt);
    } catch {
      errors++;
    }
  };

  const inFlight: Array<Promise<void>> = [];
  while (sent < spec.amount) {
    const now = Date.now();
    while (sent < spec.amount && t0 + sent * interval <= now) {
      inFlight.push(fire(sent, Math.round(t0 + sent * interval)));
      sent++;
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  // The rate the arrivals kept (the pace falls behind only when this process cannot keep up).
  const sending = Math.max(1, Date.now() - t0) / 1000;
  await Promise.all(inFlight);
  await pool.close();
  const s = summarize(latencies);
  return {
    rps: sent / sending,
    p50: s.p50,
    p97_5: percentile(
      [...latencies].sort((a, b) => a - b),
      97.5,
    ),
    p99: s.p99,
    total: latencies.length,
    errors,
    statuses,
    durationSeconds: (Date.now() - t0) / 1000,
  };
}
