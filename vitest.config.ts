import { defaultServerConditions } from 'vite';
import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Workspace packages imported by name resolve to their TypeScript sources (the condition of client-sdk/package.json
 * `exports`; tsconfig.json `customConditions` and the `--conditions` flag of tsx runs name it too).
 */
const sourceCondition = 'frontrow-source';

/**
 * The suites that carry a drop through Redis (waiting room, admission, real time, booking, payments, queued
 * reservations) run three times: against the standalone Redis, against a three-primary Redis Cluster the
 * `cluster` project starts for itself (server/test/cluster-setup.ts), and behind Sentinel (a primary, a replica
 * and three sentinels the `sentinel` project starts for itself, server/test/sentinel-setup.ts).
 */
const clusterMatrix = [
  'server/src/waiting-room/enter.test.ts',
  'server/src/waiting-room/finish.test.ts',
  'server/src/admission/admission.test.ts',
  'server/src/admission/sale.test.ts',
  'server/src/realtime/gateway.test.ts',
  'server/src/realtime/queue-push.test.ts',
  'server/src/booking/booking.test.ts',
  'server/src/booking/concurrency.test.ts',
  'server/src/payments/payments.test.ts',
  'server/src/reservation-requests/requests.test.ts',
  'server/src/reservation-requests/ordering.test.ts',
  'server/src/redis/*.test.ts',
];

export default defineConfig({
  ssr: { resolve: { conditions: [sourceCondition, ...defaultServerConditions] } },
  test: {
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests share one MySQL and one Redis: two files at a time keeps the 2-core box responsive.
    maxWorkers: 2,
    // Every script call is checked for keys of one Redis Cluster slot (server/test/slot-guard.ts).
    setupFiles: ['server/test/slot-guard.ts'],
    reporters: process.env.CI ? ['default', ['json', { outputFile: '.vitest-results.json' }]] : ['default'],
    projects: [
      {
        extends: true,
        test: {
          name: 'standalone',
          include: [
            'server/**/*.test.ts',
            'client-sdk/**/*.test.ts',
            'web-demo/**/*.test.ts',
            'bench/lib/*.test.ts',
            'scripts/*.test.ts',
          ],
          // Tests of the cluster itself run only in the cluster project.
          exclude: [...configDefaults.exclude, 'server/src/redis/cluster.test.ts'],
          globalSetup: ['server/test/global-setup.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'cluster',
          include: clusterMatrix,
          // The failover and resharding tests start Redis topologies of their own and run once, in `standalone`.
          exclude: [
            ...configDefaults.exclude,
            'server/src/redis/sentinel-failover.test.ts',
            'server/src/redis/resharding.test.ts',
          ],
          globalSetup: ['server/test/global-setup.ts', 'server/test/cluster-setup.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'sentinel',
          include: clusterMatrix,
          // The cluster's own test needs a cluster; failover and resharding start topologies of their own.
          exclude: [
            ...configDefaults.exclude,
            'server/src/redis/cluster.test.ts',
            'server/src/redis/sentinel-failover.test.ts',
            'server/src/redis/resharding.test.ts',
          ],
          globalSetup: ['server/test/global-setup.ts', 'server/test/sentinel-setup.ts'],
        },
      },
    ],
  },
});
