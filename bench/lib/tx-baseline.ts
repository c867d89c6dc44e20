import type { TxResult, TxRun } from './baseline-tx.ts';
import type { Ctx } from './context.ts';
import type { LoadResult } from './load.ts';
import { procStats } from './procs.ts';

/** A slice of a closed-loop run: how many calls, how long they took, and their p99. */
export interface Slice {
  count: number;
  seconds: number;
  p99: number;
}

/** The server's own transactions in the baseline process (baseline-tx.ts), on the API's cores with --pin. */
export interface TxBaseline {
  pid: number;
  run(job: TxRun): Promise<Slice>;
  close(): void;
}

export async function startTxBaseline(ctx: Ctx): Promise<TxBaseline> {
  const { proc } = await ctx.baseline('tx');
  let exited: Error | undefined;
  proc.child.once('exit', (code) => {
    exited = new Error(`the transaction baseline exited (${code})`);
  });
  return {
    pid: proc.pid,
    run: (job) =>
      new Promise<Slice>((resolve, reject) => {
        if (exited) return reject(exited);
        const onMessage = (msg: { type?: string }) => {
          if (msg.type !== 'tx-result') return;
          proc.child.off('message', onMessage);
          const result = msg as TxResult;
          if (result.error) reject(new Error(`transaction baseline: ${result.error}`));
          else resolve({ count: result.count, seconds: result.seconds, p99: result.p99 });
        };
        proc.child.on('message', onMessage);
        proc.child.send(job);
      }),
    close: () => proc.child.kill('SIGTERM'),
  };
}

/** One side of an alternating measure: its rate, worst round's p99, and its process's CPU per call. */
export interface Side {
  rps: number;
  p99: number;
  /** CPU seconds of `pid` per call over its rounds. */
  cpuPerCall: number;
}

/**
 * The route and its baseline measured in alternating rounds (route, baseline, route, baseline, ...), so that
 * whatever drifts over a run (MySQL flushing what the previous round wrote, other work on the machine) weighs on
 * both alike. Each side's rate is its calls over its time in all rounds, its p99 the worst round's, and its CPU
 * the CPU its process (`pid`) used during its rounds.
 */
export async function alternate(
  rounds: number,
  route: { pid: number; run: (round: number) => Promise<Slice> },
  baseline: { pid: number; run: (round: number) => Promise<Slice> },
): Promise<{ route: Side; baseline: Side }> {
  const sides = [route, baseline].map((side) => ({ ...side, slices: [] as Slice[], cpu: 0 }));
  for (let r = 0; r < rounds; r++) {
    for (const side of sides) {
      const before = procStats(side.pid).cpuSeconds;
      side.slices.push(await side.run(r));
      side.cpu += procStats(side.pid).cpuSeconds - before;
    }
  }
  const total = ({ slices, cpu }: (typeof sides)[number]): Side => {
    const calls = slices.reduce((n, s) => n + s.count, 0);
    return {
      rps: calls / slices.reduce((t, s) => t + s.seconds, 0),
      p99: Math.max(...slices.map((s) => s.p99)),
      cpuPerCall: cpu / calls,
    };
  };
  return { route: total(sides[0]!), baseline: total(sides[1]!) };
}

/** `n` items split into `rounds` consecutive slices: the index range of slice r. */
export function sliceOf(n: number, rounds: number, r: number): { from: number; to: number } {
  const size = Math.ceil(n / rounds);
  return { from: r * size, to: Math.min(n, (r + 1) * size) };
}

/** A route's load run as a slice of an alternating measure. */
export const asSlice = (r: LoadResult): Slice => ({ count: r.total, seconds: r.durationSeconds, p99: r.p99 });

/** The note of an alternating measure's rate row: its rounds and each side's CPU per call. */
export function alternatingNote(
  rounds: number,
  per: string,
  { route, baseline }: { route: Side; baseline: Side },
) {
  const ms = (side: Side) => `${(side.cpuPerCall * 1000).toFixed(2)} ms`;
  return `${rounds} alternating rounds; CPU per ${per}: server ${ms(route)}, baseline ${ms(baseline)}`;
}
