import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MemoryReading } from './memory-probe.ts';

/** Child processes of a run: the servers under test, the baselines and the socket fans. */

export interface Proc {
  name: string;
  child: ChildProcess;
  pid: number;
}

const running = new Set<Proc>();
const CLK_TCK = 100; // USER_HZ on Linux

/**
 * `--pin`: the API servers and the baselines run on `server` cores; the socket fans, the worker and the harness
 * itself, which drives the HTTP load, on `load` cores.
 */
let pinning: { server: string; load: string } | undefined;

export function pinCores(server: string, load: string): void {
  pinning = { server, load };
  // -a: every thread of this process, libuv's pool included; threads made later inherit the mask.
  execFileSync('taskset', ['-a', '-p', '-c', load, String(process.pid)], { stdio: 'ignore' });
}

export function pinnedCores(): { server: string; load: string } | undefined {
  return pinning;
}

const underTest = (name: string) => name.startsWith('server') || name.startsWith('baseline');

// However the harness ends (even a crash), nothing it started outlives it.
process.on('exit', () => {
  for (const p of running) p.child.kill('SIGKILL');
});

/**
 * Starts `node --import tsx <script>` with the given environment; output goes to `logFile`. Workspace packages
 * resolve to their sources (`--conditions=frontrow-source`), as under `npm run dev`.
 */
export function spawnNode(
  name: string,
  script: string,
  env: Record<string, string>,
  logFile: string,
  opts: { ipc?: boolean; nodeFlags?: string[] } = {},
): Proc {
  // BENCH_CPU_PROF_DIR=/some/dir: the servers under test write V8 CPU profiles there when they exit.
  const profile = process.env.BENCH_CPU_PROF_DIR && name.startsWith('server');
  const flags = profile ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF_DIR}`] : [];
  // The processes under test answer memory readings (bench/lib/memory-probe.ts) over IPC.
  const probe = underTest(name);
  const probeFlags = probe ? ['--expose-gc', '--import', join(import.meta.dirname, 'memory-probe.ts')] : [];
  const argv = [
    ...flags,
    ...(opts.nodeFlags ?? []),
    '--conditions=frontrow-source',
    '--import',
    'tsx',
    ...probeFlags,
    script,
  ];
  // The worker (admission, expiry, write-behind) shares the load's cores, so the server's stay its own; Redis and
  // MySQL, which the baselines use too, float.
  const cores = pinning && (underTest(name) && name !== 'server-worker' ? pinning.server : pinning.load);
  const [command, commandArgs] = cores
    ? ['taskset', ['-c', cores, process.execPath, ...argv]]
    : [process.execPath, argv];
  // taskset sets the mask and execs node in place, so the pid is node's.
  const child = spawn(command, commandArgs, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe', ...(opts.ipc || probe ? (['ipc'] as const) : [])],
  });
  const log = createWriteStream(logFile, { flags: 'a' });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  if (!child.pid) throw new Error(`${name} did not start`);
  const proc = { name, child, pid: child.pid };
  running.add(proc);
  child.once('exit', (code, signal) => {
    running.delete(proc);
    if (code && code !== 0) console.error(`  ! ${name} exited with ${code ?? signal} (log: ${logFile})`);
  });
  return proc;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
export async function stop(proc: Proc, graceMs = 5_000): Promise<void> {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => proc.child.once('exit', () => resolve()));
  proc.child.kill('SIGTERM');
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), graceMs);
  await gone;
  clearTimeout(timer);
}

export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((p) => stop(p)));
}

/** Polls `url` until it answers 200, or throws after `timeoutMs` (or when the process dies). */
export async function waitReady(proc: Proc, url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) throw new Error(`${proc.name} exited before it was ready`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(`${proc.name} not ready at ${url} after ${timeoutMs} ms`);
}

/** CPU seconds (user + system) and resident memory of a process, from /proc. */
export function procStats(pid: number): { cpuSeconds: number; rssBytes: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { cpuSeconds: (utime + stime) / CLK_TCK, rssBytes: rssKb * 1024 };
}

export function loadAverage(): number {
  return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
}

let asked = 0;

function ask<T>(proc: Proc, type: string, timeoutMs = 30_000): Promise<T> {
  const id = ++asked;
  return new Promise<T>((resolve, reject) => {
    const onMessage = (msg: { type?: string; id?: number }) => {
      if (msg?.type !== type || msg.id !== id) return;
      clearTimeout(timer);
      proc.child.off('message', onMessage);
      resolve(msg as T);
    };
    const timer = setTimeout(() => {
      proc.child.off('message', onMessage);
      reject(new Error(`${proc.name} did not answer ${type} within ${timeoutMs} ms`));
    }, timeoutMs);
    proc.child.on('message', onMessage);
    proc.child.send({ type, id });
  });
}

/** Heap and RSS of a process under test right after two forced full collections (`forced` false: no gc()). */
export function memoryAfterGc(proc: Proc): Promise<MemoryReading & { forced: boolean }> {
  return ask(proc, 'memory');
}

/** The heap just after each major collection the process ran on its own. */
export async function majorGcLog(proc: Proc): Promise<MemoryReading[]> {
  return (await ask<{ majors: MemoryReading[] }>(proc, 'gc-log')).majors;
}
