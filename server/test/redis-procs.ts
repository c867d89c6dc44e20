/**
 * Real Redis topologies for tests, from the installed `redis-server` and `redis-cli` (never imported by production
 * code): a Redis Cluster of N primaries, and a Sentinel set (primary, replica, three sentinels). Each runs in a
 * temporary directory of its own and is killed and removed by `close()`.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface RedisNodeProc {
  port: number;
  /** SIGKILL: the node is gone at once, as in a crash. */
  kill(): Promise<void>;
}

export interface ProcSet {
  dir: string;
  close(): Promise<void>;
}

/** Runs `redis-cli -p port ...args` and returns its output. */
export async function cli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-p', String(port), ...args], { timeout: 60_000 });
  return stdout.trim();
}

async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * A node left answering on a port from an aborted run (these ports are the test suite's own) is shut down first,
 * so a new run starts from nothing.
 */
async function freeUp(port: number): Promise<void> {
  const alive = await cli(port, 'PING').catch(() => '');
  if (alive !== 'PONG') return;
  await cli(port, 'SHUTDOWN', 'NOSAVE').catch(() => '');
  await until(`port ${port} to close`, async () => (await cli(port, 'PING').catch(() => '')) !== 'PONG');
}

function startProcess(args: string[]): { child: ChildProcess; exited: Promise<void> } {
  const child = spawn('redis-server', args, { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child, exited };
}

function node(child: ChildProcess, exited: Promise<void>, port: number): RedisNodeProc {
  return {
    port,
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

async function startServer(dir: string, port: number, extra: string[] = []): Promise<RedisNodeProc> {
  await freeUp(port);
  const { child, exited } = startProcess([
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    'no',
    ...extra,
  ]);
  await until(`redis-server on ${port}`, async () => (await cli(port, 'PING')) === 'PONG');
  return node(child, exited, port);
}

export interface ClusterProcs extends ProcSet {
  ports: number[];
  /** `REDIS_CLUSTER_NODES` for the services. */
  seeds: string;
  nodes: RedisNodeProc[];
}

/** A Redis Cluster of primaries only on `ports` (slots split evenly by `redis-cli --cluster create`). */
export async function startCluster(ports: number[]): Promise<ClusterProcs> {
  const dir = mkdtempSync(join(tmpdir(), 'frontrow-cluster-'));
  const nodes: RedisNodeProc[] = [];
  try {
    for (const port of ports) {
      nodes.push(
        await startServer(dir, port, [
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          join(dir, `nodes-${port}.conf`),
          '--cluster-node-timeout',
          '2000',
        ]),
      );
    }
    const first = ports[0]!;
    await cli(first, '--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-yes');
    for (const port of ports) {
      await until(`cluster_state:ok on ${port}`, async () =>
        (await cli(port, 'CLUSTER', 'INFO')).includes('cluster_state:ok'),
      );
    }
  } catch (err) {
    await Promise.all(nodes.map((n) => n.kill()));
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    dir,
    ports,
    nodes,
    seeds: ports.map((p) => `127.0.0.1:${p}`).join(','),
    async close() {
      await Promise.all(nodes.map((n) => n.kill()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The node id of the primary on `port`, and the port of the primary that owns `slot`. */
export async function clusterNodes(
  port: number,
): Promise<Array<{ id: string; port: number; slots: string[] }>> {
  const text = await cli(port, 'CLUSTER', 'NODES');
  return text
    .split('\n')
    .filter((l) => l.includes('master'))
    .map((line) => {
      const [id, addr, , , , , , , ...slots] = line.split(' ');
      return { id: id!, port: Number(addr!.split(':')[1]!.split('@')[0]), slots };
    });
}

export interface SentinelProcs extends ProcSet {
  name: string;
  /** `REDIS_SENTINELS` for the services. */
  seeds: string;
  primary: RedisNodeProc;
  replica: RedisNodeProc;
  sentinels: RedisNodeProc[];
  /** The port of the primary the sentinels name now. */
  currentPrimary(): Promise<number>;
}

/**
 * One primary, one replica and three sentinels (quorum 2). A killed primary is noticed after
 * `downAfterMs` and the replica promoted.
 */
export async function startSentinels(opts: {
  primaryPort: number;
  replicaPort: number;
  sentinelPorts: number[];
  name?: string;
  downAfterMs?: number;
}): Promise<SentinelProcs> {
  const name = opts.name ?? 'frontrow';
  const dir = mkdtempSync(join(tmpdir(), 'frontrow-sentinel-'));
  const started: RedisNodeProc[] = [];
  try {
    const primary = await startServer(dir, opts.primaryPort);
    started.push(primary);
    const replica = await startServer(dir, opts.replicaPort, [
      '--replicaof',
      '127.0.0.1',
      String(opts.primaryPort),
    ]);
    started.push(replica);
    await until('the replica to sync', async () =>
      (await cli(opts.replicaPort, 'INFO', 'replication')).includes('master_link_status:up'),
    );
    const sentinels: RedisNodeProc[] = [];
    for (const port of opts.sentinelPorts) {
      await freeUp(port);
      const file = join(dir, `sentinel-${port}.conf`);
      writeFileSync(
        file,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${dir}`,
          `sentinel monitor ${name} 127.0.0.1 ${opts.primaryPort} 2`,
          `sentinel down-after-milliseconds ${name} ${opts.downAfterMs ?? 1_000}`,
          `sentinel failover-timeout ${name} 10000`,
          `sentinel parallel-syncs ${name} 1`,
          '',
        ].join('\n'),
      );
      const { child, exited } = startProcess([file, '--sentinel']);
      const s = node(child, exited, port);
      started.push(s);
      sentinels.push(s);
      await until(`sentinel on ${port}`, async () => (await cli(port, 'PING')) === 'PONG');
    }
    const currentPrimary = async () =>
      Number((await cli(opts.sentinelPorts[0]!, 'SENTINEL', 'get-master-addr-by-name', name)).split('\n')[1]);
    // Every sentinel knows the replica and the other sentinels before a test kills anything.
    for (const port of opts.sentinelPorts) {
      await until(`sentinel ${port} to see its peers`, async () => {
        const info = await cli(port, 'SENTINEL', 'master', name);
        const field = (f: string) => Number(info.split('\n')[info.split('\n').indexOf(f) + 1]);
        return field('num-slaves') >= 1 && field('num-other-sentinels') >= opts.sentinelPorts.length - 1;
      });
    }
    return {
      dir,
      name,
      seeds: opts.sentinelPorts.map((p) => `127.0.0.1:${p}`).join(','),
      primary,
      replica,
      sentinels,
      currentPrimary,
      async close() {
        await Promise.all(started.map((n) => n.kill()));
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await Promise.all(started.map((n) => n.kill()));
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
