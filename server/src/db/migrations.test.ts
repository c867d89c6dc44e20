import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { drizzle } from 'drizzle-orm/mysql2';
import { migrate } from 'drizzle-orm/mysql2/migrator';
import mysql from 'mysql2/promise';
import { describe, expect, inject, it } from 'vitest';
import {
  createDatabase,
  type Database,
  dropDatabase,
  ensureDatabase,
  MIGRATIONS_FOLDER,
  migrateDatabase,
} from './client.ts';

const CHECK_VIOLATED_MYSQL = 3819;
const CHECK_VIOLATED_MARIADB = 4025;
const ER_DUP_ENTRY = 1062;

/** Every identifier column and the collation it must compare with (drizzle/schema.ts `exactId`). */
const EXACT_COLUMNS = [
  'idempotency_keys.idem_key ascii_bin',
  'idempotency_keys.user_id utf8mb4_bin',
  'payments.user_id utf8mb4_bin',
  'point_ledger.user_id utf8mb4_bin',
  'queue_entries.user_id utf8mb4_bin',
  'reservations.request_id ascii_bin',
  'reservations.user_id utf8mb4_bin',
  'users.id utf8mb4_bin',
];

async function identifierCollations(database: Database): Promise<string[]> {
  const [rows] = await database.pool.query(
    `SELECT CONCAT(table_name, '.', column_name, ' ', collation_name) AS c FROM information_schema.columns
      WHERE table_schema = DATABASE() AND (column_name IN ('user_id', 'idem_key', 'request_id')
        OR (table_name = 'users' AND column_name = 'id'))
      ORDER BY c`,
  );
  return (rows as Array<{ c: string }>).map((r) => r.c);
}

/** Applies the first `count` migrations only: a database as an older release left it. */
async function migrateFirst(database: Database, count: number): Promise<void> {
  const folder = await mkdtemp(join(tmpdir(), 'frontrow-migrations-'));
  try {
    await cp(MIGRATIONS_FOLDER, folder, { recursive: true });
    const journalPath = join(folder, 'meta', '_journal.json');
    const journal = JSON.parse(await readFile(journalPath, 'utf8')) as { entries: unknown[] };
    journal.entries = journal.entries.slice(0, count);
    await writeFile(journalPath, JSON.stringify(journal));
    await migrate(drizzle(database.pool), { migrationsFolder: folder });
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

describe('migrations', () => {
  it('create every table on an empty database, twice without harm, from concurrent starters', async () => {
    const url = `${inject('mysqlServerUrl')}/frontrow_migtest_${randomBytes(4).toString('hex')}`;
    await ensureDatabase(url);
    const a = createDatabase(url, { connectionLimit: 2 });
    const b = createDatabase(url, { connectionLimit: 2 });
    try {
      // Two replicas starting at once: the named lock lets one run the DDL; the other finds it done.
      await Promise.all([migrateDatabase(a), migrateDatabase(b)]);
      await migrateDatabase(a);
      const [rows] = await a.pool.query('SHOW TABLES');
      const tables = (rows as Array<Record<string, string>>).map((r) => Object.values(r)[0]).sort();
      expect(tables).toEqual(
        [
          '__drizzle_migrations',
          'concerts',
          'idempotency_keys',
          'payments',
          'point_ledger',
          'queue_entries',
          'queue_shuffles',
          'reservation_seats',
          'reservations',
          'schedules',
          'seats',
          'users',
        ].sort(),
      );
      // The database refuses a negative balance even if application code tried one: the CHECK constraint.
      await a.pool.query("INSERT INTO users (id, name) VALUES ('u1', 'u1')");
      const refused = await a.pool.query("UPDATE users SET balance = -1 WHERE id = 'u1'").then(
        () => undefined,
        (err: unknown) => err as { errno?: number; message?: string },
      );
      expect(refused?.message).toMatch(/users_balance_non_negative/);
      // MySQL's ER_CHECK_CONSTRAINT_VIOLATED, or MariaDB's ER_CONSTRAINT_FAILED.
      expect([CHECK_VIOLATED_MYSQL, CHECK_VIOLATED_MARIADB]).toContain(refused?.errno);
      const [balances] = await a.pool.query("SELECT balance FROM users WHERE id = 'u1'");
      expect((balances as Array<{ balance: unknown }>).map((r) => Number(r.balance))).toEqual([0]);
      expect(await identifierCollations(a)).toEqual(EXACT_COLUMNS);
    } finally {
      await a.close();
      await b.close();
      await dropDatabase(url);
    }
  });

  it('move a database created case-insensitive, migrated and holding fans, to exact identifiers', async () => {
    const url = `${inject('mysqlServerUrl')}/frontrow_migtest_${randomBytes(4).toString('hex')}`;
    const name = new URL(url).pathname.slice(1);
    const server = await mysql.createConnection(inject('mysqlServerUrl'));
    await server.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    await server.end();
    const db = createDatabase(url, { connectionLimit: 2 });
    try {
      await migrateFirst(db, 1);
      await db.pool.query("INSERT INTO users (id, name) VALUES ('Alice', 'Alice')");
      await db.pool.query(
        "INSERT INTO point_ledger (user_id, type, amount, balance_after) VALUES ('Alice', 'CHARGE', 5, 5)",
      );
      // Before: `alice` is `Alice` (a duplicate key).
      await expect(
        db.pool.query("INSERT INTO users (id, name) VALUES ('alice', 'alice')"),
      ).rejects.toMatchObject({
        errno: ER_DUP_ENTRY,
        message: expect.stringMatching(/Duplicate entry 'alice'/),
      });

      await migrateDatabase(db);
      await migrateDatabase(db);
      expect(await identifierCollations(db)).toEqual(EXACT_COLUMNS);
      await db.pool.query("INSERT INTO users (id, name) VALUES ('alice', 'alice'), ('Alicé', 'Alicé')");
      const [rows] = await db.pool.query("SELECT id FROM users WHERE id = 'alice'");
      expect(rows).toEqual([{ id: 'alice' }]);
      const [ledger] = await db.pool.query("SELECT user_id FROM point_ledger WHERE user_id = 'ALICE'");
      expect(ledger).toEqual([]);
      // The foreign keys came back: a ledger row for nobody is refused.
      await expect(
        db.pool.query(
          "INSERT INTO point_ledger (user_id, type, amount, balance_after) VALUES ('ALICE', 'CHARGE', 5, 5)",
        ),
      ).rejects.toThrow(/foreign key/i);
    } finally {
      await db.close();
      await dropDatabase(url);
    }
  });
});
