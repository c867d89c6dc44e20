// Fails when package-lock.json leaves out an optional dependency of a locked package. npm writes every
// platform's optional packages into the lockfile (esbuild's @esbuild/*, Biome's @biomejs/cli-*, Rollup's
// @rollup/rollup-*), and `npm ci` on another OS or CPU refuses a lockfile that lacks them, even when this machine
// installs fine. Usage: `node scripts/check-lockfile.mjs [path/to/package-lock.json]`.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const file = resolve(process.argv[2] ?? 'package-lock.json');
const lock = JSON.parse(readFileSync(file, 'utf8'));
if (lock.lockfileVersion < 2 || !lock.packages) {
  console.error(
    `${file}: lockfileVersion ${lock.lockfileVersion} has no "packages" map; regenerate it with npm 7+`,
  );
  process.exit(1);
}
const packages = lock.packages;

/** Where Node would find `name` from the package at `from` (a lockfile key): its own node_modules, then each parent's. */
function locate(from, name) {
  let dir = from;
  for (;;) {
    const key = dir === '' ? `node_modules/${name}` : `${dir}/node_modules/${name}`;
    if (key in packages) return key;
    if (dir === '') return undefined;
    const cut = dir.lastIndexOf('/node_modules/');
    // A workspace folder ("server") or a top-level package ("node_modules/x") resolves next from the root.
    dir = cut === -1 ? '' : dir.slice(0, cut);
  }
}

const missing = [];
let checked = 0;
for (const [key, entry] of Object.entries(packages)) {
  for (const name of Object.keys(entry.optionalDependencies ?? {})) {
    checked++;
    if (!locate(key, name)) missing.push(`${name} (optional dependency of ${key || 'the root package'})`);
  }
}
if (missing.length > 0) {
  console.error(`${file} lacks ${missing.length} optional package(s) that other platforms install:`);
  for (const m of missing) console.error(`  - ${m}`);
  console.error('Regenerate it: rm package-lock.json && npm install --package-lock-only');
  process.exit(1);
}
console.log(`${file}: all ${checked} optional dependencies are locked`);
