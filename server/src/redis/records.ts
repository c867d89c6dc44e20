import type { Lane } from '@frontrow/client/protocol';

/**
 * The records the Lua scripts keep as `|`-separated strings, in TypeScript. Their Lua side is the fragments in
 * server/src/redis/lua/ (`fan-record.lua`, `queue-log.lua`), included by the scripts that read or write them;
 * records.test.ts runs both through Redis and checks that they agree.
 */

/** A fan's record in a concert's `fans` hash: status W waiting, R ready, E entered, X expired. */
export interface FanRecord {
  status: string;
  lane: Lane;
  ticket: number;
  laneSeq: number;
  joinedAtMs: number;
  /** readyUntil (R) or the session's expiry (E), else 0. */
  untilMs: number;
  reason: string;
}

/** `status|lane|ticket|laneSeq|joinedAtMs|untilMs|reason`, as fan-record.lua's parseFan reads it. */
const fanPattern = /^([A-Z])\|([a-z]+)\|(\d+)\|(\d+)\|(\d+)\|(\d+)\|(.*)$/s;

export function parseFanRecord(record: string): FanRecord | undefined {
  const m = fanPattern.exec(record);
  if (!m) return undefined;
  return {
    status: m[1] as string,
    lane: m[2] as Lane,
    ticket: Number(m[3]),
    laneSeq: Number(m[4]),
    joinedAtMs: Number(m[5]),
    untilMs: Number(m[6]),
    reason: m[7] as string,
  };
}

export const formatFanRecord = (f: FanRecord): string =>
  [f.status, f.lane, f.ticket, f.laneSeq, f.joinedAtMs, f.untilMs, f.reason].join('|');

/**
 * One line of a concert's write-behind log. Kinds: E entered, S shuffled (the ticket's new owner), A admitted,
 * C claimed, L left (reason), X sale closed (ticket 0, no lane, no user).
 */
export interface LogLine {
  kind: string;
  ticket: number;
  lane: string;
  joinedAtMs: number;
  atMs: number;
  reason: string;
  /** Last, so it may hold any character. */
  userId: string;
}

/** `kind|ticket|lane|joinedAtMs|atMs|reason|userId`, as queue-log.lua's logLine writes it. */
export function parseLogLine(line: string): LogLine {
  const parts = line.split('|');
  const [kind = '', ticket, lane = '', joinedAt, at, reason = ''] = parts;
  return {
    kind,
    ticket: Number(ticket),
    lane,
    joinedAtMs: Number(joinedAt),
    atMs: Number(at),
    reason,
    userId: parts.slice(6).join('|'),
  };
}

export const formatLogLine = (l: LogLine): string =>
  [l.kind, l.ticket, l.lane, l.joinedAtMs, l.atMs, l.reason, l.userId].join('|');
