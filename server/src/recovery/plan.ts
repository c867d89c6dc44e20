import { LANES, type Lane } from '@frontrow/client/protocol';
import { formatFanRecord } from '../redis/records.ts';

/** A row of MySQL `queue_entries` as the rebuild reads it. */
export interface EntryRow {
  userId: string;
  ticket: number;
  lane: Lane;
  enteredAt: Date;
  admittedAt: Date | null;
  claimedAt: Date | null;
  leftAt: Date | null;
}

/** One fan put back: its `fans` hash record (the waiting room's layout) and its place. */
export interface RestoredFan {
  userId: string;
  status: 'W' | 'R';
  lane: Lane;
  ticket: number;
  laneSeq: number;
  joinedAtMs: number;
  /** READY: until when the fan may claim its access token; 0 while waiting. */
  untilMs: number;
}

export interface RebuildPlan {
  /** Waiting fans in lane order (VIP, presale, normal), laneSeq order inside a lane. */
  waiting: RestoredFan[];
  /** Admitted fans whose turn is still running: READY again, so they can claim a new booking session. */
  ready: RestoredFan[];
  /** The counters as the enter script left them: tickets 1..ticketSeq, laneSeq 1..laneSeq[lane]. */
  ticketSeq: number;
  laneSeq: Record<Lane, number>;
  /** queue-stats counters served:<lane> (admitted) and left:<lane> (left a lane before admission). */
  stats: Record<string, number>;
  /** Entries MySQL holds for the concert, and the fans it knows. */
  entries: number;
  fans: number;
}

export const fanRecord = (f: RestoredFan): string => formatFanRecord({ ...f, reason: '' });

/**
 * What a concert's waiting room looked like, from its durable log. The write-behind writes the log in order, so
 * MySQL holds every ticket from 1 up to the last one written; a fan's laneSeq is not stored, but enter.lua issues
 * ticket and laneSeq in the same step (and the pre-queue shuffle moves them as a pair inside a lane), so a
 * lane's entries ordered by ticket are in laneSeq order and the k-th of them had laneSeq k.
 *
 * A fan's latest entry decides: still open and never admitted → waiting, at its old place; admitted and its
 * READY window (or, once claimed, its booking session) not over yet → READY until that moment, since the session
 * itself lived only in Redis; left, or its turn over → not put back (enter again at the back, as after an expiry).
 */
export function planRebuild(
  rows: readonly EntryRow[],
  opts: { nowMs: number; readyWindowMs: number; sessionMs: number },
): RebuildPlan {
  const sorted = [...rows].sort((a, b) => a.ticket - b.ticket);
  const laneSeq: Record<Lane, number> = { vip: 0, presale: 0, normal: 0 };
  const stats: Record<string, number> = Object.fromEntries(
    LANES.flatMap((l) => [
      [`served:${l}`, 0],
      [`left:${l}`, 0],
    ]),
  );
  const latest = new Map<string, { row: EntryRow; seq: number }>();
  let ticketSeq = 0;
  for (const row of sorted) {
    laneSeq[row.lane] += 1;
    ticketSeq = Math.max(ticketSeq, row.ticket);
    latest.set(row.userId, { row, seq: laneSeq[row.lane] });
    if (row.admittedAt) stats[`served:${row.lane}`] = (stats[`served:${row.lane}`] ?? 0) + 1;
    else if (row.leftAt) stats[`left:${row.lane}`] = (stats[`left:${row.lane}`] ?? 0) + 1;
  }

  const waiting: RestoredFan[] = [];
  const ready: RestoredFan[] = [];
  for (const [userId, { row, seq }] of latest) {
    if (row.leftAt) continue;
    const fan: RestoredFan = {
      userId,
      status: 'W',
      lane: row.lane,
      ticket: row.ticket,
      laneSeq: seq,
      joinedAtMs: row.enteredAt.getTime(),
      untilMs: 0,
    };
    if (!row.admittedAt) {
      waiting.push(fan);
      continue;
    }
    const until = row.claimedAt
      ? row.claimedAt.getTime() + opts.sessionMs
      : row.admittedAt.getTime() + opts.readyWindowMs;
    if (until > opts.nowMs) ready.push({ ...fan, status: 'R', untilMs: until });
  }
  const laneOrder = (l: Lane) => LANES.indexOf(l);
  waiting.sort((a, b) => laneOrder(a.lane) - laneOrder(b.lane) || a.laneSeq - b.laneSeq);
  return { waiting, ready, ticketSeq, laneSeq, stats, entries: rows.length, fans: latest.size };
}
