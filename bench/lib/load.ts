import autocannon from 'autocannon';

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
        ...(spec.onResponse
          ? {
              onResponse: (status: number, body: string, context: object) =>
                spec.onResponse?.(status, body, context as Record<string, unknown>),
            }
          : {}),
      },
    ],
  });
  const statuses: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) statuses[code] = stat.count ?? 0;
  const total = Object.values(statuses).reduce((s, n) => s + n, 0);
  return {
    rps: total / result.duration,
    p50: result.latency.p50,
    p97_5: result.latency.p97_5,
    p99: result.latency.p99,
    total,
    errors: result.errors,
    statuses,
    durationSeconds: result.duration,
  };
}

/** Fails loudly when anything but the expected statuses came back. */
export function expectStatuses(what: string, r: LoadResult, allowed: number[]): void {
  const bad = Object.entries(r.statuses).filter(([code]) => !allowed.includes(Number(code)));
  if (bad.length > 0 || r.errors > 0) {
    throw new Error(`${what}: unexpected answers ${JSON.stringify(bad)}, ${r.errors} connection errors`);
  }
}
