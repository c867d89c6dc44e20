import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('../../scripts/build-if-stale.mjs', import.meta.url));

/**
 * Builds web-demo/dist (and the SDK package it imports) unless it is newer than every source it comes from; the
 * same step `npm start` takes, so parallel test files wait for one build instead of racing.
 */
export function ensureWebDemoBuilt(): void {
  const result = spawnSync(process.execPath, [script, 'web-demo'], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error('building the web demo failed');
}
