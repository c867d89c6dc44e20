import { fileURLToPath } from 'node:url';
import * as schema from '@frontrow/db';
import { drizzle, type MySql2Database } from 'drizzle-orm/mysql2';
import { migrate } from 'drizzle-orm/mysql2/migrator';
import mysql from 'mysql2/promise';
import { withDbLock } from './lock.ts';
import { withDeadlines } from './timeouts.ts';

export type Db = MySql2Database<typeof schema>;
export interface Database {
  /** Every statement and every wait for a connection has a deadline (`timeoutMs`): nothing hangs a request. */
  db: Db;
  /** The raw pool, without deadlines: readiness probes, named locks, migrations (DDL may legitimately be slow). */
  pool: mysql.Pool;
  close(): Promise<void>;
}

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../../drizzle/migrations', import.meta.url));

interface ParsedUrl {
  options: mysql.PoolOptions;
  database: string;
}

function parseUrl(url: string): ParsedUrl {
  const u = new URL(url);
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_]{1,64}$/.test(database)) {
    throw new Error(`DATABASE_URL must name a database of letters, digits and _ (got "${database}")`);
  }
  return {
    database,
    options: {
      host: u.hostname,
      port: u.port ? Number(u.port) : 3306,
      user: decodeURIComponent(u.username || 'root'),
      password: decodeURIComponent(u.password),
      timezone: 'Z',
      // Fail fast rather than hang a request when MySQL is away (ops: timeouts on every external call).
      connectTimeout: 5_000,
      // Hot transactions send several statements in one round trip (db/tx.ts `statements`). Safe here because
      // every statement is built by Drizzle with bound values; no SQL is ever assembled from input strings.
      multipleStatements: true,
      supportBigNumbers: true,
      // No call-site stack captured on every query: Drizzle's errors name the failing statement already, and the
      // capture is a measurable share of a hold's CPU.
      trace: false,
    },
  };
}

/** MySQL calls fail after this long rather than hang a request (ops: timeouts on every external call). */
export const MYSQL_TIMEOUT_MS = 10_000;

/**
 * A pool whose every connection runs in UTC, so NOW(3) and DATETIME columns agree with ISO strings, and at READ
 * COMMITTED.
 */
export function createDatabase(
  url: string,
  opts: { connectionLimit?: number; timeoutMs?: number } = {},
): Database {
  const { options, database } = parseUrl(url);
  const pool = mysql.createPool({
    ...options,
    database,
    connectionLimit: opts.connectionLimit ?? 20,
    waitForConnections: true,
    queueLimit: 5_000,
    enableKeepAlive: true,
  });
  pool.on('connection', (conn) => {
    // mysql2 queues commands per connection in order, so these run before the connection's first query.
    // The event hands over the callback-style connection, hence the callbacks. Every transaction runs at READ
    // COMMITTED (db/tx.ts says why); as the session's default it costs no statement per transaction.
    const session = conn as unknown as { query(sql: string, cb: (err: unknown) => void): void };
    session.query("SET time_zone = '+00:00'", () => undefined);
    session.query('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED', () => undefined);
  });
  const db = drizzle(withDeadlines(pool, opts.timeoutMs ?? MYSQL_TIMEOUT_MS), { schema, mode: 'default' });
  return { db, pool, close: () => pool.end() };
}

/**
 * Creates the database named in the URL when it does not exist yet (start-up and tests). Its default collation is
 * binary, so a column added without a collation of its own compares the way Redis and TypeScript do; identifier
 * columns also name theirs (drizzle/schema.ts `exactId`), which holds for databases created otherwise.
 */
export async function ensureDatabase(url: string): Promise<void> {
  const { options, database } = parseUrl(url);
  const conn = await mysql.createConnection(options);
  try {
    await conn.query(
      `CREATE DATABASE IF NOT EXISTS \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`,
    );
  } finally {
    await conn.end();
  }
}

export async function dropDatabase(url: string): Promise<void> {
  const { options, database } = parseUrl(url);
  const conn = await mysql.createConnection(options);
  try {
    await conn.query(`DROP DATABASE IF EXISTS \`${database}\``);
  } finally {
    await conn.end();
  }
}

/**
 * Applies drizzle-kit's migrations. Replicas starting together serialise on a named MySQL lock, so only one
 * runs the DDL and the others find it done.
 */
export async function migrateDatabase(database: Database): Promise<void> {
  await withDbLock(database, 'frontrow_migrate', () =>
    migrate(drizzle(database.pool, { schema, mode: 'default' }), { migrationsFolder: MIGRATIONS_FOLDER }),
  );
}
