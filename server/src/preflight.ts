import mysql from 'mysql2/promise';
import type { Config } from './config/index.ts';
import { createRedisConnections } from './redis/client.ts';

/**
 * Before anything else, `npm start` checks that Redis and MySQL answer and, where one does not, says exactly how
 * to get it rather than failing deep inside a driver.
 */
export async function preflight(config: Readonly<Config>): Promise<string[]> {
  const problems: string[] = [];
  const connections = createRedisConnections(config.redis);
  const redis = connections.open('probe');
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    problems.push(
      [
        `Redis does not answer at ${connections.describe()} (${(err as Error).message}).`,
        '  Debian/Ubuntu: sudo apt-get install -y redis-server && sudo redis-server --daemonize yes',
        '  Docker:        docker compose up -d redis',
        '  Or point REDIS_URL (or REDIS_SENTINELS, REDIS_CLUSTER_NODES) at a running Redis 7.',
      ].join('\n'),
    );
  } finally {
    redis.disconnect();
  }

  const url = new URL(config.databaseUrl);
  try {
    const conn = await mysql.createConnection({
      host: url.hostname,
      port: url.port ? Number(url.port) : 3306,
      user: decodeURIComponent(url.username || 'root'),
      password: decodeURIComponent(url.password),
      connectTimeout: 3_000,
    });
    await conn.query('SELECT 1');
    await conn.end();
  } catch (err) {
    problems.push(
      [
        `MySQL does not answer at ${url.host} as ${url.username || 'root'} (${(err as Error).message}).`,
        '  Debian/Ubuntu: sudo apt-get install -y mariadb-server && sudo service mariadb start',
        '                 (root with an empty password over TCP: see README "Prerequisites")',
        '  Docker:        docker compose up -d mysql',
        '  Or point DATABASE_URL at a running MySQL 8 / MariaDB 10.11.',
      ].join('\n'),
    );
  }
  return problems;
}
