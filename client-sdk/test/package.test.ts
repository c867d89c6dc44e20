import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * The package as npm would publish it: what `npm pack` puts in, what its exports map promises, how large the
 * browser bundle is, and that Node loads it both ways.
 */
const sdk = fileURLToPath(new URL('..', import.meta.url));
const repo = join(sdk, '..');

/** Gzipped bytes the browser bundle may weigh (socket.io-client included). */
const BROWSER_BUDGET_GZIP = 25 * 1024;

const manifest = JSON.parse(readFileSync(join(sdk, 'package.json'), 'utf8'));
let packed: string[];

beforeAll(() => {
  // The same lock-guarded step `npm start` and the type check take, so parallel test files never race a build.
  const built = spawnSync(process.execPath, [join(repo, 'scripts/build-if-stale.mjs'), 'sdk'], {
    stdio: 'inherit',
  });
  expect(built.status).toBe(0);
  // --ignore-scripts: the prepack build would start over from an empty dist/ under other test files' feet.
  const pack = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: sdk,
    encoding: 'utf8',
  });
  expect(pack.status, pack.stderr).toBe(0);
  packed = (JSON.parse(pack.stdout) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map(
    (f) => f.path,
  );
});

/**
 * The exports condition that points the repository's own workspaces (server, bench, tests) at the TypeScript
 * sources; no consumer of the published package sets it, so its files are not published.
 */
const SOURCE_CONDITION = 'frontrow-source';

/**
 * Every file path the manifest's entry fields and exports map name, without the leading `./`: those a consumer
 * resolves (`source: false`), or those under the workspace-only source condition (`source: true`).
 */
function namedFiles({ source = false } = {}): string[] {
  const out: string[] = [];
  const walk = (value: unknown, underSource: boolean) => {
    if (typeof value === 'string') {
      if (underSource === source) out.push(value.replace(/^\.\//, ''));
    } else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) walk(v, underSource || k === SOURCE_CONDITION);
    }
  };
  walk(manifest.exports, false);
  for (const field of ['main', 'module', 'types', 'unpkg', 'jsdelivr']) walk(manifest[field], false);
  return [...new Set(out)];
}

describe('npm pack', () => {
  it('holds every file the exports map and entry fields name', () => {
    const named = namedFiles();
    expect(named.length).toBeGreaterThan(5);
    expect(named.filter((f) => !packed.includes(f))).toEqual([]);
    expect(packed).toContain('README.md');
    if (existsSync(join(repo, 'LICENSE'))) expect(packed).toContain('LICENSE');
  });

  it('names, under the workspace-only source condition, sources that exist and beside a published build', () => {
    const sources = namedFiles({ source: true });
    expect(sources.length).toBeGreaterThan(1);
    expect(sources.filter((f) => !existsSync(join(sdk, f)))).toEqual([]);
    for (const [subpath, target] of Object.entries(manifest.exports as Record<string, unknown>)) {
      if (typeof target !== 'object' || target === null || !(SOURCE_CONDITION in target)) continue;
      // A subpath that only the workspace could resolve would fail every consumer.
      expect(Object.keys(target), subpath).toEqual([SOURCE_CONDITION, 'import', 'require']);
    }
  });

  it('leaves out tests, sources and build tooling', () => {
    const stray = packed.filter(
      (f) => /(^|\/)(test|src|scripts)\//.test(f) || /\.test\.|\.spec\.|tsconfig|\.tsbuildinfo$/.test(f),
    );
    expect(stray).toEqual([]);
  });

  it('ships a source map beside every script, carrying the sources it maps', () => {
    const scripts = packed.filter((f) => f.endsWith('.js'));
    expect(scripts.length).toBeGreaterThanOrEqual(4);
    expect(scripts.filter((f) => !packed.includes(`${f}.map`))).toEqual([]);
    for (const script of scripts) {
      // The sources are not in the package, so the maps must embed them for a debugger to show them.
      const map = JSON.parse(readFileSync(join(sdk, `${script}.map`), 'utf8'));
      expect(map.sourcesContent?.length, script).toBe(map.sources.length);
      expect(
        map.sourcesContent.filter((s: unknown) => typeof s !== 'string'),
        script,
      ).toEqual([]);
    }
  });

  it('ships declarations whose relative imports all resolve inside the package', () => {
    const declarations = packed.filter((f) => f.endsWith('.d.ts'));
    const broken: string[] = [];
    for (const file of declarations) {
      const text = readFileSync(join(sdk, file), 'utf8');
      for (const [, spec] of text.matchAll(/from\s+'(\.[^']+)'/g)) {
        const target = join(file, '..', (spec as string).replace(/\.js$/, '.d.ts'));
        if (!packed.includes(target)) broken.push(`${file} -> ${spec}`);
      }
    }
    expect(declarations.length).toBeGreaterThan(0);
    expect(broken).toEqual([]);
  });
});

describe('the browser bundle', () => {
  it(`stays within ${BROWSER_BUDGET_GZIP} bytes gzipped`, () => {
    for (const file of ['dist/browser/frontrow.iife.js', 'dist/browser/frontrow.esm.js']) {
      const gzipped = gzipSync(readFileSync(join(sdk, file)), { level: 9 }).length;
      console.log(`${file}: ${gzipped} bytes gzipped`);
      expect(gzipped, file).toBeLessThanOrEqual(BROWSER_BUDGET_GZIP);
    }
  });
});

describe('loading the package by name', () => {
  const run = (args: string[]) => spawnSync(process.execPath, args, { cwd: repo, encoding: 'utf8' });

  it('works from CommonJS (require) and ES modules (import)', () => {
    const cjs = run(['-e', "process.stdout.write(typeof require('@frontrow/client').createFrontrow)"]);
    expect(cjs.stderr).toBe('');
    expect(cjs.stdout).toBe('function');
    const esm = run([
      '--input-type=module',
      '-e',
      "const m = await import('@frontrow/client'); process.stdout.write(typeof m.FrontrowError)",
    ]);
    expect(esm.stderr).toBe('');
    expect(esm.stdout).toBe('function');
  });

  it('loads the dependency-free subpaths both ways, without socket.io-client', () => {
    const cjs = run([
      '-e',
      "const p = require('@frontrow/client/protocol'); process.stdout.write(String(p.ERROR_CODES.length > 0) + " +
        "Object.keys(require.cache).some((f) => f.includes('socket.io-client')))",
    ]);
    expect(cjs.stderr).toBe('');
    expect(cjs.stdout).toBe('truefalse');
    const esm = run([
      '--input-type=module',
      '-e',
      "const m = await import('@frontrow/client/draw'); process.stdout.write(typeof m.verifyDraw)",
    ]);
    expect(esm.stderr).toBe('');
    expect(esm.stdout).toBe('function');
  });
});
