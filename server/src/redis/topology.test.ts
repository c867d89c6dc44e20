import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import { primaries } from './client.ts';

/**
 * Runs in every project (standalone, cluster, sentinel): the matrix suites are only as good as the Redis they
 * actually reach, so this checks that the services reach the topology the project started.
 */
let t: TestServer;
beforeAll(async () => {
  t = await createTestServer();
});
afterAll(() => t.close());

describe('the Redis of the test project', () => {
  it('is the one the services are connected to', async () => {
    const expected = inject('redisClusterNodes')
      ? 'cluster'
      : inject('redisSentinels')
        ? 'sentinel'
        : 'standalone';
    const { connections, redis } = t.services;
    expect(connections.target.mode).toBe(expected);
    const key = `${t.config.redisPrefix}:topology`;
    await redis.set(key, 'written');
    const nodes = primaries(redis);
    if (expected === 'cluster') {
      expect(nodes.length).toBeGreaterThanOrEqual(3);
      expect(await nodes[0]!.cluster('INFO')).toContain('cluster_state:ok');
    } else {
      // Behind Sentinel the connection is the primary's, and the write reaches its replica.
      const replication = await nodes[0]!.info('replication');
      expect(replication).toContain('role:master');
      if (expected === 'sentinel') {
        expect(replication).toContain('connected_slaves:1');
        expect(await nodes[0]!.call('WAIT', '1', '5000')).toBe(1);
      }
    }
    expect(await redis.get(key)).toBe('written');
  });
});
