// Start-up time and idle memory of the built server beside the sources under tsx: each run starts a fresh
// process on its own port and Redis prefix against one migrated database, times spawn to the first 200 from
// /health, then reads the resident set size (VmRSS) after 10 s idle, of the server process and of its whole
// process tree (tsx runs the server in a child process). Runs alternate between the two so load on the machine
// falls on both alike; an untimed start of each comes first. Usage (after `npm run build`, with MySQL and Redis up):
//   node scripts/measure-startup.mjs [runs per variant, default 3]
import { spawn, spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { descendants, rssKb } from './process-tree.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const runs = Number(process.argv[2] ?? 3);
const mysql = process.env.MEASURE_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';
const redisUrl = process.env.MEASURE_REDIS_URL ?? 'redis://127.0.0.1:6379';
const databaseUrl = `${mysql}/frontrow_startup_${Date.now().toString(36)}`;
const IDLE_MS = 10_000;

const variants = {
  'built (node --enable-source-maps dist/server/main.js)': [
    process.execPath,
    ['--enable-source-maps', 'dist/server/main.js'],
  ],
  'tsx server/src/main.ts': [
    `${root}node_modules/.bin/tsx`,
    ['--conditions=frontrow-source', 'server/src/main.ts'],
  ],
};

async function once(name, port, prefix, idleMs = IDLE_MS) {
  const [cmd, args] = variants[name];
  const started = performance.now();
  const child = spawn(cmd, args, {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      REDIS_PREFIX: prefix,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  let startupMs;
  while (startupMs === undefined) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health`);
      if (res.status === 200) startupMs = performance.now() - started;
    } catch {
      await sleep(10);
    }
  }
  await sleep(idleMs);
  const pids = [child.pid, ...descendants(child.pid).map((p) => p.pid)];
  // The server is the deepest node process: tsx's own process is its parent.
  const serverRss = rssKb(pids.at(-1));
  const treeRss = pids.reduce((sum, p) => sum + rssKb(p), 0);
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  const keys = spawnSync('redis-cli', ['-u', redisUrl, '--scan', '--pattern', `${prefix}*`], {
    encoding: 'utf8',
  })
    .stdout.split('\n')
    .filter(Boolean);
  if (keys.length > 0) spawnSync('redis-cli', ['-u', redisUrl, 'del', ...keys]);
  return { startupMs, serverRss, treeRss, processes: pids.length };
}

// Migrate once, so every timed run starts against the same ready database.
const migrate = spawnSync(process.execPath, ['dist/server/migrate-cli.js'], {
  cwd: root,
  env: { PATH: process.env.PATH, DATABASE_URL: databaseUrl, REDIS_URL: redisUrl },
  stdio: 'inherit',
});
if (migrate.status !== 0) process.exit(1);

// One untimed start of each first: it seeds the demo concert and warms the file cache and tsx's transform cache,
// so the timed runs compare steady restarts.
for (const name of Object.keys(variants)) {
  await once(name, 24_000 + Math.floor(Math.random() * 10_000), `frstartup:${Date.now().toString(36)}`, 0);
}

const results = Object.fromEntries(Object.keys(variants).map((n) => [n, []]));
for (let i = 0; i < runs; i++) {
  for (const name of Object.keys(variants)) {
    const port = 24_000 + Math.floor(Math.random() * 10_000);
    const r = await once(name, port, `frstartup:${Date.now().toString(36)}`);
    results[name].push(r);
    console.error(`${name} run ${i + 1}: ${JSON.stringify(r)}`);
  }
}
spawnSync('mysql', [
  '-h',
  '127.0.0.1',
  '-uroot',
  '-e',
  `DROP DATABASE ${new URL(databaseUrl).pathname.slice(1)}`,
]);

const mb = (kb) => (kb / 1024).toFixed(0);
console.log(
  '| Server | Run | Start-up to /health (ms) | Idle RSS, server process (MB) | Idle RSS, process tree (MB) |',
);
console.log('| --- | --- | --- | --- | --- |');
for (const [name, rs] of Object.entries(results)) {
  for (const [i, r] of rs.entries()) {
    console.log(`| ${name} | ${i + 1} | ${r.startupMs.toFixed(0)} | ${mb(r.serverRss)} | ${mb(r.treeRss)} |`);
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(
    `| ${name} | median | ${median(rs.map((r) => r.startupMs)).toFixed(0)} | ${mb(median(rs.map((r) => r.serverRss)))} | ${mb(median(rs.map((r) => r.treeRss)))} |`,
  );
}
