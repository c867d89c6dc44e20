// Builds the published package: ESM and CJS bundles for Node and bundlers (socket.io-client stays a dependency),
// a self-contained browser bundle (IIFE global `Frontrow`, and ESM) with socket.io-client inside, and the .d.ts
// files from tsc. Run with `npm run build -w @frontrow/client`.
//
// Beside the main entry, the dependency-free modules are entry points of their own (the `./protocol`, `./draw`,
// ... subpaths of package.json `exports`), so a server or a verifier can import the wire contract or the draw
// without socket.io-client.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const entry = join(root, 'src/index.ts');
/** package.json `exports` subpaths beside `.`, each built from src/<name>.ts to <format>/<name>.js. */
const subpaths = ['protocol', 'draw', 'position', 'wait-range', 'webhooks'];
const entries = Object.fromEntries(
  ['index', ...subpaths].map((name) => [name, join(root, `src/${name}.ts`)]),
);
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const banner = { js: `/* ${pkg.name} ${pkg.version} */` };

rmSync(dist, { recursive: true, force: true });

const lib = {
  entryPoints: [entry],
  bundle: true,
  platform: 'neutral',
  target: 'es2022',
  sourcemap: true,
  banner,
};
await Promise.all([
  build({
    ...lib,
    entryPoints: entries,
    format: 'esm',
    outdir: join(dist, 'esm'),
    external: ['socket.io-client'],
  }),
  build({
    ...lib,
    entryPoints: entries,
    format: 'cjs',
    platform: 'node',
    outdir: join(dist, 'cjs'),
    external: ['socket.io-client'],
  }),
  build({
    ...lib,
    platform: 'browser',
    format: 'iife',
    globalName: 'Frontrow',
    minify: true,
    outfile: join(dist, 'browser/frontrow.iife.js'),
  }),
  build({
    ...lib,
    platform: 'browser',
    format: 'esm',
    minify: true,
    outfile: join(dist, 'browser/frontrow.esm.js'),
  }),
]);
// The cjs folder says so itself, so Node and TypeScript read its index.js and .d.ts files as CommonJS.
writeFileSync(join(dist, 'cjs/package.json'), '{ "type": "commonjs" }\n');

// Declarations: tsc keeps the sources' `.ts` specifiers in .d.ts files; published ones must name `.js`.
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], {
  stdio: 'inherit',
});
if (result.status !== 0) process.exit(result.status ?? 1);
const types = join(dist, 'types');
for (const file of readdirSync(types)) {
  const path = join(types, file);
  writeFileSync(path, readFileSync(path, 'utf8').replace(/(from\s+'\.\/[\w-]+)\.ts'/g, "$1.js'"));
}
for (const target of ['esm', 'cjs']) {
  mkdirSync(join(dist, target), { recursive: true });
  cpSync(types, join(dist, target), { recursive: true });
}
rmSync(types, { recursive: true });

// npm packs a LICENSE file from the package's own folder; the project's one lives at the repository root.
const license = join(root, '../LICENSE');
if (existsSync(license)) cpSync(license, join(root, 'LICENSE'));
console.log(`built ${pkg.name} into ${dist}`);
