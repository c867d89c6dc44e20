import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const sdk = fileURLToPath(new URL('../../client-sdk/src', import.meta.url));

function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

/** Builds web-demo/dist with Vite unless it is newer than every source it comes from (pages, src, the SDK). */
export function ensureWebDemoBuilt(): void {
  const built = join(root, 'dist/index.html');
  const sources = Math.max(
    newest(join(root, 'src')),
    newest(sdk),
    statSync(join(root, 'index.html')).mtimeMs,
    statSync(join(root, 'admin.html')).mtimeMs,
  );
  if (existsSync(built) && statSync(built).mtimeMs >= sources) return;
  // Vite's `exports` do not list its CLI; find it through its package.json, which they do list.
  const manifest = createRequire(import.meta.url).resolve('vite/package.json');
  const bin = (JSON.parse(readFileSync(manifest, 'utf8')) as { bin: { vite: string } }).bin.vite;
  const vite = join(dirname(manifest), bin);
  const result = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (result.status !== 0) throw new Error('vite build of the web demo failed');
}
