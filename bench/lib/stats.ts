/** Percentiles and small summaries for the benchmark report. Values are milliseconds unless said otherwise. */

/** Nearest-rank percentile of an ascending array (p in 0..100); NaN for an empty array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export interface Summary {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function summarize(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1]! : Number.NaN,
  };
}

/**
 * A 1 ms-resolution histogram (counts per whole millisecond) that child processes can send over IPC as a plain
 * object and the parent can merge: 10,000 sockets × 60 ticks stay a few hundred numbers.
 */
export type Histogram = Record<number, number>;

export function record(h: Histogram, ms: number): void {
  const bucket = Math.max(0, Math.round(ms));
  h[bucket] = (h[bucket] ?? 0) + 1;
}

export function merge(into: Histogram, from: Histogram): Histogram {
  for (const [k, v] of Object.entries(from)) into[Number(k)] = (into[Number(k)] ?? 0) + v;
  return into;
}

export function summarizeHistogram(h: Histogram): Summary {
  const buckets = Object.entries(h)
    .map(([k, v]) => [Number(k), v] as const)
    .sort((a, b) => a[0] - b[0]);
  const n = buckets.reduce((s, [, c]) => s + c, 0);
  const at = (p: number) => {
    if (n === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil((p / 100) * n));
    let seen = 0;
    for (const [ms, c] of buckets) {
      seen += c;
      if (seen >= rank) return ms;
    }
    return buckets[buckets.length - 1]![0];
  };
  return { n, p50: at(50), p95: at(95), p99: at(99), max: n ? buckets[buckets.length - 1]![0] : Number.NaN };
}

/** Least-squares slope of y over x (units of y per unit of x); 0 with fewer than two points. */
export function slope(points: ReadonlyArray<readonly [number, number]>): number {
  if (points.length < 2) return 0;
  const mx = points.reduce((s, p) => s + p[0], 0) / points.length;
  const my = points.reduce((s, p) => s + p[1], 0) / points.length;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}
