import { type BenchFan, createConcert } from '../lib/api.ts';
import { check, type Row, row, type Scenario } from '../lib/context.ts';
import { expectStatuses, type LoadResult, load } from '../lib/load.ts';
import { procStats } from '../lib/procs.ts';
import { hasWrk, wrk } from '../lib/wrk.ts';

/**
 * 1. Enter-queue and status requests per second and latency, closed-loop and at a fixed arrival rate, beside a
 * bare Hono JSON route. Checks that every new entry got a dense lane sequence (1..n, no gap, no repeat).
 */
export const http: Scenario = {
  name: 'http',
  title: 'enter and status req/s beside a bare Hono route',
  async run(ctx) {
    const seconds = ctx.quick ? 8 : 20;
    const connections = 64;
    // The join window is open but the sale is not: nobody is admitted while we count entries.
    const { concertId } = await createConcert(ctx.api, ctx.admin, { bookingOpensInMs: 3_600_000 });
    // Enough for every enter to carry a token the server has not seen: the first request of a fan is the one to
    // measure (a repeat is answered from the verified-token memory and the idempotent path).
    const fans: BenchFan[] = await ctx.api.fans(`enter-${ctx.runId}`, ctx.quick ? 200_000 : 480_000);
    const auth = (f: BenchFan) => ({ authorization: `Bearer ${f.token}` });
    const queuePath = `/api/v1/concerts/${concertId}/queue`;

    // Closed-loop rows use wrk where it is installed: autocannon on one core caps the bare route below what the
    // server can answer, and every ratio would move with that cap.
    const useWrk = await hasWrk();
    const closedLoop = (spec: { url: string; method?: 'GET' | 'POST'; tokens?: string[] }) =>
      useWrk
        ? wrk({ ...spec, connections, durationSeconds: seconds })
        : load({
            url: spec.url,
            method: spec.method,
            connections,
            durationSeconds: seconds,
            next: spec.tokens
              ? ((tokens) => {
                  let i = 0;
                  return () => ({ headers: { authorization: `Bearer ${tokens[i++ % tokens.length]}` } });
                })(spec.tokens)
              : undefined,
          });
    const generator = useWrk ? 'wrk' : 'autocannon';

    const { url: baseUrl, proc } = await ctx.baseline('http');
    const base = (method: 'GET' | 'POST', rate?: number) =>
      rate
        ? load({ url: `${baseUrl}/json`, method, connections, durationSeconds: seconds, rate })
        : closedLoop({ url: `${baseUrl}/json`, method });
    let b: Record<'enter' | 'enterRate' | 'status' | 'statusRate', LoadResult>;
    try {
      await load({ url: `${baseUrl}/json`, connections, durationSeconds: 2 }); // warm-up
      b = {
        enter: await base('POST'),
        enterRate: await base('POST', 8_000),
        status: await base('GET'),
        statusRate: await base('GET', 12_000),
      };
    } finally {
      proc.child.kill('SIGTERM');
    }

    // Warm-up on the real routes: status of a fan who is not queued (no entry made).
    await load({
      url: `${ctx.url}${queuePath}/me`,
      connections,
      durationSeconds: 2,
      next: () => ({ headers: auth(fans[fans.length - 1]!) }),
    });
    let used = 0;
    const enter = async (rate?: number) => {
      if (!rate) {
        // Fresh fans from the start of the list while they last, then repeats (200, the idempotent path).
        const r = await closedLoop({
          url: ctx.url + queuePath,
          method: 'POST',
          tokens: fans.map((f) => f.token),
        });
        // Requests still in flight when the run ended may have reached the server.
        used = r.total + connections;
        return r;
      }
      return load({
        url: ctx.url + queuePath,
        method: 'POST',
        connections,
        durationSeconds: seconds,
        rate,
        next: () => ({ headers: auth(fans[used++ % fans.length]!) }),
      });
    };
    // Where the time goes: the server's and Redis's CPU over a closed-loop run, as a share of one core.
    const redisPid = Number(/process_id:(\d+)/.exec(await ctx.redis.info('server'))?.[1]);
    const busy = async <T>(run: () => Promise<T>): Promise<[T, string]> => {
      const cpu = () =>
        [ctx.server.pid, redisPid].map((pid) => (pid ? procStats(pid).cpuSeconds : Number.NaN));
      const [server0, redis0] = cpu();
      const t0 = performance.now();
      const result = await run();
      const seconds = (performance.now() - t0) / 1000;
      const [server1, redis1] = cpu();
      const share = (a = 0, b = 0) => `${Math.round(((b - a) / seconds) * 100)}%`;
      return [result, `server CPU ${share(server0, server1)}, Redis ${share(redis0, redis1)}`];
    };
    const [enterClosed, enterCpu] = await busy(() => enter());
    const enterRate = await enter(8_000);
    for (const r of [enterClosed, enterRate]) expectStatuses('enter', r, [200, 201]);
    const created = (enterClosed.statuses['201'] ?? 0) + (enterRate.statuses['201'] ?? 0);
    // Requests cut off in flight when a run ends may or may not have reached the server.
    const entered = await ctx.redis.zcard(`${ctx.redisPrefix}:{c:${concertId}}:lane:normal`);
    check(
      created <= entered && entered <= Math.min(used, fans.length),
      `${entered} fans queued: ${created} answered 201, ${Math.min(used, fans.length)} distinct fans sent`,
    );

    // Dense lane sequences straight from Redis: scores 1..n.
    const lane = `${ctx.redisPrefix}:{c:${concertId}}:lane:normal`;
    const scores = await ctx.redis.zrange(lane, '0', '-1', 'WITHSCORES');
    const seqs = scores.filter((_, i) => i % 2 === 1).map(Number);
    check(
      seqs.every((s, i) => s === i + 1),
      'lane sequences are not dense 1..n',
    );

    let polled = 0;
    const status = (rate?: number) =>
      rate
        ? load({
            url: `${ctx.url}${queuePath}/me`,
            connections,
            durationSeconds: seconds,
            rate,
            next: () => ({ headers: auth(fans[polled++ % entered]!) }),
          })
        : closedLoop({
            url: `${ctx.url}${queuePath}/me`,
            tokens: fans.slice(0, entered).map((f) => f.token),
          });
    const [statusClosed, statusCpu] = await busy(() => status());
    const statusRate = await status(12_000);
    for (const r of [statusClosed, statusRate]) expectStatuses('status', r, [200]);

    const s = 'http';
    const fresh = (r: LoadResult) =>
      `${(r.statuses['201'] ?? 0).toLocaleString('en-US')} of ${r.total.toLocaleString('en-US')} fresh fans`;
    /** The targets are ratios to the bare route measured in this run (issue 19); absolute figures vary by machine. */
    const rps = (metric: string, r: LoadResult, baseline: LoadResult, min?: number, note?: string): Row =>
      row({
        scenario: s,
        metric,
        value: r.rps,
        unit: 'req/s',
        baseline: baseline.rps,
        ...(min
          ? { target: `≥ ${min.toFixed(2)}×`, ok: (_v: number, ratio?: number) => (ratio ?? 0) >= min }
          : {}),
        ...(note ? { note } : {}),
      });
    const latency =
      (p: 'p50' | 'p99') =>
      (metric: string, r: LoadResult, baseline: LoadResult, max?: number): Row =>
        row({
          scenario: s,
          metric,
          value: r[p],
          unit: 'ms',
          baseline: baseline[p],
          ...(max ? { target: `≤ ${max} ms`, ok: (v: number) => v <= max } : {}),
        });
    const [p50, p99] = [latency('p50'), latency('p99')];
    return [
      rps(
        `enter closed-loop (${generator}, ${connections} conn)`,
        enterClosed,
        b.enter,
        0.4,
        `${fresh(enterClosed)}; ${enterCpu}`,
      ),
      p50('enter closed-loop p50', enterClosed, b.enter),
      p99('enter closed-loop p99', enterClosed, b.enter, 50),
      rps('enter at 8,000/s offered', enterRate, b.enterRate, undefined, fresh(enterRate)),
      p99('enter at 8,000/s p99', enterRate, b.enterRate, 100),
      rps(`status closed-loop (${generator}, ${connections} conn)`, statusClosed, b.status, 0.6, statusCpu),
      p50('status closed-loop p50', statusClosed, b.status),
      p99('status closed-loop p99', statusClosed, b.status, 25),
      rps('status at 12,000/s offered', statusRate, b.statusRate),
      p99('status at 12,000/s p99', statusRate, b.statusRate),
    ];
  },
};
