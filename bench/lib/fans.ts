import { join } from 'node:path';
import type { ChildReport, Fan, TickSample } from './fans-child.ts';
import { type Proc, spawnNode, stop } from './procs.ts';
import { merge } from './stats.ts';

/** The parent side of fans-child.ts: spreads fans over processes and 127.0.0.x source addresses. */

export interface FanGroup {
  connected: number;
  failed: number;
  report(): Promise<MergedReport>;
  close(): Promise<void>;
}

/** The children's reports merged: the same fields, without the message tag. */
export type MergedReport = Omit<ChildReport, 'type'>;

const PER_PROCESS = 5_000;

/** How long all sockets of a group may take to connect and watch. */
const CONNECT_DEADLINE_MS = 300_000;

export async function startFans(opts: {
  /** One server, or several (process i connects to url i mod count). */
  url: string | string[];
  fans: Fan[];
  concertId?: number;
  readyWindowMs: number;
  logDir: string;
}): Promise<FanGroup> {
  const count = Math.max(1, Math.ceil(opts.fans.length / PER_PROCESS), opts.fans.length >= 4_000 ? 4 : 1);
  const procs: Proc[] = [];
  const readies: Array<Promise<{ connected: number; failed: number; firstError: string }>> = [];
  for (let i = 0; i < count; i++) {
    const slice = opts.fans.filter((_, j) => j % count === i);
    const proc = spawnNode(
      `fans-${i}`,
      join(import.meta.dirname, 'fans-child.ts'),
      {},
      join(opts.logDir, `fans-${i}.log`),
      { ipc: true },
    );
    procs.push(proc);
    readies.push(
      new Promise((resolve) => {
        const onMessage = (msg: { type: string; connected: number; failed: number; firstError: string }) => {
          if (msg.type !== 'ready') return;
          proc.child.off('message', onMessage);
          resolve(msg);
        };
        proc.child.on('message', onMessage);
      }),
    );
    proc.child.send({
      type: 'start',
      url: typeof opts.url === 'string' ? opts.url : opts.url[i % opts.url.length],
      localAddress: `127.0.0.${2 + i}`,
      fans: slice,
      concertId: opts.concertId,
      readyWindowMs: opts.readyWindowMs,
    });
  }
  // A server too loaded to answer handshakes makes each fan wait for its socket timeouts, one after another:
  // rather than a run that seems to hang, the scenario fails with the reason.
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`sockets not all connected after ${CONNECT_DEADLINE_MS / 1000} s`)),
      CONNECT_DEADLINE_MS,
    );
  });
  const exited = procs.map(
    (p) =>
      new Promise<never>((_, reject) =>
        p.child.once('exit', (code) =>
          reject(new Error(`${p.name} exited (${code}) before its sockets were ready`)),
        ),
      ),
  );
  let results: Array<{ connected: number; failed: number; firstError: string }>;
  try {
    results = await Promise.race([Promise.all(readies), deadline, ...exited]);
  } catch (err) {
    await Promise.all(procs.map((p) => stop(p, 3_000)));
    throw err;
  } finally {
    clearTimeout(timer);
    for (const e of exited) e.catch(() => undefined);
  }
  const failed = results.reduce((s, r) => s + r.failed, 0);
  const firstError = results.find((r) => r.firstError)?.firstError;
  if (failed > 0) console.error(`  ! ${failed} sockets failed to connect: ${firstError}`);

  return {
    connected: results.reduce((s, r) => s + r.connected, 0),
    failed,
    async report() {
      const reports = await Promise.all(
        procs.map(
          (proc) =>
            new Promise<ChildReport>((resolve) => {
              const onMessage = (msg: ChildReport) => {
                if (msg.type !== 'report') return;
                proc.child.off('message', onMessage);
                resolve(msg);
              };
              proc.child.on('message', onMessage);
              proc.child.send({ type: 'report' });
            }),
        ),
      );
      const out: MergedReport = {
        tickLatency: {},
        admittedLatency: {},
        admittedPerSecond: {},
        admitted: 0,
        lastAdmittedAt: 0,
        updates: {},
        ticks: [],
        rawTicks: [],
        admittedAt: {},
        disconnects: 0,
      };
      const ticks = new Map<number, TickSample>();
      for (const r of reports) {
        merge(out.tickLatency, r.tickLatency);
        merge(out.admittedLatency, r.admittedLatency);
        merge(out.admittedPerSecond, r.admittedPerSecond);
        out.admitted += r.admitted;
        out.lastAdmittedAt = Math.max(out.lastAdmittedAt, r.lastAdmittedAt);
        Object.assign(out.updates, r.updates);
        Object.assign(out.admittedAt, r.admittedAt);
        out.rawTicks.push(...r.rawTicks);
        out.disconnects += r.disconnects;
        for (const t of r.ticks) {
          const seen = ticks.get(t.at);
          if (!seen) ticks.set(t.at, { ...t });
          else {
            seen.received += t.received;
            seen.positioned += t.positioned;
            seen.positionSum += t.positionSum;
            seen.p99 = Math.max(seen.p99, t.p99);
          }
        }
      }
      out.ticks = [...ticks.values()].sort((a, b) => a.at - b.at);
      out.rawTicks = [...new Map(out.rawTicks.map((t) => [t.at, t])).values()].sort((a, b) => a.at - b.at);
      return out;
    },
    async close() {
      for (const p of procs) p.child.send({ type: 'close' });
      await Promise.all(procs.map((p) => stop(p, 3_000)));
    },
  };
}
