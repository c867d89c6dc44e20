import { setTimeout as sleep } from 'node:timers/promises';
import { createConcert, enterAll, openSale, seatsFor } from '../lib/api.ts';
import { check, row, type Scenario } from '../lib/context.ts';
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
    const group = 2_000;
    // A seat for every fan: admission stops when the fans let in could take every seat left.
    const { concertId } = await createConcert(ctx.api, ctx.admin, {
      bookingOpensInMs: 3_600_000,
      ...seatsFor(n),
    });
    const fans = await ctx.api.fans(`adm-${ctx.runId}`, n);
    await enterAll(ctx.api, concertId, fans);

    const real = await startFans({
      url: ctx.url,
      fans,
      readyWindowMs: ctx.readyWindowMs,
      logDir: ctx.logDir,
    });
    let got: MergedReport;
    let t0: number;
    try {
      check(real.connected === n, `${real.connected} of ${n} sockets connected`);
      t0 = Date.now();
      await openSale(ctx.api, ctx.admin, concertId, {
        groupSize: group,
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
      got = await real.report();
    } finally {
      await real.close();
    }
    const view = await ctx.api.expect(200, 'GET', `/api/v1/admin/concerts/${concertId}/queue`, {
      token: ctx.admin,
    });
    check(view.waiting.total === 0 && view.served.normal === n, `served ${view.served.normal} of ${n}`);
    check(view.shuffle?.normal === n, `pre-queue shuffle covered ${view.shuffle?.normal} of ${n}`);
    check(got.admitted === n, `${got.admitted} admission notifications for ${n} fans`);
    // From the open request to the last notification received: scheduler, shuffle, admit.lua and the push.
    const rate = (n / (got.lastAdmittedAt - t0)) * 1000;

    // Baseline: the same sockets on a bare Socket.IO server, 2,000 personal emits per second.
    const { url, proc } = await ctx.baseline('io');
    const bare = await startFans({
      url,
      fans: fans.map((f) => ({ userId: f.userId })),
      readyWindowMs: ctx.readyWindowMs,
      logDir: ctx.logDir,
    });
    let base: MergedReport;
    let b0: number;
    try {
      b0 = Date.now();
      for (let i = 0; i < n; i += group) {
        proc.child.send({ type: 'admit', users: fans.slice(i, i + group).map((f) => f.userId) });
        await sleep(1000);
      }
      await sleep(1000);
      base = await bare.report();
    } finally {
      await bare.close();
      proc.child.kill('SIGTERM');
    }
    const baseRate = (n / (base.lastAdmittedAt - b0)) * 1000;

    const perSecond = (r: MergedReport, start: number) =>
      Object.entries(r.admittedPerSecond)
        .map(([s, c]) => [Number(s) - Math.floor(start / 1000), c] as [number, number])
        .sort((a, b) => a[0] - b[0]);
    ctx.chart('admissions-per-second', {
      title: `Admission notifications per second (${n} fans, group ${group}/s)`,
      xLabel: 'seconds since the sale opened',
      yLabel: 'fans/s',
      series: [
        { name: 'Frontrow', points: perSecond(got, t0) },
        { name: 'bare Socket.IO', points: perSecond(base, b0) },
      ],
    });

    const lat = summarizeHistogram(got.admittedLatency);
    const baseLat = summarizeHistogram(base.admittedLatency);
    return [
      row({
        scenario: 'admission',
        metric: `fans admitted/s (group ${group} per 1 s tick)`,
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
  },
};
