import type { TestProject } from 'vitest/node';
import { startCluster } from './redis-procs.ts';

/**
 * The `cluster` test project: a three-primary Redis Cluster of the run's own, which the matrix suites run against
 * (the harness passes REDIS_CLUSTER_NODES to every service it builds). Killed and removed at the end.
 */
declare module 'vitest' {
  export interface ProvidedContext {
    /** Seed nodes of the run's Redis Cluster; absent in the standalone project. */
    redisClusterNodes?: string;
  }
}

const PORTS = (process.env.TEST_REDIS_CLUSTER_PORTS ?? '7101,7102,7103').split(',').map(Number);

export default async function setup(project: TestProject) {
  const cluster = await startCluster(PORTS);
  project.provide('redisClusterNodes', cluster.seeds);
  return () => cluster.close();
}
