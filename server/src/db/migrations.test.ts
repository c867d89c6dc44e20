import { randomBytes } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { createDatabase, dropDatabase, ensureDatabase, migrateDatabase } from './client.ts';

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
      // The database refuses a negative balance even if application code tried one.
      await a.pool.query("INSERT INTO users (id, name) VALUES ('u1', 'u1')");
      await expect(a.pool.query("UPDATE users SET balance = -1 WHERE id = 'u1'")).rejects.toThrow();
    } finally {
      await a.close();
      await b.close();
      await dropDatabase(url);
    }
  });
});
