import type { Database } from './client.ts';

/**
 * Runs `fn` while holding a MySQL named lock, so replicas starting together do one-time work (migrations, demo
 * data) once. The lock lives on one pooled connection and is released even when `fn` throws.
 */
export async function withDbLock<T>(
  database: Database,
  name: string,
  fn: () => Promise<T>,
  timeoutSeconds = 60,
) {
  const conn = await database.pool.getConnection();
  try {
    const [rows] = await conn.query('SELECT GET_LOCK(?, ?) AS got', [name, timeoutSeconds]);
    if ((rows as Array<{ got: number | null }>)[0]?.got !== 1)
      throw new Error(`could not take the lock ${name}`);
    try {
      return await fn();
    } finally {
      await conn.query('SELECT RELEASE_LOCK(?)', [name]);
    }
  } finally {
    conn.release();
  }
}
