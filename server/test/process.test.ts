import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { dropDatabase } from '../src/db/client.ts';
import { freePort } from '../src/recovery/testing.ts';
import { eventually } from './harness.ts';

/**
 * The server from its sources (tsx, as `npm run dev` runs it), as a real process: it migrates a database it
 * creates itself, seeds the demo concert, serves, and stops cleanly on SIGTERM.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
// Node itself with tsx's loader, not the tsx command: the command runs the server as a child of its own, so a
// SIGKILL sent to it would leave the server running.
const serverArgs = ['--import', 'tsx', '--conditions=frontrow-source', 'server/src/main.ts'];

function start(env: Record<string, string>): {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
} {
  let out = '';
  const child = spawn(process.execPath, serverArgs, {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

const databaseUrl = `${inject('mysqlServerUrl')}/frontrow_proc_${randomBytes(4).toString('hex')}`;
afterAll(() => dropDatabase(databaseUrl));

describe('the server process', () => {
  it('creates and migrates its database, seeds the demo concert, serves, and stops on SIGTERM', async () => {
    const port = await freePort();
    const proc = start({
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      REDIS_URL: inject('redisUrl'),
      REDIS_PREFIX: `${inject('redisPrefix')}:proc`,
    });
    let serving = false;
    try {
      // Sources are compiled on load, which takes long on a busy machine; a server that exits fails the test at once.
      const ready = await Promise.race([
        eventually(
          async () => {
            const res = await fetch(`http://127.0.0.1:${port}/ready`);
            return res.status === 200 ? res : undefined;
          },
          90_000,
          '/ready',
        ),
        proc.exited.then((code) => {
          if (!serving) throw new Error(`the server exited with ${code}`);
        }),
      ]).catch((err) => {
        throw new Error(`${err.message}\n${proc.output()}`);
      });
      serving = true;
      expect(ready?.status).toBe(200);
      const concerts = await (await fetch(`http://127.0.0.1:${port}/api/v1/concerts`)).json();
      expect(concerts.data).toHaveLength(1);
      expect(concerts.data[0].title).toContain('Frontrow Live');
      const schedules = await (
        await fetch(`http://127.0.0.1:${port}/api/v1/concerts/${concerts.data[0].concertId}/schedules`)
      ).json();
      expect(schedules.data).toHaveLength(2);
      expect(schedules.data[0].totalSeats).toBeGreaterThanOrEqual(200);
    } finally {
      proc.child.kill('SIGTERM');
    }
    expect(await proc.exited).toBe(0);
    expect(proc.output()).toContain('stopped');
  }, 120_000);

  it('refuses to start with a bad variable and names it', async () => {
    const proc = start({ PORT: 'not-a-port', HOLD_MINUTES: '-5' });
    expect(await proc.exited).toBe(1);
    expect(proc.output()).toContain('PORT');
    expect(proc.output()).toContain('HOLD_MINUTES');
  });

  it('says how to get Redis when it does not answer', async () => {
    const proc = start({ REDIS_URL: 'redis://127.0.0.1:1', DATABASE_URL: databaseUrl });
    expect(await proc.exited).toBe(1);
    expect(proc.output()).toMatch(/Redis does not answer[\s\S]*apt-get install -y redis-server/);
  });
});
