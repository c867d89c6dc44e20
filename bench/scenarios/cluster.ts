import { createServer } from 'node:net';
import { join } from 'node:path';
import { createServices, type Services } from '@frontrow/server/compose';
import { loadConfig } from '@frontrow/server/config/index';
import { createLogger } from '@frontrow/server/logging/logger';
import { cli, clusterNodes, startCluster } from '@frontrow/server/test/redis-procs';
import calculateSlot from 'cluster-key-slot';
import { Api, type BenchFan, createConcert } from '../lib/api.ts';
import { type Ctx, check, type Row, row, type Scenario } from '../lib/context.ts';
import { expectStatuses, type LoadResult, load } from '../lib/load.ts';
import { type Proc, procStats, spawnNode, stop, waitReady } from '../lib/procs.ts';

/**
 * Redis Cluster beside standalone Redis, in one run. A local three-primary cluster (redis-server on
 * BENCH_CLUSTER_PORTS, default 7201-7203) gets an API and a worker process of its own, on a database of its own;
 * the same enter and status loads as the http scenario then run against the standalone deployment (the baseline)
 * and the cluster one.
 *
 * One sale lives in one slot, so one shard carries all of its enters. The shard's ceiling is measured without HTTP:
 * this process drives the enter step (waiting room service, enter script and status read) of one concert as fast
 * as it can, while the CPU of the redis-server owning the concert's slot is read from /proc; the same drive then
 * runs over three concerts on three different primaries at once.
 */
export const cluster: Scenario = {
  name: 'cluster',
  title: 'enter and status on a 3-primary Redis Cluster beside standalone Redis; one shard’s enter ceiling',
  async run(ctx) {
    const ports = (process.env.BENCH_CLUSTER_PORTS ?? '7201,7202,7203').split(',').map(Number);
    const redisCluster = await startCluster(ports);
    const database = `${new URL(ctx.env.DATABASE_URL!).pathname.slice(1)}_cluster`;
    const clusterEnv = {
      ...ctx.env,
      REDIS_CLUSTER_NODES: redisCluster.seeds,
      DATABASE_URL: new URL(`/${database}`, ctx.env.DATABASE_URL).toString(),
    };
    const procs: Proc[] = [];
    const services: Services[] = [];
    try {
      const url = await startClusterServers(ctx, clusterEnv, procs);
      const clusterApi = new Api(url, ctx.env.AUTH_JWT_SECRET!);
      const clusterAdmin = await clusterApi.devToken('bench-admin', 'admin');
      const fans = await ctx.api.fans(`cluster-${ctx.runId}`, ctx.quick ? 40_000 : 100_000);
      const targets: Targets = {
        standalone: { api: ctx.api, admin: ctx.admin, url: ctx.url },
        cluster: { api: clusterApi, admin: clusterAdmin, url },
      };
      const { http, concerts } = await measureHttp(ctx, targets, fans);

      // The enter step without HTTP, driven from here through the services each deployment runs.
      const logger = createLogger('silent');
      // Hundreds of calls in flight from one process: a command may wait longer than the request path's deadline.
      const patient = { REDIS_COMMAND_TIMEOUT_MS: '30000' };
      const standalone = await createServices(loadConfig({ ...ctx.env, ...patient }), { logger });
      services.push(standalone);
      const onCluster = await createServices(loadConfig({ ...clusterEnv, ...patient }), { logger });
      services.push(onCluster);
      await checkLanes({ standalone, cluster: onCluster }, concerts);
      const drives = await measureEnterStep(ctx, ports, { standalone, cluster: onCluster }, targets.cluster);
      return toRows(http, drives);
    } finally {
      for (const s of services) await s.close().catch(() => undefined);
      for (const p of procs.reverse()) await stop(p);
      await redisCluster.close();
      await ctx.db.query(`DROP DATABASE IF EXISTS \`${database}\``).catch(() => undefined);
    }
  },
};

type Deployment = 'standalone' | 'cluster';

/** Where each deployment's API answers, and as whom the scenario administers it. */
type Targets = Record<Deployment, { api: Api; admin: string; url: string }>;

type HttpResults = Record<Deployment, { enter: LoadResult; status: LoadResult }>;

interface Drives {
  oneStandalone: DriveResult;
  oneShard: DriveResult;
  threeShards: DriveResult;
}

/**
 * An API and a worker process on the cluster and the cluster's database, pushed onto `procs` as they start (the
 * caller stops them). Returns the API's URL.
 */
async function startClusterServers(
  ctx: Ctx,
  clusterEnv: Record<string, string>,
  procs: Proc[],
): Promise<string> {
  const root = join(import.meta.dirname, '../..');
  const start = async (name: string, role: 'api' | 'worker', log: string) => {
    const port = await freePort();
    const proc = spawnNode(
      name,
      join(root, 'server/src/main.ts'),
      { ...clusterEnv, ROLE: role, PORT: String(port) },
      join(ctx.logDir, log),
    );
    procs.push(proc);
    const url = `http://127.0.0.1:${port}`;
    await waitReady(proc, `${url}/ready`, 120_000);
    return url;
  };
  const url = await start('server-cluster', 'api', 'server-cluster.log');
  await start('server-cluster-worker', 'worker', 'worker-cluster.log');
  return url;
}

/**
 * A concert on each deployment, then the same loads on both, one deployment after the other: a status warm-up,
 * enters closed-loop, status polls closed-loop.
 */
async function measureHttp(
  ctx: Ctx,
  targets: Targets,
  fans: BenchFan[],
): Promise<{ http: HttpResults; concerts: Record<Deployment, number> }> {
  const seconds = ctx.quick ? 8 : 15;
  const connections = 64;
  // The join window is open, the sale is not: nobody is admitted while entries are counted.
  const http: Record<string, { enter: LoadResult; status: LoadResult }> = {};
  const concerts: Record<string, number> = {};
  for (const [name, target] of Object.entries(targets)) {
    concerts[name] = (
      await createConcert(target.api, target.admin, { bookingOpensInMs: 3_600_000 })
    ).concertId;
  }
  const queuePath = (name: string) => `/api/v1/concerts/${concerts[name]}/queue`;
  const auth = (f: BenchFan) => ({ authorization: `Bearer ${f.token}` });
  const used: Record<string, number> = { standalone: 0, cluster: 0 };
  for (const [name, target] of Object.entries(targets)) {
    await load({
      url: `${target.url}${queuePath(name)}/me`,
      connections,
      durationSeconds: 2,
      next: () => ({ headers: auth(fans[fans.length - 1]!) }),
    });
  }
  const enter: Record<string, LoadResult> = {};
  for (const [name, target] of Object.entries(targets)) {
    enter[name] = await load({
      url: target.url + queuePath(name),
      method: 'POST',
      connections,
      durationSeconds: seconds,
      // Fresh fans while they last, then repeats (200, the idempotent path).
      next: () => ({ headers: auth(fans[used[name]!++ % fans.length]!) }),
    });
    expectStatuses(`enter on ${name}`, enter[name]!, [200, 201]);
  }
  for (const [name, target] of Object.entries(targets)) {
    const entered = Math.min(used[name]!, fans.length);
    let polled = 0;
    const status = await load({
      url: `${target.url}${queuePath(name)}/me`,
      connections,
      durationSeconds: seconds,
      next: () => ({ headers: auth(fans[polled++ % entered]!) }),
    });
    expectStatuses(`status on ${name}`, status, [200]);
    http[name] = { enter: enter[name]!, status };
  }
  return { http: http as HttpResults, concerts: concerts as Record<Deployment, number> };
}

/** The HTTP enters gave every deployment's concert dense lane sequences (1..n). */
async function checkLanes(services: Record<Deployment, Services>, concerts: Record<Deployment, number>) {
  for (const [name, s] of [
    ['standalone', services.standalone],
    ['cluster', services.cluster],
  ] as const) {
    const concertId = concerts[name];
    const lane = await s.redis.zrange(s.keys.lane(concertId, 'normal'), '0', '-1', 'WITHSCORES');
    const seqs = lane.filter((_, i) => i % 2 === 1).map(Number);
    check(seqs.length > 0 && seqs.every((v, i) => v === i + 1), `${name}: lane sequences are not dense 1..n`);
  }
}

/**
 * The enter step without HTTP: one concert on the standalone Redis, one on a cluster shard, then three on three
 * different shards, each drive reading the CPU of the redis-servers that own its concerts.
 */
async function measureEnterStep(
  ctx: Ctx,
  ports: number[],
  services: Record<Deployment, Services>,
  onCluster: Targets['cluster'],
): Promise<Drives> {
  const driveSeconds = ctx.quick ? 5 : 10;
  const pidOf = async (port: number) =>
    Number(/process_id:(\d+)/.exec(await cli(port, 'INFO', 'server'))?.[1]);
  const standalonePort = Number(new URL(ctx.env.REDIS_URL!).port || 6379);
  const standalonePid = await pidOf(standalonePort);
  const owners = await slotOwners(ports[0]!);

  const shardPid = new Map<number, number>();
  for (const p of ports) shardPid.set(p, await pidOf(p));
  const pidOfConcert = (concertId: number) => shardPid.get(owners(concertId))!;

  const [standaloneSale] = await concertsOnShards(ctx.api, ctx.admin, 1, null);
  const oneStandalone = await drive(services.standalone, [standaloneSale!], driveSeconds, [standalonePid]);
  const [clusterSale] = await concertsOnShards(onCluster.api, onCluster.admin, 1, owners);
  const oneShard = await drive(services.cluster, [clusterSale!], driveSeconds, [pidOfConcert(clusterSale!)]);
  const spread = await concertsOnShards(onCluster.api, onCluster.admin, 3, owners);
  const threeShards = await drive(services.cluster, spread, driveSeconds, spread.map(pidOfConcert));
  return { oneStandalone, oneShard, threeShards };
}

function toRows(http: HttpResults, { oneStandalone, oneShard, threeShards }: Drives): Row[] {
  const s = 'cluster';
  const cmp = (metric: string, value: number, baseline: number, unit: string, note?: string): Row =>
    row({ scenario: s, metric, value, unit, baseline, ...(note ? { note } : {}) });
  const a = http.standalone!;
  const c = http.cluster!;
  const cpu = (d: DriveResult) => d.cpu.map((x) => `${Math.round(x * 100)}%`).join(', ');
  const ceiling = oneShard.rate / Math.max(...oneShard.cpu);
  return [
    cmp('enter closed-loop (64 conn), cluster (baseline: standalone)', c.enter.rps, a.enter.rps, 'req/s'),
    cmp('enter closed-loop p99, cluster (baseline: standalone)', c.enter.p99, a.enter.p99, 'ms'),
    cmp('status closed-loop (64 conn), cluster (baseline: standalone)', c.status.rps, a.status.rps, 'req/s'),
    cmp('status closed-loop p99, cluster (baseline: standalone)', c.status.p99, a.status.p99, 'ms'),
    cmp(
      'enter step, one sale, no HTTP: cluster shard (baseline: standalone Redis)',
      oneShard.rate,
      oneStandalone.rate,
      'enter/s',
      `redis-server CPU: shard ${cpu(oneShard)}, standalone ${cpu(oneStandalone)}`,
    ),
    row({
      scenario: s,
      metric: 'single-shard ceiling (estimate): one sale’s enters at 100% of its shard’s CPU',
      value: ceiling,
      unit: 'enter/s',
      note: `the measured drive above divided by the shard's CPU share (${cpu(oneShard)})`,
    }),
    cmp(
      'enter step, three sales on three shards at once (baseline: one sale)',
      threeShards.rate,
      oneShard.rate,
      'enter/s',
      `redis-server CPU per shard: ${cpu(threeShards)}`,
    ),
  ];
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** For a concert, the port of the primary that owns its hash tag's slot. */
async function slotOwners(seedPort: number): Promise<(concertId: number) => number> {
  const ranges: Array<{ from: number; to: number; port: number }> = [];
  for (const n of await clusterNodes(seedPort)) {
    for (const r of n.slots) {
      const [from, to] = r.split('-').map(Number);
      if (from !== undefined && !Number.isNaN(from)) ranges.push({ from, to: to ?? from, port: n.port });
    }
  }
  return (concertId) => {
    const slot = calculateSlot(`{c:${concertId}}`);
    const owner = ranges.find((r) => slot >= r.from && slot <= r.to);
    if (!owner) throw new Error(`no primary owns slot ${slot}`);
    return owner.port;
  };
}

/** `count` new concerts in their join window; on a cluster, each on a primary none of the others uses. */
async function concertsOnShards(
  api: Api,
  admin: string,
  count: number,
  owners: ((concertId: number) => number) | null,
): Promise<number[]> {
  const ids: number[] = [];
  const taken = new Set<number>();
  for (let tries = 0; ids.length < count; tries++) {
    if (tries > 50) throw new Error(`no ${count} concerts on ${count} different shards`);
    const { concertId } = await createConcert(api, admin, { bookingOpensInMs: 3_600_000 });
    const shard = owners?.(concertId) ?? 0;
    if (owners && taken.has(shard)) continue;
    taken.add(shard);
    ids.push(concertId);
  }
  return ids;
}

interface DriveResult {
  rate: number;
  /** CPU share (1 = one core) of each concert's redis-server over the drive. */
  cpu: number[];
}

const CALLERS = 384;

/**
 * Enters fresh fans into `concertIds` as fast as CALLERS concurrent callers (split over the concerts) get answers, for `seconds`,
 * through the waiting room service (sale cache, enter script, status read), and reads the CPU the Redis processes
 * in `pids` spent meanwhile. Checks that every concert's tickets stayed dense.
 */
async function drive(
  s: Services,
  concertIds: number[],
  seconds: number,
  pids: number[],
): Promise<DriveResult> {
  for (const concertId of concertIds)
    await s.waitingRoom.enter(concertId, { id: `warm-${concertId}`, tier: 'normal' });
  const cpu0 = pids.map((pid) => procStats(pid).cpuSeconds);
  const t0 = Date.now();
  const until = t0 + seconds * 1000;
  let done = 0;
  let next = 0;
  const caller = async (concertId: number) => {
    while (Date.now() < until) {
      const { created } = await s.waitingRoom.enter(concertId, { id: `d-${next++}`, tier: 'normal' });
      if (created) done++;
    }
  };
  // The same number of callers however many concerts share them: a difference is the shards', not concurrency's.
  await Promise.all(
    concertIds.flatMap((c) =>
      Array.from({ length: Math.ceil(CALLERS / concertIds.length) }, () => caller(c)),
    ),
  );
  const elapsed = (Date.now() - t0) / 1000;
  const cpu = pids.map((pid, i) => (procStats(pid).cpuSeconds - cpu0[i]!) / elapsed);
  for (const concertId of concertIds) {
    const tickets = Number(await s.redis.get(s.keys.ticketSeq(concertId)));
    const fans = await s.redis.hlen(s.keys.fans(concertId));
    check(tickets === fans, `concert ${concertId}: ${fans} fans hold tickets 1..${tickets}`);
  }
  return { rate: done / elapsed, cpu };
}
