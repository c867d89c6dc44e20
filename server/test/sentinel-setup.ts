import type { TestProject } from 'vitest/node';
import { startSentinels } from './redis-procs.ts';

/**
 * The `sentinel` test project: a primary, a replica and three sentinels of the run's own, which the matrix suites
 * run against (the harness passes REDIS_SENTINELS and REDIS_SENTINEL_NAME to every service it builds). Killed and
 * removed at the end. The ports differ from those of the failover test, which starts a set of its own.
 */
declare module 'vitest' {
  export interface ProvidedContext {
    /** `REDIS_SENTINELS` of the run's Sentinel set; absent in the other projects. */
    redisSentinels?: string;
    /** `REDIS_SENTINEL_NAME` of the run's Sentinel set. */
    redisSentinelName?: string;
  }
}

const [PRIMARY, REPLICA, ...SENTINELS] = (
  process.env.TEST_REDIS_SENTINEL_PORTS ?? '6411,6412,26411,26412,26413'
)
  .split(',')
  .map(Number);

export default async function setup(project: TestProject) {
  const set = await startSentinels({
    primaryPort: PRIMARY!,
    replicaPort: REPLICA!,
    sentinelPorts: SENTINELS,
    name: 'frontrow-matrix',
  });
  project.provide('redisSentinels', set.seeds);
  project.provide('redisSentinelName', set.name);
  return () => set.close();
}
