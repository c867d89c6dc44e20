import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '@frontrow/server/config/index';
import { createRedisConnections, deleteByPrefix, type RedisClient } from '@frontrow/server/redis/client';
import mysql from 'mysql2/promise';
import { Api } from './lib/api.ts';
import type { Ctx, Row, Scenario } from './lib/context.ts';
import { loadAverage, type Proc, pinCores, pinnedCores, spawnNode, stopAll, waitReady } from './lib/procs.ts';
import { printTable, type RunInfo, writeReport } from './lib/report.ts';
import { lineChart } from './lib/svg.ts';
import { admission } from './scenarios/admission.ts';
import { cluster } from './scenarios/cluster.ts';
import { drop } from './scenarios/drop.ts';
import { holds } from './scenarios/holds.ts';
import { http } from './scenarios/http.ts';
import { payments } from './scenarios/payments.ts';
import { polling } from './scenarios/polling.ts';
import { pow } from './scenarios/pow.ts';
import { push } from './scenarios/push.ts';
import { queued } from './scenarios/queued.ts';
import { waits } from './scenarios/waits.ts';

/**
 * `npm run bench [-- --quick | --soak] [--pin] [--only a,b] [--sockets N] [--single-process] [--no-wait | --max-wait S]`:
 * starts its own API and worker processes against a fresh database and key prefix, runs the scenarios (each beside
 * a baseline measured now, on this machine), prints the table and writes bench/results/<date>.{json,md} with SVG
 * plots. Everything it made is removed at the end.
 *
 * `--pin`: the API servers and the baselines run on core 0 (`taskset -c 0`); this process, which generates the
 * HTTP load, the socket fans and the worker on core 1. Redis and MySQL are not pinned.
 */

// The order of priority, which is also the run order.
const SCENARIOS: Scenario[] = [
  http,
  holds,
  payments,
  admission,
  push,
  polling,
  drop,
  queued,
  waits,
  pow,
  cluster,
];

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const soak = args.includes('--soak');
const single = args.includes('--single-process');
const onlyArg = args.indexOf('--only');
const only = onlyArg >= 0 ? (args[onlyArg + 1] ?? '').split(',') : undefined;
const socketsArg = args.indexOf('--sockets');
const sockets = socketsArg >= 0 ? Number(args[socketsArg + 1]) : undefined;
const waitForLoad = !args.includes('--no-wait') && !only;
const maxWaitArg = args.indexOf('--max-wait');
const maxWait = maxWaitArg >= 0 ? Number(args[maxWaitArg + 1]) : 900;
const pin = args.includes('--pin');
// Read before --pin narrows this process's affinity to one core, which availableParallelism() follows.
const cpus = availableParallelism();

const startedAt = new Date();
const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
const runId = `${startedAt.toISOString().slice(0, 19).replace(/\D/g, '')}_${randomBytes(2).toString('hex')}`;
const root = join(import.meta.dirname, '..');
const resultsDir = join(import.meta.dirname, 'results');
const logDir = join('/tmp', `frbench-${runId}`);
const database = `frontrow_bench_${runId}`;
const redisPrefix = `frbench:${runId}`;
const mysqlUrl = process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';
const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const secret = randomBytes(32).toString('hex');
const port = 4300 + Math.floor(Math.random() * 500);
let nextPort = port + 1;

const env: Record<string, string> = {
  PORT: String(port),
  HOST: '127.0.0.1',
  DATABASE_URL: `${mysqlUrl}/${database}`,
  REDIS_URL: redisUrl,
  REDIS_PREFIX: redisPrefix,
  NODE_ENV: 'development',
  DEMO_DATA: 'false',
  LOG_LEVEL: 'warn',
  AUTH_JWT_SECRET: secret,
  RATE_LIMIT_QUEUE_PER_USER: '0',
  RATE_LIMIT_BOOKING_PER_USER: '0',
  RATE_LIMIT_PER_IP: '0',
  RATE_LIMIT_SOCKET_EVENTS: '0',
  // Each fan process holds thousands of sockets from one source address.
  SOCKET_MAX_PER_ADDRESS: '0',
  MAX_ACTIVE_USERS: '1000000',
  MAX_QUEUE_SIZE: '10000000',
  // 256 hot-run buyers must be able to hold 2,000 seats between them.
  MAX_SEATS_PER_USER: '16',
  MAX_BALANCE: '1000000000',
};

async function cleanup(admin?: mysql.Connection, redis?: RedisClient) {
  await stopAll();
  await admin?.query(`DROP DATABASE IF EXISTS \`${database}\``).catch(() => undefined);
  if (redis) await deleteByPrefix(redis, redisPrefix);
}

async function main() {
  mkdirSync(resultsDir, { recursive: true });
  mkdirSync(logDir, { recursive: true });
  if (pin) {
    if (cpus < 2) throw new Error('--pin needs two cores');
    pinCores('0', '1');
  }
  const mode = `${soak ? 'soak' : quick ? 'quick' : 'full'}${pin ? ', pinned' : ''}`;
  console.log(`Frontrow bench ${runId} (${mode}); logs in ${logDir}`);

  let loadBefore = loadAverage();
  let waited = 0;
  if (waitForLoad) {
    // The box is shared: wait (by default up to 15 minutes) for the 1-minute load to drop below 1.0, then go either way.
    while (loadBefore >= 1.0 && waited < maxWait) {
      console.log(`  load ${loadBefore.toFixed(2)} ≥ 1.0: waiting 30 s (${waited} s so far)`);
      await sleep(30_000);
      waited += 30;
      loadBefore = loadAverage();
    }
  }

  const measuredFrom = new Date().toISOString();
  const adminConn = await mysql.createConnection(mysqlUrl);
  // The bench's own connections, made the way the server makes its own (the same variables).
  const connections = createRedisConnections(loadConfig(env).redis);
  const redis = connections.open('bull-worker');
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) return;
    interrupted = true;
    console.error('\ninterrupted: cleaning up');
    void cleanup(adminConn, redis).finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // A stray rejection must not leave a database and keys behind.
  process.on('unhandledRejection', (err) => {
    console.error('unhandled rejection:', err);
    onSignal();
  });

  const rows: Row[] = [];
  const errors: RunInfo['errors'] = [];
  const charts: string[] = [];
  const base = join(resultsDir, stamp);
  const info = (): RunInfo => ({
    runId,
    startedAt: startedAt.toISOString(),
    measuredFrom,
    finishedAt: new Date().toISOString(),
    mode,
    loadBefore,
    loadWaitedSeconds: waited,
    loadAfter: loadAverage(),
    machine: { cpus, node: process.version, pinned: pinnedCores() },
    errors,
    notes: [
      'value/baseline = ratio; baselines run in the same run on the same machine.',
      'Latencies are wrk figures where a row names wrk, autocannon figures (closed-loop or at a fixed offered rate) otherwise, or times measured by the harness.',
    ],
  });
  let pool: mysql.Pool | undefined;
  try {
    // As deployed (docker-compose.yml): an API process and a worker process (admission, holds' expiry, queued
    // reservations, write-behind), unless --single-process runs every role in one.
    const main = join(root, 'server/src/main.ts');
    const server = spawnNode(
      'server',
      main,
      single ? env : { ...env, ROLE: 'api' },
      join(logDir, 'server.log'),
    );
    const url = `http://127.0.0.1:${port}`;
    await waitReady(server, `${url}/ready`, 120_000);
    let worker: Proc | undefined;
    if (!single) {
      const workerPort = nextPort++;
      worker = spawnNode(
        'server-worker',
        main,
        { ...env, ROLE: 'worker', PORT: String(workerPort) },
        join(logDir, 'worker.log'),
      );
      await waitReady(worker, `http://127.0.0.1:${workerPort}/ready`, 120_000);
    }
    pool = mysql.createPool({ uri: `${mysqlUrl}/${database}`, connectionLimit: 64 });
    const api = new Api(url, secret);
    const ctx: Ctx = {
      quick,
      soak,
      sockets,
      runId,
      env,
      api,
      url,
      admin: await api.devToken('bench-admin', 'admin'),
      server,
      worker,
      db: pool,
      redis,
      connections,
      redisPrefix,
      logDir,
      readyWindowMs: 5 * 60_000,
      async baseline(kind) {
        const p = nextPort++;
        const proc = spawnNode(
          `baseline-${kind}`,
          join(import.meta.dirname, `lib/baseline-${kind}.ts`),
          { ...env, PORT: String(p) },
          join(logDir, `baseline-${kind}-${p}.log`),
          { ipc: kind !== 'http' },
        );
        const base = `http://127.0.0.1:${p}`;
        if (kind === 'http') await waitReady(proc, `${base}/json`);
        else await new Promise((resolve) => proc.child.once('message', resolve));
        return { url: base, proc };
      },
      async extraServer() {
        const p = nextPort++;
        const proc = spawnNode(
          `server-${p}`,
          join(root, 'server/src/main.ts'),
          { ...env, PORT: String(p), ROLE: 'api' },
          join(logDir, `server-${p}.log`),
        );
        const extra = `http://127.0.0.1:${p}`;
        await waitReady(proc, `${extra}/ready`, 120_000);
        return { url: extra, proc };
      },
      chart(file, spec) {
        const name = `${stamp}-${file}.svg`;
        writeFileSync(join(resultsDir, name), lineChart(spec));
        charts.push(name);
      },
      shared: new Map(),
    };

    for (const scenario of SCENARIOS) {
      if (only && !only.includes(scenario.name)) continue;
      console.log(`\n▶ ${scenario.name}: ${scenario.title} (load ${loadAverage().toFixed(2)})`);
      const t0 = Date.now();
      try {
        const got = await scenario.run(ctx);
        rows.push(...got);
        printTable(got);
      } catch (err) {
        const message = (err as Error).message;
        console.error(`  ✗ ${scenario.name} failed: ${message}`);
        errors.push({ scenario: scenario.name, error: message });
      }
      console.log(`  (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
      // Written after every scenario: a run cut short still leaves its report.
      writeReport(base, info(), rows, charts);
      if (interrupted) return;
    }
  } finally {
    await pool?.end().catch(() => undefined);
    await cleanup(adminConn, redis);
    await adminConn.end();
    redis.disconnect();
  }

  console.log('\n== Summary');
  printTable(rows);
  for (const e of errors) console.log(`FAILED ${e.scenario}: ${e.error}`);
  writeReport(base, info(), rows, charts);
  console.log(`\nwrote ${base}.json and ${base}.md`);
  process.exit(errors.length > 0 ? 1 : 0);
}

main().catch((err) => {
  console.error(err);
  void stopAll().finally(() => process.exit(1));
});
