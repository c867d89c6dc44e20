/**
 * Real processes for the fault tests (never imported by production code): a redis-server of the test's own on a
 * free port and a temporary directory, which the test may stop, restart or flush (the shared Redis on 6379 and
 * MariaDB on 3306 are never touched), and a TCP proxy the test can cut or freeze in front of MySQL.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { eventually } from '../../test/harness.ts';

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export { eventually };

/** Rejects when `work` takes longer than `ms`: a hang fails the test instead of stalling it. */
export function within<T>(ms: number, work: Promise<T>, what = 'call'): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    work,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} hung for ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

export interface RedisProcess {
  url: string;
  /** Stops the server: SIGTERM saves the AOF (when persistent) first; SIGKILL loses what was not fsynced. */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Starts it again on the same port and directory (with its AOF when persistent). */
  start(): Promise<void>;
  flushAll(): Promise<void>;
  /** Kills it and removes its directory. */
  close(): Promise<void>;
}

/** A redis-server of the test's own; `persist` turns on AOF with fsync every second, as in docker-compose.yml. */
export async function startRedisServer(opts: { persist?: boolean } = {}): Promise<RedisProcess> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'frontrow-redis-'));
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  async function start() {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''];
    args.push('--appendonly', opts.persist ? 'yes' : 'no', '--appendfsync', 'everysec');
    const proc = spawn('redis-server', args, { stdio: 'ignore' });
    child = proc;
    exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => undefined);
    try {
      await eventually(
        async () => {
          if (probe.status !== 'ready') await probe.connect().catch(() => undefined);
          return (await probe.ping()) === 'PONG' ? true : undefined;
        },
        10_000,
        `redis-server on ${port}`,
      );
    } finally {
      probe.disconnect();
    }
  }

  async function stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM') {
    child?.kill(signal);
    await exited;
    child = undefined;
  }

  await start();
  return {
    url,
    start,
    stop,
    async flushAll() {
      const client = new Redis(url);
      await client.flushall();
      await client.quit();
    },
    async close() {
      await stop('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface TcpProxy {
  port: number;
  /** Refuses new connections and drops the open ones (the database is down). */
  down(): Promise<void>;
  /** Keeps every connection open but forwards nothing (the database hangs). */
  freeze(): void;
  up(): Promise<void>;
  close(): Promise<void>;
}

/** A TCP proxy in front of `target`, so a test can take a dependency away and bring it back. */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const port = await freePort();
  const sockets = new Set<Socket>();
  let frozen = false;
  let server: Server | undefined;

  function listen() {
    return new Promise<void>((resolve) => {
      server = createServer((client) => {
        if (frozen) {
          sockets.add(client);
          client.on('close', () => sockets.delete(client));
          client.on('error', () => undefined);
          return;
        }
        const upstream = connect(target.port, target.host);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => undefined);
        }
        client.on('data', (d) => {
          if (!frozen) upstream.write(d);
        });
        upstream.on('data', (d) => {
          if (!frozen) client.write(d);
        });
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
      });
      server.listen(port, '127.0.0.1', () => resolve());
    });
  }

  async function down() {
    frozen = false;
    const closing = server;
    server = undefined;
    // close() waits for every open connection to end: drop them first.
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => (closing ? closing.close(() => resolve()) : resolve()));
  }

  await listen();
  return {
    port,
    down,
    freeze() {
      frozen = true;
    },
    async up() {
      // Streams that dropped bytes while frozen are cut: the pool opens fresh connections.
      if (frozen) for (const s of sockets) s.destroy();
      frozen = false;
      if (!server) await listen();
    },
    close: down,
  };
}
