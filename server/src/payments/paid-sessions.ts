import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { selectRows } from '../db/tx.ts';

export interface PaidSessionsDeps {
  db: Db;
  /** SESSION_MINUTES in ms: a session opened at `expiresAt - sessionMs`, and none outlives it. */
  sessionMs: number;
  /** The fan's live booking session of a concert, if any (access/sessions.ts). */
  liveSession(concertId: number, userId: string): Promise<{ expiresAt: Date } | undefined>;
  /** Ends the fan's turn as paying does (payments.ts `endTurn`). */
  endTurn(concertId: number, userId: string): Promise<unknown>;
}

/**
 * Paying ends the fan's turn, and with it its booking session, right after the payment commits (payments.ts
 * `endTurn`). A process that dies, or a Redis that does not answer, in between leaves the session open: its
 * admission slot is not given to the next fan and its access token keeps booking until the session runs out. This sweep (worker role) ends every live session
 * that was opened before a payment of its fan and concert committed. A session opened after the payment (the fan
 * queued again) is not that one and stays. Idempotent: an ended session is not live. Returns how many it ended.
 */
export async function endPaidSessions(deps: PaidSessionsDeps): Promise<number> {
  // Only payments younger than a session can have a live session to end. A paid hold's expires_at is at or after
  // its payment, so the range on (status, expires_at) finds them by the index.
  const since = sql`UTC_TIMESTAMP(3) - INTERVAL ${deps.sessionMs * 1000} MICROSECOND`;
  const rows = await selectRows<{ concert_id: number; user_id: string; paid_at: Date }>(
    deps.db,
    sql`SELECT concert_id, user_id, MAX(paid_at) AS paid_at FROM reservations
        WHERE status IN ('PAID', 'REFUNDED') AND expires_at > ${since} AND paid_at > ${since}
        GROUP BY concert_id, user_id`,
  );
  let ended = 0;
  for (const row of rows) {
    const concertId = Number(row.concert_id);
    const session = await deps.liveSession(concertId, row.user_id);
    if (!session) continue;
    const openedAt = session.expiresAt.getTime() - deps.sessionMs;
    if (openedAt > new Date(row.paid_at).getTime()) continue;
    await deps.endTurn(concertId, row.user_id);
    ended++;
  }
  return ended;
}
