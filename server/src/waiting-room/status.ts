import {
  LANES,
  type Lane,
  type QueueState,
  type QueueStatus,
  type SaleNotice,
  type SaleState,
  type WaitRange,
} from '@frontrow/client/protocol';
import { plannedWaitRange, roundSeatsLeft, waitRange } from '@frontrow/client/wait-range';

/** What the sale hash says about seats, pace and the organiser's words, as status.lua and the tick read it. */
export interface SaleExtras {
  /** undefined before the first count (inventory/refresh.lua). */
  seatsAvailable: number | undefined;
  seatsHeld: number;
  /** Fans admitted by each recent tick while fans waited, newest first (admission/admit.lua). */
  spread: number[];
  notice: SaleNotice | null;
  stateReason: string | null;
  admitRatio: number;
  maxActive: number;
}

/** The raw hash fields (strings, '' or null when absent) named. */
export function parseSaleExtras(raw: {
  seatsAvailable: unknown;
  seatsHeld: unknown;
  spread: unknown;
  notice: unknown;
  stateReason: unknown;
  admitRatio: unknown;
  maxActive: unknown;
}): SaleExtras {
  const text = (v: unknown) => (typeof v === 'string' ? v : v == null ? '' : String(v));
  const notice = text(raw.notice);
  let parsed: SaleNotice | null = null;
  try {
    parsed = notice ? (JSON.parse(notice) as SaleNotice) : null;
  } catch {
    parsed = null; // a hand-edited hash: show nothing rather than fail the status
  }
  return {
    seatsAvailable: text(raw.seatsAvailable) === '' ? undefined : Number(raw.seatsAvailable),
    seatsHeld: Number(text(raw.seatsHeld) || 0),
    spread: text(raw.spread)
      .split(',')
      .filter((x) => x !== '')
      .map(Number),
    notice: parsed,
    stateReason: text(raw.stateReason) || null,
    admitRatio: Number(text(raw.admitRatio) || 1),
    maxActive: Number(text(raw.maxActive) || 0),
  };
}

/** queueStatus's answer (server/src/redis/lua/queue-status.lua), named. */
export interface StatusSnapshot {
  saleState: SaleState;
  title: string;
  status: QueueState;
  lane: Lane | null;
  ticket: number;
  laneSeq: number;
  position: number;
  totalWaiting: number;
  untilMs: number;
  opensAt: number;
  /** Measured admissions per second; undefined before the first admission step measured anything. */
  measuredRate: number | undefined;
  groupSize: number;
  intervalMs: number;
  extras: SaleExtras;
}

/** The JSON array of a queueStatus answer `{'OK', json}`, named. */
export function parseStatus(json: string): StatusSnapshot {
  const [
    saleState,
    title,
    status,
    lane,
    ticket,
    laneSeq,
    position,
    total,
    until,
    opensAt,
    rate,
    group,
    interval,
    seatsAvailable,
    seatsHeld,
    spread,
    notice,
    stateReason,
    admitRatio,
    maxActive,
  ] = JSON.parse(json) as Array<string | number>;
  return {
    saleState: saleState as SaleState,
    title: String(title),
    status: status as QueueState,
    lane: LANES.includes(lane as Lane) ? (lane as Lane) : null,
    ticket: Number(ticket),
    laneSeq: Number(laneSeq),
    position: Number(position),
    totalWaiting: Number(total),
    untilMs: Number(until),
    opensAt: Number(opensAt),
    measuredRate: rate === '' || rate === undefined ? undefined : Number(rate),
    groupSize: Number(group),
    intervalMs: Number(interval),
    extras: parseSaleExtras({
      seatsAvailable,
      seatsHeld,
      spread,
      notice,
      stateReason,
      admitRatio,
      maxActive,
    }),
  };
}

/**
 * The wait range of the fan at `position`: from the spread of recent admission ticks once the sale admits (the
 * same function the SDK runs on a tick); before that, or while the window admitted nobody, from the configured
 * pace, capped by what the seats can serve, after the time until the sale opens.
 */
export function rangeFor(
  s: Pick<StatusSnapshot, 'saleState' | 'groupSize' | 'intervalMs' | 'opensAt' | 'extras'>,
  position: number,
  nowMs: number,
): WaitRange | null {
  const measured = waitRange(position, s.extras.spread, s.intervalMs);
  if (measured) return measured;
  const { seatsAvailable, admitRatio, maxActive } = s.extras;
  const seatCap =
    seatsAvailable === undefined
      ? maxActive
      : Math.min(maxActive || Number.POSITIVE_INFINITY, Math.ceil(seatsAvailable * admitRatio));
  const beforeOpen = s.saleState === 'SCHEDULED' || s.saleState === 'QUEUE_OPEN';
  return plannedWaitRange(position, s.groupSize, s.intervalMs, seatCap, beforeOpen ? s.opensAt - nowMs : 0);
}

/**
 * Fans admitted per second that estimates are based on: the rate the admission steps measured (a moving average
 * over the last minute, see admission/admit.lua) once the sale admits; before that, the configured rate.
 */
export function admissionRate(
  s: Pick<StatusSnapshot, 'saleState' | 'measuredRate' | 'groupSize' | 'intervalMs'>,
) {
  const selling = s.saleState === 'ON_SALE' || s.saleState === 'PAUSED';
  if (selling && s.measuredRate !== undefined && s.measuredRate > 0) return s.measuredRate;
  return s.intervalMs > 0 ? (s.groupSize * 1000) / s.intervalMs : 0;
}

/** The QueueStatus of docs/api.md from a snapshot taken at `nowMs`. */
export function toQueueStatus(concertId: number, s: StatusSnapshot, nowMs: number): QueueStatus {
  const known = s.lane !== null && s.status !== 'NOT_IN_QUEUE';
  const out: QueueStatus = {
    concertId,
    concertTitle: s.title,
    status: s.status,
    lane: known ? s.lane : null,
    ticket: known ? s.ticket : null,
    laneSeq: known ? s.laneSeq : null,
    position: null,
    aheadCount: null,
    totalWaiting: s.totalWaiting,
    estimatedWaitSeconds: null,
    estimatedEnterAt: null,
    canEnter: s.status === 'READY' || s.status === 'ENTERED',
    seatsHeld: s.extras.seatsHeld,
    notice: s.extras.notice,
    stateReason: s.extras.stateReason,
    estimatedWait: null,
  };
  if (s.extras.seatsAvailable !== undefined) out.seatsLeft = roundSeatsLeft(s.extras.seatsAvailable);
  if (s.status === 'WAITING') {
    out.position = s.position;
    out.aheadCount = s.position - 1;
    const rate = admissionRate(s);
    if (rate > 0) {
      // Same rule as the SDK's estimateWaitSeconds (the fans ahead at the admission rate), plus, before the sale
      // opens, the time until it does.
      const untilOpen =
        s.saleState === 'SCHEDULED' || s.saleState === 'QUEUE_OPEN'
          ? Math.max(0, Math.ceil((s.opensAt - nowMs) / 1000))
          : 0;
      const seconds = untilOpen + Math.ceil(out.aheadCount / rate);
      out.estimatedWaitSeconds = seconds;
      out.estimatedEnterAt = new Date(nowMs + seconds * 1000).toISOString();
    }
    out.estimatedWait = rangeFor(s, s.position, nowMs);
  } else if (out.canEnter) {
    out.estimatedWaitSeconds = 0;
    out.estimatedEnterAt = new Date(nowMs).toISOString();
    const until = new Date(s.untilMs).toISOString();
    if (s.status === 'READY') out.readyUntil = until;
    else out.sessionExpiresAt = until;
  }
  return out;
}
