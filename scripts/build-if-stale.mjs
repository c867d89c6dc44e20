// Builds what `npm start` (and the tests and type checks that read built files) needs, but only the parts whose
// output is missing or older than a source: the SDK package, the web demo (which imports the SDK package), and
// the server bundle. Usage: `node scripts/build-if-stale.mjs [sdk] [web-demo] [server]` (default: all three).
// Several processes may ask at once (parallel test files): a lock directory lets one build while the others
// wait, then find the output fresh.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function viteBin() {
  // Vite's `exports` do not list its CLI; find it through its package.json, which they do list.
  const manifest = createRequire(join(root, 'web-demo/package.json')).resolve('vite/package.json');
  return join(dirname(manifest), JSON.parse(readFileSync(manifest, 'utf8')).bin.vite);
}

const targets = {
  sdk: {
    output: 'client-sdk/dist/esm/index.js',
    sources: [
      'client-sdk/src',
      'client-sdk/scripts',
      'client-sdk/package.json',
      'client-sdk/tsconfig.build.json',
    ],
    command: () => [process.execPath, ['client-sdk/scripts/build.mjs'], root],
  },
  'web-demo': {
    output: 'web-demo/dist/index.html',
    sources: [
      'web-demo/src',
      'web-demo/index.html',
      'web-demo/admin.html',
      'web-demo/vite.config.ts',
      'client-sdk/dist/esm/index.js',
    ],
    command: () => [process.execPath, [viteBin(), 'build', '--logLevel', 'warn'], join(root, 'web-demo')],
  },
  server: {
    output: 'dist/server/main.js',
    sources: [
      'server/src',
      'drizzle/schema.ts',
      'client-sdk/src',
      'scripts/build-server.mjs',
      'server/package.json',
    ],
    command: () => [process.execPath, ['scripts/build-server.mjs'], root],
  },
};
// The web demo bundles the built SDK, so the SDK is brought up to date first.
const needs = { sdk: [], 'web-demo': ['sdk'], server: [] };

function newest(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = 0;
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules' || entry === 'dist' || entry.endsWith('.test.ts')) continue;
    latest = Math.max(latest, newest(join(path, entry)));
  }
  return latest;
}

function isStale(name) {
  const { output, sources } = targets[name];
  const out = join(root, output);
  return !existsSync(out) || statSync(out).mtimeMs < Math.max(...sources.map((s) => newest(join(root, s))));
}

const lock = join(root, 'node_modules/.cache/frontrow-build.lock');
const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

function withLock(fn) {
  mkdirSync(dirname(lock), { recursive: true });
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      // A build that died holding the lock leaves it behind; none takes this long.
      if (Date.now() - statSync(lock, { throwIfNoEntry: false })?.mtimeMs > 10 * 60_000) {
        rmSync(lock, { recursive: true, force: true });
      } else if (Date.now() > deadline) {
        throw new Error(`another build has held ${lock} for too long`);
      }
      sleep(200);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function bring(name, done) {
  if (done.has(name)) return;
  for (const need of needs[name]) bring(need, done);
  done.add(name);
  if (!isStale(name)) return;
  const [cmd, args, cwd] = targets[name].command();
  console.log(`[build] ${name} is missing or older than its sources; building it`);
  const result = spawnSync(cmd, args, { cwd, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`[build] building ${name} failed`);
}

const asked = process.argv.slice(2);
for (const name of asked) {
  if (!(name in targets)) {
    console.error(`unknown target ${name}; one of ${Object.keys(targets).join(', ')}`);
    process.exit(1);
  }
}
try {
  withLock(() => {
    const done = new Set();
    for (const name of asked.length > 0 ? asked : Object.keys(targets)) bring(name, done);
  });
} catch (err) {
  console.error(err.message);
  process.exitCode = 1;
}
