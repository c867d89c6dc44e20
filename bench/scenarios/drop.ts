import { setTimeout as sleep } from 'node:timers/promises';
import {
  admitAndClaim,
  type BenchFan,
  type ConcertSetup,
  createConcert,
  enterAll,
  openSale,
  seatIds,
} from '../lib/api.ts';
import { checkLedger, checkSeats, countReservations } from '../lib/checks.ts';
import { type Ctx, check, type Row, row, type Scenario } from '../lib/context.ts';
import { driveAdmissions, sampler } from '../lib/drive.ts';
import { type FanGroup, type MergedReport, startFans } from '../lib/fans.ts';
import { type LoadResult, load } from '../lib/load.ts';
import { majorGcLog, memoryAfterGc, procStats } from '../lib/procs.ts';
import { slope, summarize, summarizeHistogram } from '../lib/stats.ts';

/**
 * 8. A mixed drop: waiting sockets, new fans entering at 1,000/s, status polls at 2,000/s, 100 admissions/s and
 * 50 holds/s, all at once for 1 (quick), 5 or 15 (soak) minutes. API p95, push p99, memory trend, errors. The
 * admissions are an admin's (a fixed 100/s), so the wait ranges are judged by the waits scenario instead.
 */
export const drop: Scenario = {
  name: 'drop',
  title: 'mixed drop: sockets, enters, polls, admissions, holds',
  async run(ctx) {
    const plan = planDrop(ctx);
    const sale = await setUpSale(ctx, plan);
    const fans = await startFans({
      url: ctx.url,
      fans: sale.crowd,
      concertId: sale.setup.concertId,
      readyWindowMs: ctx.readyWindowMs,
      logDir: ctx.logDir,
    });
    try {
      check(fans.connected === plan.n, `${fans.connected} of ${plan.n} sockets connected`);
      await sleep(2000);
      await fans.report(); // drop the connection storm's samples
      const measured = await runLoad(ctx, plan, sale, fans);
      await checkInvariants(ctx, plan, sale.setup, measured);
      drawCharts(ctx, plan, measured);
      return toRows(plan, measured);
    } finally {
      await fans.close();
    }
  },
};

interface DropPlan {
  seconds: number;
  /** Waiting sockets. */
  n: number;
  holdRate: number;
  holdsWanted: number;
}

interface DropSale {
  setup: ConcertSetup;
  /** Buyer cohorts, each admitted just before its turn to hold (holdStream). */
  cohorts: BenchFan[][];
  seats: number[];
  /** The waiting fans, each with a socket, who poll their status. */
  crowd: BenchFan[];
  /** Fans who enter during the run. */
  arrivals: BenchFan[];
}

interface DropMeasured {
  enters: LoadResult;
  polls: LoadResult;
  admitted: number;
  holds: HoldStreamResult;
  rssPoints: Array<[number, number]>;
  /** The post-collection heap in MB over time (seconds since the load began). */
  heapLows: Array<[number, number]>;
  queuePoints: Array<[number, number]>;
  pushed: MergedReport;
}

function planDrop(ctx: Ctx): DropPlan {
  const seconds = ctx.soak ? 900 : ctx.quick ? 60 : 300;
  // A schedule has at most 20,000 seats, and every hold takes one: the 15-minute soak holds at a lower rate.
  const holdRate = Math.min(50, Math.floor(19_000 / seconds));
  return { seconds, n: ctx.sockets ?? 10_000, holdRate, holdsWanted: holdRate * seconds };
}

/** The concert and its open sale, the buyer cohorts (the first admitted), the queued crowd and the arrivals. */
async function setUpSale(ctx: Ctx, { seconds, n, holdsWanted }: DropPlan): Promise<DropSale> {
  const sections = Math.ceil(holdsWanted / 20_000);
  const setup = await createConcert(ctx.api, ctx.admin, {
    sections,
    rows: Math.ceil(holdsWanted / sections / 200) + 1,
    seatsPerRow: 200,
  });
  // The admin admits 100 fans a second who never claim, so READY fans pile up for the length of the ready window;
  // the highest seat ratio keeps the seat cap (READY + ENTERED < seats × ratio) from stopping admission mid-run.
  await openSale(ctx.api, ctx.admin, setup.concertId, {
    groupSize: 1,
    intervalSeconds: 3_600,
    maxActive: 1_000_000,
    admitSeatRatio: 10,
  });
  // Buyers hold in cohorts of BUYER_COHORT_SECONDS, each admitted just before its turn, so no buyer's access
  // session (SESSION_MINUTES) ends while it is still holding, however long the run. The first cohort is admitted
  // from the head before the crowd enters; later cohorts enter as VIPs, ahead of the crowd.
  const cohortCount = Math.ceil(seconds / BUYER_COHORT_SECONDS);
  const holdsPerCohort = Math.ceil(holdsWanted / cohortCount);
  const cohorts = await Promise.all(
    Array.from({ length: cohortCount }, (_, k) =>
      ctx.api.fans(
        `drop-buyer-${ctx.runId}-${k}`,
        Math.ceil(holdsPerCohort / 12),
        k === 0 ? 'normal' : 'vip',
      ),
    ),
  );
  await admitAndClaim(ctx.api, ctx.admin, setup.concertId, cohorts[0]!);
  const seats = await seatIds(ctx.api, cohorts[0]![0]!, setup);
  const crowd = await ctx.api.fans(`drop-crowd-${ctx.runId}`, n);
  await enterAll(ctx.api, setup.concertId, crowd);
  const arrivals = await ctx.api.fans(`drop-new-${ctx.runId}`, Math.min(1_000 * seconds, 200_000));
  return { setup, cohorts, seats, crowd, arrivals };
}

/**
 * Enters, polls, admissions and holds at once for the run's length, while the server's RSS, its heap after
 * collections and the queue length are sampled; then the ticks the sockets received.
 */
async function runLoad(ctx: Ctx, plan: DropPlan, sale: DropSale, fans: FanGroup): Promise<DropMeasured> {
  const { seconds } = plan;
  const { setup, crowd, arrivals } = sale;
  const rss = sampler(() => procStats(ctx.server.pid).rssBytes / 2 ** 20, 2000);
  const memoryFrom = Date.now();
  // The heap's trend over the second half, from its low points: the heap just after each major collection the
  // server ran on its own, plus a forced full collection at the middle and just before the load ends. A
  // sawtooth has level low points; a leak raises them.
  const forced = (atMs: number) =>
    sleep(atMs).then(() =>
      memoryAfterGc(ctx.server).then(
        (m) => [(m.at - memoryFrom) / 1000, m.heapUsed / 2 ** 20] as [number, number],
      ),
    );
  const forcedHeap = Promise.all([
    forced(seconds * 500),
    forced(Math.max(seconds * 500 + 1000, seconds * 1000 - 3000)),
  ]);
  const queue = sampler(async () => {
    const res = await ctx.api.call('GET', `/api/v1/admin/concerts/${setup.concertId}/queue`, {
      token: ctx.admin,
    });
    return res.body.data.waiting.total as number;
  }, 2000);
  const queuePath = `${ctx.url}/api/v1/concerts/${setup.concertId}/queue`;
  const auth = (f: BenchFan) => ({ authorization: `Bearer ${f.token}` });
  let e = 0;
  let p = 0;
  const [enters, polls, admitted, holds] = await Promise.all([
    load({
      url: queuePath,
      method: 'POST',
      connections: 32,
      durationSeconds: seconds,
      rate: 1_000,
      next: () => ({ headers: auth(arrivals[e++ % arrivals.length]!) }),
    }),
    load({
      url: `${queuePath}/me`,
      connections: 32,
      durationSeconds: seconds,
      rate: 2_000,
      next: () => ({ headers: auth(crowd[p++ % crowd.length]!) }),
    }),
    driveAdmissions(ctx, setup.concertId, 100, seconds),
    holdStream(
      ctx,
      { concertId: setup.concertId, scheduleId: setup.scheduleId },
      sale.cohorts,
      sale.seats,
      plan.holdRate,
      seconds,
    ),
  ]);
  const rssPoints = rss.stop();
  const lows = (await majorGcLog(ctx.server))
    .filter((m) => m.at >= memoryFrom)
    .map((m) => [(m.at - memoryFrom) / 1000, m.heapUsed / 2 ** 20] as [number, number]);
  const heapLows = [...lows, ...(await forcedHeap)].sort((a, b) => a[0] - b[0]);
  const queuePoints = queue.stop();
  await sleep(1500);
  const pushed = await fans.report();
  return { enters, polls, admitted, holds, rssPoints, heapLows, queuePoints, pushed };
}

/** The ticks that reached every socket (the last may still be on its way when the report is taken). */
const completeTicks = (pushed: MergedReport) => pushed.ticks.slice(0, -1);

/** No socket dropped, every complete tick reached every socket, the holds match the seats and the ledger adds up. */
async function checkInvariants(
  ctx: Ctx,
  { n }: DropPlan,
  setup: ConcertSetup,
  { pushed, holds }: DropMeasured,
): Promise<void> {
  check(pushed.disconnects === 0, `${pushed.disconnects} sockets dropped`);
  const complete = completeTicks(pushed);
  check(complete.length > 0, 'no ticks arrived during the drop');
  for (const t of complete) check(t.received === n, `tick ${t.at} reached ${t.received} of ${n} sockets`);
  const seatState = await checkSeats(ctx.db, setup.scheduleId);
  // Holds older than HOLD_MINUTES have expired on their own by the end of a long run.
  const holdsKept = await countReservations(ctx.db, setup.scheduleId, ['HELD', 'EXPIRED']);
  check(
    holdsKept === holds.ok,
    `${holdsKept} reservations HELD or EXPIRED after ${holds.ok} successful holds`,
  );
  check(seatState.held <= holds.ok, `${seatState.held} seats HELD after ${holds.ok} successful holds`);
  await checkLedger(ctx.db);
}

function drawCharts(ctx: Ctx, { seconds }: DropPlan, m: DropMeasured): void {
  ctx.chart('drop-queue-length', {
    title: `Mixed drop: fans waiting (${seconds} s)`,
    xLabel: 'seconds',
    yLabel: 'fans',
    series: [{ name: 'waiting', points: m.queuePoints }],
  });
  ctx.chart('drop-rss', {
    title: 'Mixed drop: server RSS and heap after major collections',
    xLabel: 'seconds',
    yLabel: 'MB',
    series: [
      { name: 'RSS', points: m.rssPoints },
      { name: 'heap after major GC', points: m.heapLows },
    ],
  });
  const t0 = completeTicks(m.pushed)[0]?.at ?? 0;
  ctx.chart('drop-tick-latency', {
    title: 'Mixed drop: tick delivery p99 per tick',
    xLabel: 'seconds',
    yLabel: 'ms',
    series: [
      { name: 'p99', points: m.pushed.ticks.map((t) => [(t.at - t0) / 1000, t.p99] as [number, number]) },
    ],
  });
}

function toRows({ seconds, n }: DropPlan, m: DropMeasured): Row[] {
  const { enters, polls, admitted, holds, pushed, rssPoints } = m;
  // Unexpected answers are counted in the errors row (the target is zero), not thrown: the figures still matter.
  const unexpected = (r: LoadResult, allowed: string[]) =>
    Object.entries(r.statuses).reduce((sum, [code, c]) => sum + (allowed.includes(code) ? 0 : c), 0);
  const badAnswers = unexpected(enters, ['200', '201']) + unexpected(polls, ['200']);
  // Heap trend over the second half (after warm-up growth): MB per minute of the post-collection heap,
  // relative to its mean.
  const tail = m.heapLows.filter(([t]) => t >= seconds / 2 - 1);
  const mean = tail.reduce((s, x) => s + x[1], 0) / Math.max(1, tail.length);
  const growth = slope(tail) * 60;
  const errors = enters.errors + polls.errors + badAnswers + holds.failed + pushed.disconnects;
  const apiP975 = Math.max(enters.p97_5, polls.p97_5);
  const s = 'drop';
  return [
    row({
      scenario: s,
      metric: 'API p97.5 (enter, status; bounds p95)',
      value: apiP975,
      unit: 'ms',
      target: 'p95 ≤ 200 ms',
      ok: (v) => v <= 200,
    }),
    row({
      scenario: s,
      metric: 'hold p95',
      value: holds.p95,
      unit: 'ms',
      target: '≤ 200 ms',
      ok: (v) => v <= 200,
    }),
    row({
      scenario: s,
      metric: `push p99 (${n} sockets)`,
      value: summarizeHistogram(pushed.tickLatency).p99,
      unit: 'ms',
      target: '≤ 500 ms',
      ok: (v) => v <= 500,
    }),
    row({
      scenario: s,
      metric: 'enters achieved (1,000/s offered)',
      value: enters.rps,
      unit: 'enter/s',
      note: `${Math.round(polls.rps)} polls/s, ${(admitted / seconds).toFixed(0)} admits/s, ${(holds.ok / seconds).toFixed(1)} holds/s`,
    }),
    row({
      scenario: s,
      metric: 'status polls achieved',
      value: polls.rps,
      unit: 'req/s',
      target: '2,000 offered',
    }),
    row({
      scenario: s,
      metric: 'heap growth after major GC, second half',
      value: growth,
      unit: 'MB/min',
      target: '< 2% of heap per min',
      ok: (v) => v < 0.02 * mean,
      note: `mean ${mean.toFixed(0)} MB over ${tail.length} post-GC readings; RSS at the end ${(rssPoints.at(-1)?.[1] ?? 0).toFixed(0)} MB`,
    }),
    row({
      scenario: s,
      metric: 'errors',
      value: errors,
      unit: '',
      target: '0',
      ok: (v) => v === 0,
      note: `answers: enter ${JSON.stringify(enters.statuses)}, status ${JSON.stringify(polls.statuses)}; ${holds.failed} holds failed`,
    }),
  ];
}

/** How long one cohort of buyers holds seats; well inside the access session a claim grants. */
const BUYER_COHORT_SECONDS = 240;
/** How far ahead of its turn a cohort is admitted and claims its access tokens. */
const COHORT_LEAD_SECONDS = 20;

interface HoldStreamResult {
  ok: number;
  failed: number;
  /** Latency of the hold requests, in ms. */
  p95: number;
}

/**
 * Holds one seat at a time at a fixed rate (open loop): hold i goes to cohort i / holdsPerCohort, whose buyer
 * i mod B takes seat i. Cohort k is admitted and claims its tokens COHORT_LEAD_SECONDS before its turn.
 */
async function holdStream(
  ctx: Ctx,
  setup: { concertId: number; scheduleId: number },
  cohorts: BenchFan[][],
  seats: number[],
  perSecond: number,
  seconds: number,
): Promise<HoldStreamResult> {
  const latencies: number[] = [];
  let ok = 0;
  let failed = 0;
  const inFlight: Array<Promise<void>> = [];
  const total = Math.min(perSecond * seconds, seats.length);
  const perCohort = Math.ceil((perSecond * seconds) / cohorts.length);
  const t0 = Date.now();
  const ready = cohorts.map((cohort, k) =>
    k === 0
      ? Promise.resolve()
      : sleep(Math.max(0, k * BUYER_COHORT_SECONDS - COHORT_LEAD_SECONDS) * 1000).then(() =>
          admitAndClaim(ctx.api, ctx.admin, setup.concertId, cohort),
        ),
  );
  // A cohort that fails to claim fails the run through its first hold, not as an unhandled rejection.
  for (const r of ready) r.catch(() => undefined);
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / perSecond;
    if (due > Date.now()) await sleep(due - Date.now());
    const k = Math.min(cohorts.length - 1, Math.floor(i / perCohort));
    await ready[k];
    const buyers = cohorts[k]!;
    const fan = buyers[i % buyers.length]!;
    const start = performance.now();
    inFlight.push(
      ctx.api
        .call('POST', '/api/v1/reservations', {
          token: fan.token,
          headers: { 'x-queue-token': fan.accessToken! },
          body: { scheduleId: setup.scheduleId, seatIds: [seats[i]!] },
        })
        .then(
          (res) => {
            latencies.push(performance.now() - start);
            if (res.status === 201) ok++;
            else {
              failed++;
              if (failed === 1) console.error(`  ! hold failed: ${res.status} ${JSON.stringify(res.body)}`);
            }
          },
          (err: Error) => {
            failed++;
            if (failed === 1) console.error(`  ! hold failed: ${err.message}`);
          },
        ),
    );
  }
  await Promise.all(inFlight);
  return { ok, failed, p95: summarize(latencies).p95 };
}
