import { setTimeout as sleep } from 'node:timers/promises';
import { admitAndClaim, createConcert, openSale, seatIds } from '../lib/api.ts';
import { checkSeats } from '../lib/checks.ts';
import { check, row, type Scenario } from '../lib/context.ts';
import { startFans } from '../lib/fans.ts';
import { expectStatuses, paced } from '../lib/load.ts';
import { summarize } from '../lib/stats.ts';

/**
 * 7. Queued reservations (POST /api/v2/reservations) offered at 1,000 requests/s on distinct seats, each fan with
 * a socket: decided per second and the time from submit to the `reservation:update` push. Beside the synchronous
 * holds/s of scenario 5. Skipped (not failed) while the /api/v2 routes answer 404.
 */
export const queued: Scenario = {
  name: 'queued',
  title: 'queued reservations decided/s and submit-to-push p99',
  async run(ctx) {
    const probe = await ctx.api.call('GET', '/api/v2/queue/health');
    if (probe.status === 404) {
      console.log('  skipped: /api/v2 routes answer 404 (queued reservations not built yet)');
      return [
        row({ scenario: 'queued', metric: 'skipped: /api/v2 not available', value: Number.NaN, unit: '' }),
      ];
    }
    const rate = 1_000;
    const seconds = ctx.quick ? 10 : 20;
    const total = rate * seconds;
    const setup = await createConcert(ctx.api, ctx.admin, { rows: total / 200, seatsPerRow: 200 });
    await openSale(ctx.api, ctx.admin, setup.concertId, { maxActive: 1_000_000 });
    // Five requests per fan, one every five seconds: under the per-fan pending limit while decisions keep up.
    const buyers = await ctx.api.fans(`queued-${ctx.runId}`, total / 5);
    await admitAndClaim(ctx.api, ctx.admin, setup.concertId, buyers);
    const seats = await seatIds(ctx.api, buyers[0]!, setup);
    const fans = await startFans({
      url: ctx.url,
      fans: buyers,
      readyWindowMs: ctx.readyWindowMs,
      logDir: ctx.logDir,
    });
    try {
      check(fans.connected === buyers.length, `${fans.connected} of ${buyers.length} sockets connected`);
      const submitted = new Map<string, number>();
      const t0 = Date.now();
      // Evenly paced arrivals: autocannon's rate would send each second's 1,000 as one burst (lib/load.ts).
      const sent = await paced({
        url: ctx.url,
        method: 'POST',
        connections: 250,
        amount: total,
        rate,
        next: (i) => {
          const fan = buyers[i % buyers.length]!;
          return {
            path: '/api/v2/reservations',
            headers: {
              authorization: `Bearer ${fan.token}`,
              'x-queue-token': fan.accessToken!,
              'content-type': 'application/json',
            },
            body: JSON.stringify({ scheduleId: setup.scheduleId, seatIds: [seats[i]!] }),
          };
        },
        onResponse: (status, body, _i, dueAt) => {
          if (status === 202) submitted.set(JSON.parse(body).data.requestId, dueAt);
        },
      });
      const statuses = sent.statuses;
      const offered = sent.rps;
      // Wait for every accepted request's decision to be pushed.
      for (let waited = 0; waited < 120; waited++) {
        const stats = await ctx.api.call('GET', `/api/v2/queue/stats/${setup.concertId}`, {
          token: ctx.admin,
        });
        const s = stats.body?.data;
        if (s && s.pending.total === 0 && s.processing === 0) break;
        await sleep(1000);
      }
      await sleep(1500);
      const report = await fans.report();

      expectStatuses('queued submits', sent, [202, 429]);
      const latencies: number[] = [];
      let completed = 0;
      let last = 0;
      for (const [id, start] of submitted) {
        const update = report.updates[id];
        check(update, `request ${id} never got its reservation:update`);
        if (update[0] === 'COMPLETED') completed++;
        latencies.push(update[1] - start);
        last = Math.max(last, update[1]);
      }
      const seatState = await checkSeats(ctx.db, setup.scheduleId);
      check(seatState.held === completed, `${seatState.held} seats HELD for ${completed} completed requests`);
      const decided = (submitted.size / (last - t0)) * 1000;
      const sync = ctx.shared.get('holds') as { rps: number } | undefined;
      const p = summarize(latencies);
      return [
        row({
          scenario: 'queued',
          metric: `decided/s (offered ${Math.round(offered)}/s; baseline: sync holds/s)`,
          value: decided,
          unit: 'req/s',
          ...(sync ? { baseline: sync.rps } : {}),
          target: '≥ 1,000',
          ok: (v) => v >= 1_000,
          note: `${submitted.size} accepted, ${statuses['429'] ?? 0} rate-limited, ${completed} completed`,
        }),
        row({
          scenario: 'queued',
          metric: 'submit-to-push p99',
          value: p.p99,
          unit: 'ms',
          target: '≤ 500 ms',
          ok: (v) => v <= 500,
        }),
        row({ scenario: 'queued', metric: 'submit-to-push p50', value: p.p50, unit: 'ms' }),
        row({
          scenario: 'queued',
          metric: 'submit (202) p50 / p99',
          value: sent.p50,
          unit: 'ms',
          note: `p99 ${sent.p99} ms`,
        }),
      ];
    } finally {
      await fans.close();
    }
  },
};
