import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { TestProject } from 'vitest/node';
import { createDatabase, dropDatabase, ensureDatabase, migrateDatabase } from '../src/db/client.ts';
import { deleteByPrefix } from '../src/redis/client.ts';

/**
 * One test run = one fresh MySQL database and one Redis key prefix, both named after the run, both removed at
 * the end. Runs on the same machine (or a developer's server) never see each other's data.
 */
declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    mysqlServerUrl: string;
    redisUrl: string;
    redisPrefix: string;
  }
}

const MYSQL_SERVER = process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export default async function setup(project: TestProject) {
  const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const databaseUrl = `${MYSQL_SERVER}/frontrow_test_${runId}`;
  const redisPrefix = `frtest:${runId}`;

  await ensureDatabase(databaseUrl);
  const database = createDatabase(databaseUrl, { connectionLimit: 2 });
  await migrateDatabase(database);
  await database.close();

  project.provide('databaseUrl', databaseUrl);
  project.provide('mysqlServerUrl', MYSQL_SERVER);
  project.provide('redisUrl', REDIS_URL);
  project.provide('redisPrefix', redisPrefix);

  return async () => {
    await dropDatabase(databaseUrl);
    const redis = new Redis(REDIS_URL);
    await deleteByPrefix(redis, redisPrefix);
    await redis.quit();
  };
}
