import { setTimeout as sleep } from 'node:timers/promises';
import { type BenchFan, createConcert, enterAll, openSale, seatsFor } from '../lib/api.ts';
import { type Ctx, check, type Row, row, type Scenario } from '../lib/context.ts';
import { type MergedReport, startFans } from '../lib/fans.ts';
import { summarizeHistogram } from '../lib/stats.ts';

/**
 * 4. Admission: N fans queue before the sale opens, each with a socket; the sale opens with a group of 2,000
 * per 1-second tick (BullMQ job scheduler, pre-queue shuffle, admit.lua) and we time every `queue:admitted`
 * notification against the admission time the server stamped. Baseline: a bare Socket.IO server sending the
 * same personal notifications at the same pace.
 */
export const admission: Scenario = {
  name: 'admission',
  title: 'fans admitted/s and notification p99',
  async run(ctx) {
    const n = ctx.sockets ?? (ctx.quick ? 6_000 : 10_000);
    const { concertId, fans } = await setUpQueue(ctx, n);
    const real = await admitAll(ctx, concertId, fans);
    await checkServed(ctx, concertId, n, real.report);
    const bare = await bareAdmissions(ctx, fans);
    drawChart(ctx, n, real, bare);
    return toRows(n, real, bare);
  },
};

const GROUP = 2_000;

/** The notifications the sockets got, and when the admissions began. */
interface Admitted {
  report: MergedReport;
  startedAt: number;
}

/** N fans queued in the join window, with a seat for every fan. */
async function setUpQueue(ctx: Ctx, n: number): Promise<{ concertId: number; fans: BenchFan[] }> {
  // A seat for every fan: admission stops when the fans let in could take every seat left.
  const { concertId } = await createConcert(ctx.api, ctx.admin, {
    bookingOpensInMs: 3_600_000,
    ...seatsFor(n),
  });
  const fans = await ctx.api.fans(`adm-${ctx.runId}`, n);
  await enterAll(ctx.api, concertId, fans);
  return { concertId, fans };
}

/** Every fan opens a socket; the sale opens with GROUP per 1-second tick and runs until nobody is waiting. */
async function admitAll(ctx: Ctx, concertId: number, fans: BenchFan[]): Promise<Admitted> {
  const n = fans.length;
  const real = await startFans({
    url: ctx.url,
    fans,
    readyWindowMs: ctx.readyWindowMs,
    logDir: ctx.logDir,
  });
  try {
    check(real.connected === n, `${real.connected} of ${n} sockets connected`);
    const startedAt = Date.now();
    await openSale(ctx.api, ctx.admin, concertId, {
      groupSize: GROUP,
      intervalSeconds: 1,
      maxActive: 1_000_000,
    });
    for (let waited = 0; waited < 120; waited++) {
      const view = await ctx.api.expect(200, 'GET', `/api/v1/admin/concerts/${concertId}/queue`, {
        token: ctx.admin,
      });
      if (view.waiting.total === 0) break;
      await sleep(1000);
    }
    await sleep(1000); // the last notifications in flight
    return { report: await real.report(), startedAt };
  } finally {
    await real.close();
  }
}

/** Every fan was served, the pre-queue shuffle covered them all, and each got its notification. */
async function checkServed(ctx: Ctx, concertId: number, n: number, got: MergedReport): Promise<void> {
  const view = await ctx.api.expect(200, 'GET', `/api/v1/admin/concerts/${concertId}/queue`, {
    token: ctx.admin,
  });
  check(view.waiting.total === 0 && view.served.normal === n, `served ${view.served.normal} of ${n}`);
  check(view.shuffle?.normal === n, `pre-queue shuffle covered ${view.shuffle?.normal} of ${n}`);
  check(got.admitted === n, `${got.admitted} admission notifications for ${n} fans`);
}

/** Baseline: the same sockets on a bare Socket.IO server, GROUP personal emits per second. */
async function bareAdmissions(ctx: Ctx, fans: BenchFan[]): Promise<Admitted> {
  const { url, proc } = await ctx.baseline('io');
  const bare = await startFans({
    url,
    fans: fans.map((f) => ({ userId: f.userId })),
    readyWindowMs: ctx.readyWindowMs,
    logDir: ctx.logDir,
  });
  try {
    const startedAt = Date.now();
    for (let i = 0; i < fans.length; i += GROUP) {
      proc.child.send({ type: 'admit', users: fans.slice(i, i + GROUP).map((f) => f.userId) });
      await sleep(1000);
    }
    await sleep(1000);
    return { report: await bare.report(), startedAt };
  } finally {
    await bare.close();
    proc.child.kill('SIGTERM');
  }
}

function drawChart(ctx: Ctx, n: number, real: Admitted, bare: Admitted): void {
  const perSecond = ({ report, startedAt }: Admitted) =>
    Object.entries(report.admittedPerSecond)
      .map(([s, c]) => [Number(s) - Math.floor(startedAt / 1000), c] as [number, number])
      .sort((a, b) => a[0] - b[0]);
  ctx.chart('admissions-per-second', {
    title: `Admission notifications per second (${n} fans, group ${GROUP}/s)`,
    xLabel: 'seconds since the sale opened',
    yLabel: 'fans/s',
    series: [
      { name: 'Frontrow', points: perSecond(real) },
      { name: 'bare Socket.IO', points: perSecond(bare) },
    ],
  });
}

function toRows(n: number, real: Admitted, bare: Admitted): Row[] {
  // From the open request to the last notification received: scheduler, shuffle, admit.lua and the push.
  const rate = (n / (real.report.lastAdmittedAt - real.startedAt)) * 1000;
  const baseRate = (n / (bare.report.lastAdmittedAt - bare.startedAt)) * 1000;
  const lat = summarizeHistogram(real.report.admittedLatency);
  const baseLat = summarizeHistogram(bare.report.admittedLatency);
  return [
    row({
      scenario: 'admission',
      metric: `fans admitted/s (group ${GROUP} per 1 s tick)`,
      value: rate,
      unit: 'fans/s',
      baseline: baseRate,
      target: '≥ 1,000',
      ok: (v) => v >= 1_000,
    }),
    row({
      scenario: 'admission',
      metric: 'notification p50',
      value: lat.p50,
      unit: 'ms',
      baseline: baseLat.p50,
    }),
    row({
      scenario: 'admission',
      metric: 'notification p99',
      value: lat.p99,
      unit: 'ms',
      baseline: baseLat.p99,
    }),
  ];
}
