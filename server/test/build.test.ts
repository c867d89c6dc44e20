import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { descendants } from '../../scripts/process-tree.mjs';
import { dropDatabase } from '../src/db/client.ts';
import { freePort } from '../src/recovery/testing.ts';
import { eventually } from './harness.ts';

/**
 * `npm start` as a user runs it: it builds what is missing or stale, then runs the bundled JavaScript with Node.
 * The built server must find its Lua scripts and migrations from dist/ and answer like the sources do.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const databaseUrl = `${inject('mysqlServerUrl')}/frontrow_build_${randomBytes(4).toString('hex')}`;
afterAll(() => dropDatabase(databaseUrl));

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('npm start', () => {
  it('runs the built server with node (no tsx in its process tree), which migrates, seeds and serves', async () => {
    const port = await freePort();
    let output = '';
    // Its own process group, so the test can signal npm, its shell and the server together.
    const npm = spawn('npm', ['start'], {
      cwd: root,
      detached: true,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? root,
        LOG_LEVEL: 'info',
        PORT: String(port),
        DATABASE_URL: databaseUrl,
        REDIS_URL: inject('redisUrl'),
        REDIS_PREFIX: `${inject('redisPrefix')}:build`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    npm.stdout?.on('data', (d) => {
      output += d;
    });
    npm.stderr?.on('data', (d) => {
      output += d;
    });
    const pid = npm.pid as number;
    let server: { pid: number; cmdline: string } | undefined;
    try {
      // The first start may build the SDK, the web demo and the server.
      const health = await eventually(
        async () => {
          const res = await fetch(`http://127.0.0.1:${port}/health`);
          return res.status === 200 ? res.json() : undefined;
        },
        240_000,
        `/health of the built server; output so far:\n${output}`,
      ).catch((err) => {
        throw new Error(`${err.message}\n${output}`);
      });
      expect(health.data.status).toBe('ok');

      const tree = descendants(pid);
      // npm runs the script through a shell; the server is the node process below it.
      server = tree.find((p) => p.cmdline.startsWith('node --enable-source-maps dist/server/main.js'));
      expect(server, tree.map((p) => p.cmdline).join('\n')).toBeDefined();
      expect(tree.filter((p) => p.cmdline.includes('tsx'))).toEqual([]);
      // The bundle is current: no source is newer than it.
      expect(statSync(`${root}/dist/server/main.js`).mtimeMs).toBeGreaterThanOrEqual(
        statSync(`${root}/server/src/main.ts`).mtimeMs,
      );

      // Migrations (drizzle/migrations) and the Lua scripts were found from the bundle: the demo concert is seeded
      // and its waiting room answers.
      await eventually(async () => {
        const res = await fetch(`http://127.0.0.1:${port}/ready`);
        return res.status === 200 ? true : undefined;
      }, 30_000);
      const base = `http://127.0.0.1:${port}/api/v1`;
      const concerts = await (await fetch(`${base}/concerts`)).json();
      expect(concerts.data[0].title).toContain('Frontrow Live');
      const { data: user } = await (
        await fetch(`${base}/auth/dev-token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ userId: 'built-fan' }),
        })
      ).json();
      const entered = await fetch(`${base}/concerts/${concerts.data[0].concertId}/queue`, {
        method: 'POST',
        headers: { authorization: `Bearer ${user.token}` },
      });
      expect(entered.status).toBe(201);
    } finally {
      process.kill(-pid, 'SIGTERM');
    }
    const serverPid = server?.pid;
    if (serverPid !== undefined) {
      await eventually(async () => (alive(serverPid) ? undefined : true), 20_000, 'the server to stop');
    }
    expect(output).toContain('stopped');
  }, 300_000);
});
