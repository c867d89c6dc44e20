import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const script = join(root, 'scripts/check-lockfile.mjs');
const check = (lockfile: string) => spawnSync(process.execPath, [script, lockfile], { encoding: 'utf8' });

describe('the lockfile check', () => {
  it('accepts the committed lockfile', () => {
    const result = check(join(root, 'package-lock.json'));
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it("fails and names the package when another platform's optional package is left out", () => {
    const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
    const platformKey = Object.keys(lock.packages).find((k) => k.startsWith('node_modules/@esbuild/'));
    expect(platformKey).toBeDefined();
    delete lock.packages[platformKey as string];
    const file = join(mkdtempSync(join(tmpdir(), 'fr-lock-')), 'package-lock.json');
    writeFileSync(file, JSON.stringify(lock));

    const result = check(file);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain((platformKey as string).slice('node_modules/'.length));
    expect(result.stderr).toContain('optional dependency of node_modules/esbuild');
  });
});
