import type { Lane, QueueState, QueueStatus, SaleState } from '../../../client-sdk/src/protocol.ts';
import type { LuaReply } from './scripts.ts';

/** status.lua's answer, named. */
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
}

export function parseStatus(reply: LuaReply): StatusSnapshot {
  const [
    ,
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
  ] = reply;
  return {
    saleState: saleState as SaleState,
    title: String(title),
    status: status as QueueState,
    lane: lane === 'vip' || lane === 'normal' ? lane : null,
    ticket: Number(ticket),
    laneSeq: Number(laneSeq),
    position: Number(position),
    totalWaiting: Number(total),
    untilMs: Number(until),
    opensAt: Number(opensAt),
    measuredRate: rate === '' || rate === undefined ? undefined : Number(rate),
    groupSize: Number(group),
    intervalMs: Number(interval),
  };
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
  };
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
  } else if (out.canEnter) {
    out.estimatedWaitSeconds = 0;
    out.estimatedEnterAt = new Date(nowMs).toISOString();
    const until = new Date(s.untilMs).toISOString();
    if (s.status === 'READY') out.readyUntil = until;
    else out.sessionExpiresAt = until;
  }
  return out;
}
