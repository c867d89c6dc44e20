import { enterAll } from '../lib/api.ts';
import { row, type Scenario } from '../lib/context.ts';
import { createDrivenSale, driveAdmissions } from '../lib/drive.ts';
import { expectStatuses, load } from '../lib/load.ts';
import { procStats } from '../lib/procs.ts';
import type { PushFans } from './push.ts';

/**
 * 3. Push versus polling: the same N fans kept informed by polling GET .../queue/me every 3 seconds (as the
 * design documents' clients do) while the same admissions run; server CPU seconds per fan per minute, beside what
 * the push scenario measured for the tick. The push design must cost less.
 */
export const polling: Scenario = {
  name: 'polling',
  title: 'server CPU per fan-minute: tick push vs polling every 3 s',
  async run(ctx) {
    const pushed = ctx.shared.get('push') as PushFans | undefined;
    if (!pushed) throw new Error('needs the push scenario first (same fans, its CPU figure)');
    const { fans, admitPerSecond, seconds } = pushed;
    // A fresh queue of the same size (the push run admitted some of its fans).
    const concertId = await createDrivenSale(ctx, admitPerSecond * seconds);
    await enterAll(ctx.api, concertId, fans);

    const rate = Math.round(fans.length / 3);
    let i = 0;
    const pids = [ctx.server.pid, ...(ctx.worker ? [ctx.worker.pid] : [])];
    const cpuNow = () => pids.reduce((sum, pid) => sum + procStats(pid).cpuSeconds, 0);
    const cpu0 = cpuNow();
    const [polled] = await Promise.all([
      load({
        url: `${ctx.url}/api/v1/concerts/${concertId}/queue/me`,
        connections: 64,
        durationSeconds: seconds,
        rate,
        next: () => ({ headers: { authorization: `Bearer ${fans[i++ % fans.length]!.token}` } }),
      }),
      driveAdmissions(ctx, concertId, admitPerSecond, seconds),
    ]);
    const cpu = cpuNow() - cpu0;
    expectStatuses('polling', polled, [200]);
    const pollPerFanMinute = cpu / fans.length / (seconds / 60);

    return [
      row({
        scenario: 'push vs poll',
        metric: `server CPU s per fan-minute: push (baseline: polling 3 s, ${fans.length} fans)`,
        value: pushed.cpuPerFanMinute * 1000,
        unit: 'ms',
        baseline: pollPerFanMinute * 1000,
        target: 'ratio < 1',
        ok: (_, ratio) => ratio !== undefined && ratio < 1,
        note: `polling achieved ${Math.round(polled.rps)} of ${rate} req/s offered`,
      }),
      row({
        scenario: 'push vs poll',
        metric: 'polling achieved rate',
        value: polled.rps,
        unit: 'req/s',
        target: `${rate} offered`,
      }),
    ];
  },
};
