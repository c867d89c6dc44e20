import { randomUUID } from 'node:crypto';
import type { Logger } from '../logging/logger.ts';
import { primaries, type RedisClient } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import type { Recovery } from './service.ts';

export interface RecoveryWatchDeps {
  redis: RedisClient;
  keys: Keys;
  logger: Logger;
  recovery: Pick<Recovery, 'rebuildLost'>;
  /**
   * What the worker role does at start and must do again once Redis lost its data: adopt the sales (caches,
   * timers, admission schedulers) and re-create its housekeeping job schedulers. BullMQ workers themselves
   * reconnect and resume by themselves; their schedulers and delayed jobs were data, and are gone.
   */
  resync: Array<() => Promise<unknown>>;
  everyMs?: number;
}

/**
 * The worker role's watch over Redis: a marker key (`keys.epoch`) lives as long as Redis keeps its data. When it
 * is gone (Redis restarted empty, was flushed, or failed over to an empty replica), the waiting rooms are rebuilt
 * from MySQL and the worker re-adopts its sales, within `everyMs` or at the reconnect. The marker is written only
 * after a full recovery, so a worker that dies halfway leaves the job to the next check.
 *
 * A promoted replica keeps the marker (it was replicated) but may lack the last writes its primary acknowledged
 * before dying: replication is asynchronous. Promotion gives a server a new replication id, so the watch keeps
 * the replication ids of the primaries it talks to (the one primary behind Sentinel, every primary of a cluster)
 * and treats a change like a reconnect: a forced rebuild adds back every fan MySQL has that Redis lacks, and the
 * schedulers are re-created (both only add, so a change with nothing lost costs one pass).
 */
export async function startRecoveryWatch(deps: RecoveryWatchDeps) {
  const { redis, keys, logger, recovery } = deps;
  let running: Promise<void> | undefined;
  let next: (() => Promise<void>) | undefined;
  let closed = false;
  let primaryIds: string | undefined;

  /** The replication ids of the primaries, sorted: it changes when one is promoted or restarted empty. */
  async function replicationIds(): Promise<string> {
    const ids = await Promise.all(
      primaries(redis).map(
        async (node) => /master_replid:(\w+)/.exec(await node.info('replication'))?.[1] ?? '',
      ),
    );
    return ids.sort().join(',');
  }

  /**
   * The marker gone means Redis lost its data: rebuild every room, then re-adopt (at start the other parts do
   * that). After a reconnect with the marker there, Redis may still have come back a second older from its AOF:
   * a forced rebuild adds back the fans MySQL already had (it never overwrites, see service.ts).
   */
  async function check(opts: { initial?: boolean; reconnect?: boolean }): Promise<void> {
    const ids = await replicationIds();
    const promoted = primaryIds !== undefined && ids !== primaryIds;
    const lost = (await redis.exists(keys.epoch)) === 0;
    if (!lost && !opts.reconnect && !promoted) {
      primaryIds = ids;
      return;
    }
    if (lost && !opts.initial) logger.warn('Redis lost its data: rebuilding the waiting rooms from MySQL');
    if (promoted && !lost) logger.warn('a Redis primary changed: adding back what it may lack from MySQL');
    const reports = await recovery.rebuildLost({ force: !lost });
    const restored = reports.reduce((n, r) => n + r.restored, 0);
    if ((lost || promoted) && !opts.initial) for (const step of deps.resync) await step();
    // Only after the pass: a check that fails halfway is repeated by the next one.
    primaryIds = ids;
    if (lost) await redis.set(keys.epoch, randomUUID());
    if (restored > 0 || (lost && !opts.initial))
      logger.warn({ concerts: reports.length, restored }, 'waiting rooms recovered');
  }

  /** One check at a time; one asked for meanwhile (a reconnect during a periodic check) runs right after. */
  function run(what: () => Promise<void>): Promise<void> {
    if (closed) return Promise.resolve();
    if (running) {
      next = what;
      return running;
    }
    running = what()
      .catch((err: unknown) => logger.warn({ err }, 'redis recovery check failed; retrying'))
      .finally(() => {
        running = undefined;
        const queued = next;
        next = undefined;
        if (queued) void run(queued);
      });
    return running;
  }

  const onReady = () => void run(() => check({ reconnect: true }));

  await run(() => check({ initial: true }));
  redis.on('ready', onReady);
  const timer = setInterval(() => void run(() => check({})), deps.everyMs ?? 5_000);
  timer.unref();

  return {
    name: 'redis-recovery-watch',
    async close() {
      closed = true;
      next = undefined;
      clearInterval(timer);
      redis.off('ready', onReady);
      await running;
    },
  };
}
