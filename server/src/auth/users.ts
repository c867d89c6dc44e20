import { users } from '@frontrow/db';
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import type { AuthUser } from './user-tokens.ts';

/**
 * Users are created on first sight of their token. Routes on the hot path of a drop (enter, status) never call
 * this: only routes that write to MySQL need the row. A small in-process memo keeps it to one upsert per user
 * per process; the upsert also refreshes name, tier and role from the latest token.
 */
export function createUserDirectory(db: Db, memoSize = 50_000) {
  const seen = new Map<string, string>();

  return {
    async ensure(user: AuthUser): Promise<void> {
      const fingerprint = `${user.name}|${user.tier}|${user.role}`;
      if (seen.get(user.id) === fingerprint) return;
      await db
        .insert(users)
        .values({ id: user.id, name: user.name, tier: user.tier, role: user.role })
        .onDuplicateKeyUpdate({
          set: { name: user.name, tier: user.tier, role: user.role, updatedAt: sql`CURRENT_TIMESTAMP(3)` },
        });
      if (seen.size >= memoSize) seen.clear();
      seen.set(user.id, fingerprint);
    },
  };
}
export type UserDirectory = ReturnType<typeof createUserDirectory>;
