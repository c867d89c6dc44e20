import { setTimeout as sleep } from 'node:timers/promises';
import type { QueueTick } from '@frontrow/client/protocol';
import { type BenchFan, enterAll } from '../lib/api.ts';
import { type Ctx, check, type Row, row, type Scenario } from '../lib/context.ts';
import { createDrivenSale, driveAdmissions } from '../lib/drive.ts';
import { type MergedReport, startFans } from '../lib/fans.ts';
import { memoryAfterGc, type Proc, procStats, stop } from '../lib/procs.ts';
import { summarizeHistogram } from '../lib/stats.ts';

export interface PushFans {
  concertId: number;
  fans: BenchFan[];
  admitPerSecond: number;
  seconds: number;
  /** Server CPU seconds per fan per minute while the N sockets were kept informed by ticks. */
  cpuPerFanMinute: number;
}

/**
 * 2. Position push: N fans wait with a socket each (several processes and source addresses) while admissions run;
 * every `queue:tick` is timed against the `at` the server stamped, and the positions the fans compute from it
 * must be exactly 1..waiting. Server RSS per socket, beside a bare Socket.IO room broadcast with the same N.
 */
export const push: Scenario = {
  name: 'push',
  title: 'tick delivery p50/p99 and RSS per socket beside a bare room broadcast',
  async run(ctx) {
    const n = ctx.sockets ?? (ctx.quick ? 10_000 : 20_000);
    const seconds = ctx.quick ? 20 : 60;
    const admitPerSecond = 20;
    const concertId = await createDrivenSale(ctx, admitPerSecond * seconds);
    const fans = await ctx.api.fans(`push-${ctx.runId}`, n);
    const measured = await measureTicks(ctx, { concertId, fans, admitPerSecond, seconds });
    checkTicks(measured.got, n);
    ctx.shared.set('push', {
      concertId,
      fans,
      admitPerSecond,
      seconds,
      cpuPerFanMinute: measured.cpuPerFanMinute,
    } satisfies PushFans);

    const baseline = await bareBroadcast(ctx, fans, seconds, concertId);
    drawCharts(ctx, n, measured.got, baseline.report);
    return toRows(n, measured, baseline);
  },
};

/** What the Frontrow side measured. */
interface TickRun {
  got: MergedReport;
  /** Bytes per socket, counted from before the enters. */
  perSocket: { heap: number; rss: number };
  /** Heap bytes per socket, counted from after the enters. */
  heapSinceEnter: number;
  cpuPerFanMinute: number;
  /** API processes beside the main one. */
  extraServers: number;
}

/**
 * The fans enter and open their sockets, spread over as many API processes as a deployment would use; then the
 * bench admits `admitPerSecond` for `seconds` while the sockets take the ticks. Memory per socket and CPU per fan
 * come from the API processes (and the worker, for CPU).
 */
async function measureTicks(
  ctx: Ctx,
  {
    concertId,
    fans,
    admitPerSecond,
    seconds,
  }: { concertId: number; fans: BenchFan[]; admitPerSecond: number; seconds: number },
): Promise<TickRun> {
  const n = fans.length;
  // Memory before the entries too: an upper bound, since sockets may reuse heap the enters left free.
  // Above 10,000 sockets more API processes share the load, as a deployment would (the Redis adapter between them).
  const extras = await Promise.all(Array.from({ length: apiProcessesFor(n) - 1 }, () => ctx.extraServer()));
  // Sockets live in the API processes; the CPU of a push includes the worker that computes the ticks.
  const pids = [ctx.server.pid, ...extras.map((e) => e.proc.pid)];
  const cpuPids = [...pids, ...(ctx.worker ? [ctx.worker.pid] : [])];
  // Heap and RSS after two forced full collections in each API process, summed: what the sockets hold, not
  // where the collector happened to be.
  const apiProcs = [ctx.server, ...extras.map((e) => e.proc)];
  const memory = () => memorySum(apiProcs);
  const cpuSeconds = () => cpuPids.reduce((sum, pid) => sum + procStats(pid).cpuSeconds, 0);
  const before = await memory();
  await enterAll(ctx.api, concertId, fans);

  const afterEnter = await memory();
  const real = await startFans({
    url: extras.length > 0 ? [ctx.url, ...extras.map((e) => e.url)] : ctx.url,
    fans,
    concertId,
    readyWindowMs: ctx.readyWindowMs,
    logDir: ctx.logDir,
  });
  try {
    check(real.connected === n, `${real.connected} of ${n} sockets connected and watching`);
    await sleep(2000); // let the server settle after the connection storm
    const withSockets = await memory();
    const perSocket = {
      heap: (withSockets.heapUsed - before.heapUsed) / n,
      rss: (withSockets.rss - before.rss) / n,
    };
    const heapSinceEnter = (withSockets.heapUsed - afterEnter.heapUsed) / n;
    await real.report(); // drop warm-up samples
    const cpu0 = cpuSeconds();
    await driveAdmissions(ctx, concertId, admitPerSecond, seconds);
    const cpu = cpuSeconds() - cpu0;
    const cpuPerFanMinute = cpu / n / (seconds / 60);
    await sleep(1500); // the trailing tick
    const got = await real.report();
    return { got, perSocket, heapSinceEnter, cpuPerFanMinute, extraServers: extras.length };
  } finally {
    await real.close();
    for (const e of extras) await stop(e.proc);
  }
}

function drawCharts(ctx: Ctx, n: number, got: MergedReport, bare: MergedReport): void {
  const t0 = got.ticks[0]?.at ?? 0;
  const b0 = bare.ticks[0]?.at ?? 0;
  ctx.chart('tick-latency', {
    title: `queue:tick delivery p99 per tick (${n.toLocaleString('en-US')} sockets)`,
    xLabel: 'seconds',
    yLabel: 'ms',
    series: [
      {
        name: 'Frontrow p99',
        points: got.ticks.map((t) => [(t.at - t0) / 1000, t.p99] as [number, number]),
      },
      {
        name: 'bare Socket.IO p99',
        points: bare.ticks.map((t) => [(t.at - b0) / 1000, t.p99] as [number, number]),
      },
    ],
  });
  ctx.chart('queue-length', {
    title: 'Fans waiting, as carried by each tick',
    xLabel: 'seconds',
    yLabel: 'fans',
    series: [
      {
        name: 'waiting',
        points: got.ticks.map((t) => [(t.at - t0) / 1000, t.waiting] as [number, number]),
      },
    ],
  });
}

function toRows(
  n: number,
  { got, perSocket, heapSinceEnter, extraServers }: TickRun,
  baseline: { report: MergedReport; perSocket: { heap: number; rss: number } },
): Row[] {
  const lat = summarizeHistogram(got.tickLatency);
  const baseLat = summarizeHistogram(baseline.report.tickLatency);
  const s = 'push';
  return [
    row({
      scenario: s,
      metric: `tick p50 (${n} sockets)`,
      value: lat.p50,
      unit: 'ms',
      baseline: baseLat.p50,
    }),
    row({
      scenario: s,
      metric: `tick p99 (${n} sockets${extraServers > 0 ? `, ${extraServers + 1} API processes` : ''})`,
      value: lat.p99,
      unit: 'ms',
      baseline: baseLat.p99,
      target: n <= 10_000 ? '≤ 300 ms' : '≤ 750 ms',
      ok: (v) => v <= (n <= 10_000 ? 300 : 750),
    }),
    row({
      scenario: s,
      metric: 'server heap per socket (with its queue entry), after full GC',
      value: perSocket.heap / 1024,
      note: `${(heapSinceEnter / 1024).toFixed(1)} KB counted from after the enters`,
      unit: 'KB',
      baseline: baseline.perSocket.heap / 1024,
    }),
    row({
      scenario: s,
      metric: 'server RSS per socket (with its queue entry), after full GC',
      value: perSocket.rss / 1024,
      unit: 'KB',
      baseline: baseline.perSocket.rss / 1024,
      target: '≤ 16 KB',
      ok: (v) => v <= 16,
    }),
    row({
      scenario: s,
      metric: 'ticks delivered',
      value: lat.n,
      unit: 'packets',
      note: `${got.ticks.length} ticks`,
    }),
  ];
}

/**
 * Every complete tick reached every socket, and the positions the fans computed from it are exactly 1..waiting
 * (nobody left from the middle here, so client positions must equal the server's ranking).
 */
function checkTicks(r: MergedReport, n: number) {
  check(r.disconnects === 0, `${r.disconnects} sockets dropped`);
  check(r.ticks.length >= 3, `only ${r.ticks.length} ticks arrived`);
  // The last tick may still be on its way to some sockets when the report is taken.
  for (const t of r.ticks.slice(0, -1)) {
    check(t.received === n, `tick ${t.at} reached ${t.received} of ${n} sockets`);
    const dense = (t.waiting * (t.waiting + 1)) / 2;
    check(
      t.positioned === t.waiting && t.positionSum === dense,
      `tick ${t.at}: ${t.positioned} fans placed themselves (sum ${t.positionSum}), ${t.waiting} waiting (sum ${dense})`,
    );
  }
}

/**
 * The same N sockets on bare Socket.IO servers, one room broadcast of the last real tick per second, split over as
 * many processes as the Frontrow side uses; each gets the tick over IPC, with no adapter between them.
 */
async function bareBroadcast(ctx: Ctx, fans: BenchFan[], seconds: number, concertId: number) {
  const servers = await Promise.all(
    Array.from({ length: apiProcessesFor(fans.length) }, () => ctx.baseline('io')),
  );
  const procs = servers.map((s) => s.proc);
  const tick: Partial<QueueTick> = {
    concertId,
    saleState: 'ON_SALE',
    lanes: { vip: { waiting: 0, marks: [] }, normal: { waiting: fans.length, marks: [[1, 0]] } },
    admitRate: 20,
  };
  try {
    const before = await memorySum(procs);
    const bare = await startFans({
      url: servers.length === 1 ? servers[0]!.url : servers.map((s) => s.url),
      fans: fans.map((f) => ({ userId: f.userId })),
      readyWindowMs: ctx.readyWindowMs,
      logDir: ctx.logDir,
    });
    try {
      await sleep(2000);
      const after = await memorySum(procs);
      const perSocket = {
        heap: (after.heapUsed - before.heapUsed) / fans.length,
        rss: (after.rss - before.rss) / fans.length,
      };
      for (let i = 0; i < seconds; i++) {
        for (const proc of procs) proc.child.send({ type: 'tick', tick });
        await sleep(1000);
      }
      await sleep(500);
      return { report: await bare.report(), perSocket };
    } finally {
      await bare.close();
    }
  } finally {
    for (const proc of procs) proc.child.kill('SIGTERM');
  }
}

/**
 * API processes for N sockets, as a deployment would spread them: one up to 10,000, then one more per 10,000 (the
 * Redis adapter between them). A process may open at most 20,000 files here, sockets included.
 */
function apiProcessesFor(sockets: number): number {
  return Math.max(1, Math.ceil(sockets / 10_000));
}

async function memorySum(procs: Proc[]): Promise<{ heapUsed: number; rss: number }> {
  const readings = await Promise.all(procs.map((p) => memoryAfterGc(p)));
  if (readings.some((r) => !r.forced)) throw new Error('a server under test runs without --expose-gc');
  return {
    heapUsed: readings.reduce((sum, r) => sum + r.heapUsed, 0),
    rss: readings.reduce((sum, r) => sum + r.rss, 0),
  };
}
