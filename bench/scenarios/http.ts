import { readFileSync } from 'node:fs';
import { type BenchFan, createConcert } from '../lib/api.ts';
import { type Ctx, check, type Row, row, type Scenario } from '../lib/context.ts';
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
    const loads = await loadGenerators(ctx.quick ? 8 : 20, 64);
    // The join window is open but the sale is not: nobody is admitted while we count entries.
    const { concertId } = await createConcert(ctx.api, ctx.admin, { bookingOpensInMs: 3_600_000 });
    // Enough for every enter to carry a token the server has not seen: the first request of a fan is the one to
    // measure (a repeat is answered from the verified-token memory and the idempotent path).
    const fans: BenchFan[] = await ctx.api.fans(`enter-${ctx.runId}`, ctx.quick ? 200_000 : 480_000);
    const queuePath = `/api/v1/concerts/${concertId}/queue`;
    // The floors check the tokens of as many fans as the status run polls, in the same order.
    const baseline = await measureBaseline(ctx, loads, fans.slice(0, ctx.quick ? 20_000 : 50_000));
    // Warm-up on the real routes: status of a fan who is not queued (no entry made).
    await load({
      url: `${ctx.url}${queuePath}/me`,
      connections: loads.connections,
      durationSeconds: 2,
      next: () => ({ headers: auth(fans[fans.length - 1]!) }),
    });
    const busy = await cpuMeter(ctx);
    const enters = await measureEnters(ctx, loads, queuePath, fans, busy);
    const entered = await checkEntries(ctx, concertId, enters, fans.length);
    const statuses = await measureStatus(ctx, loads, queuePath, fans.slice(0, entered), busy);
    return toRows(loads, baseline, enters, statuses);
  },
};

const auth = (f: BenchFan) => ({ authorization: `Bearer ${f.token}` });

/** How the scenario loads a route: closed-loop through wrk or autocannon, or at a fixed rate through autocannon. */
interface Loads {
  seconds: number;
  connections: number;
  /** The tool behind the closed-loop runs. */
  generator: 'wrk' | 'autocannon';
  closedLoop(spec: { url: string; method?: 'GET' | 'POST'; tokens?: string[] }): Promise<LoadResult>;
}

/** A closed-loop run and a run at a fixed rate of one route. */
interface Measured {
  closed: LoadResult;
  /** The server's and Redis's CPU over the closed-loop run. */
  cpu: string;
  rate: LoadResult;
}

type Baseline = Record<
  'enter' | 'enterRate' | 'status' | 'statusRate' | 'redisFloor' | 'tokenFloor' | 'statusFloor',
  LoadResult
>;

/** Measures `run` and the server's and Redis's CPU over it, as a share of one core. */
type CpuMeter = <T>(run: () => Promise<T>) => Promise<[T, string]>;

async function loadGenerators(seconds: number, connections: number): Promise<Loads> {
  // Closed-loop rows use wrk where it is installed: autocannon on one core caps the bare route below what the
  // server can answer, and every ratio would move with that cap.
  const useWrk = await hasWrk();
  return {
    seconds,
    connections,
    generator: useWrk ? 'wrk' : 'autocannon',
    closedLoop: (spec) =>
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
          }),
  };
}

/**
 * The bare Hono JSON route under the same four loads as the real routes, and its floors: with one Redis script
 * call, with the server's check of the user token, and with both (the tokens of `fans`, as status sends them).
 */
async function measureBaseline(
  ctx: Ctx,
  { seconds, connections, closedLoop }: Loads,
  fans: BenchFan[],
): Promise<Baseline> {
  const { url: baseUrl, proc } = await ctx.baseline('http');
  const base = (method: 'GET' | 'POST', rate?: number) =>
    rate
      ? load({ url: `${baseUrl}/json`, method, connections, durationSeconds: seconds, rate })
      : closedLoop({ url: `${baseUrl}/json`, method });
  const tokens = fans.map((f) => f.token);
  try {
    await load({ url: `${baseUrl}/json`, connections, durationSeconds: 2 }); // warm-up
    return {
      enter: await base('POST'),
      enterRate: await base('POST', 8_000),
      status: await base('GET'),
      statusRate: await base('GET', 12_000),
      redisFloor: await closedLoop({ url: `${baseUrl}/redis` }),
      tokenFloor: await answered('token check', closedLoop({ url: `${baseUrl}/token`, tokens })),
      statusFloor: await answered(
        'token check and script call',
        closedLoop({ url: `${baseUrl}/token/redis`, tokens }),
      ),
    };
  } finally {
    proc.child.kill('SIGTERM');
  }
}

/** A run whose every answer was a 200 (a refused token would make a floor of 401s). */
async function answered(what: string, run: Promise<LoadResult>): Promise<LoadResult> {
  const r = await run;
  expectStatuses(what, r, [200]);
  return r;
}

/** The MySQL server's process id, when it runs on this machine (its `pid_file`); undefined otherwise. */
async function mysqlServerPid(ctx: Ctx): Promise<number | undefined> {
  try {
    const [rows] = await ctx.db.query("SHOW VARIABLES LIKE 'pid_file'");
    const file = (rows as Array<{ Value: string }>)[0]?.Value;
    return file ? Number(readFileSync(file, 'utf8').trim()) || undefined : undefined;
  } catch {
    return undefined;
  }
}

/** Where the time goes: the server's, the worker's, Redis's and MySQL's CPU over a run, as a share of one core. */
async function cpuMeter(ctx: Ctx): Promise<CpuMeter> {
  const redisPid = Number(/process_id:(\d+)/.exec(await ctx.redis.info('server'))?.[1]);
  return async (run) => {
    const mysqlPid = await mysqlServerPid(ctx);
    const procs: Array<[string, number | undefined]> = [
      ['server CPU', ctx.server.pid],
      ['worker', ctx.worker?.pid],
      ['Redis', redisPid],
      ['MySQL', mysqlPid],
    ];
    const cpu = () => procs.map(([, pid]) => (pid ? procStats(pid).cpuSeconds : Number.NaN));
    const before = cpu();
    const t0 = performance.now();
    const result = await run();
    const seconds = (performance.now() - t0) / 1000;
    const after = cpu();
    const shares = procs
      .map(([name], i) => [name, Math.round(((after[i]! - before[i]!) / seconds) * 100)] as const)
      .filter(([, share]) => Number.isFinite(share))
      .map(([name, share]) => `${name} ${share}%`);
    return [result, shares.join(', ')];
  };
}

/**
 * Enters closed-loop (with its CPU), then at 8,000/s offered. `used` is how many fans' tokens may have reached
 * the server.
 */
async function measureEnters(
  ctx: Ctx,
  { seconds, connections, closedLoop }: Loads,
  queuePath: string,
  fans: BenchFan[],
  busy: CpuMeter,
): Promise<Measured & { used: number }> {
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
  const [closed, cpu] = await busy(() => enter());
  const rate = await enter(8_000);
  for (const r of [closed, rate]) expectStatuses('enter', r, [200, 201]);
  return { closed, cpu, rate, used };
}

/**
 * As many fans queued as the answers and the fans sent allow, with dense lane sequences straight from Redis
 * (scores 1..n). Returns how many fans are queued.
 */
async function checkEntries(
  ctx: Ctx,
  concertId: number,
  enters: Measured & { used: number },
  fanCount: number,
): Promise<number> {
  const created = (enters.closed.statuses['201'] ?? 0) + (enters.rate.statuses['201'] ?? 0);
  // Requests cut off in flight when a run ends may or may not have reached the server.
  const entered = await ctx.redis.zcard(`${ctx.redisPrefix}:{c:${concertId}}:lane:normal`);
  const sent = Math.min(enters.used, fanCount);
  check(
    created <= entered && entered <= sent,
    `${entered} fans queued: ${created} answered 201, ${sent} distinct fans sent`,
  );

  const lane = `${ctx.redisPrefix}:{c:${concertId}}:lane:normal`;
  const scores = await ctx.redis.zrange(lane, '0', '-1', 'WITHSCORES');
  const seqs = scores.filter((_, i) => i % 2 === 1).map(Number);
  check(
    seqs.every((s, i) => s === i + 1),
    'lane sequences are not dense 1..n',
  );
  return entered;
}

/** Status polls of the queued fans, closed-loop (with its CPU), then at 12,000/s offered. */
async function measureStatus(
  ctx: Ctx,
  { seconds, connections, closedLoop }: Loads,
  queuePath: string,
  queued: BenchFan[],
  busy: CpuMeter,
): Promise<Measured> {
  let polled = 0;
  const status = (rate?: number) =>
    rate
      ? load({
          url: `${ctx.url}${queuePath}/me`,
          connections,
          durationSeconds: seconds,
          rate,
          next: () => ({ headers: auth(queued[polled++ % queued.length]!) }),
        })
      : closedLoop({
          url: `${ctx.url}${queuePath}/me`,
          tokens: queued.map((f) => f.token),
        });
  const [closed, cpu] = await busy(() => status());
  const rate = await status(12_000);
  for (const r of [closed, rate]) expectStatuses('status', r, [200]);
  return { closed, cpu, rate };
}

function toRows({ connections, generator }: Loads, b: Baseline, enter: Measured, status: Measured): Row[] {
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
      enter.closed,
      b.enter,
      0.4,
      `${fresh(enter.closed)}; ${enter.cpu}`,
    ),
    p50('enter closed-loop p50', enter.closed, b.enter),
    p99('enter closed-loop p99', enter.closed, b.enter, 50),
    rps('enter at 8,000/s offered', enter.rate, b.enterRate, undefined, fresh(enter.rate)),
    p99('enter at 8,000/s p99', enter.rate, b.enterRate, 100),
    rps(`status closed-loop (${generator}, ${connections} conn)`, status.closed, b.status, 0.6, status.cpu),
    p50('status closed-loop p50', status.closed, b.status),
    p99('status closed-loop p99', status.closed, b.status, 25),
    rps(
      `bare route + one Redis script call (${generator}, ${connections} conn)`,
      b.redisFloor,
      b.status,
      undefined,
      'the floor of a route that answers from Redis; baseline: the bare GET route',
    ),
    p99('bare route + one Redis script call p99', b.redisFloor, b.status),
    rps(
      `bare route + the server's user-token check (${generator}, ${connections} conn)`,
      b.tokenFloor,
      b.status,
      undefined,
      "status fans' tokens, answered from the verifier's memory; baseline: the bare GET route",
    ),
    rps(
      `bare route + token check + one Redis script call (${generator}, ${connections} conn)`,
      b.statusFloor,
      b.status,
      undefined,
      'the floor of status: it must know the fan and ask Redis; baseline: the bare GET route',
    ),
    rps('status at 12,000/s offered', status.rate, b.statusRate),
    p99('status at 12,000/s p99', status.rate, b.statusRate),
  ];
}
