import type { FrontrowError } from './errors.ts';
import { estimateWaitSeconds, positionFromTick, waitingInTick } from './position.ts';
import type { QueueStatus, QueueTick, SaleNotice, SaleState, SoldOutEvent, WaitRange } from './protocol.ts';
import type { Realtime } from './realtime.ts';
import { waitRange } from './wait-range.ts';

/** A fan's place, recomputed locally from every `queue:tick`. */
export interface QueuePosition {
  concertId: number;
  /** 1-based place in the whole waiting room (VIP lane first, then presale, then normal). */
  position: number;
  aheadCount: number;
  /** Fans waiting in both lanes. */
  totalWaiting: number;
  /** null while nobody is being admitted (sale not open or paused). */
  estimatedWaitSeconds: number | null;
  /** The wait as a range: from the tick's admission spread, else the server's last one. */
  estimatedWait: WaitRange | null;
  /** AVAILABLE seats (rounded as the server rounds them) and seats in live holds; undefined before known. */
  seatsLeft?: number;
  seatsHeld?: number;
}

export interface QueueWatchOptions {
  /** Call `onNear` once, the first time the fan's place is within this many places of the front. */
  notifyWithin?: number;
}

export interface QueueWatchHandlers {
  /** Every full status: the watch's ack (also after each reconnection) and the server's personal pushes. */
  onStatus?(status: QueueStatus): void;
  /** The fan's position, from the status and then from each tick, while WAITING. */
  onPosition?(position: QueuePosition): void;
  /** Admitted: claim the access token (`queue.claimAccess`) before `readyUntil`. Called once per admission. */
  onAdmitted?(admission: { concertId: number; readyUntil: string }): void;
  /** The READY window or the booking session ran out. */
  onExpired?(status: QueueStatus): void;
  /** The concert's sale state, when first known and whenever it changes. */
  onSaleState?(state: SaleState): void;
  /** Every raw tick (for charts). */
  onTick?(tick: QueueTick): void;
  /** The sale sold out (no seat left, none held): the waiting room was emptied. Called once. */
  onSoldOut?(event: SoldOutEvent): void;
  /** Seats came back after a sell-out and the organiser reopened the room: enter again to queue. */
  onReopened?(event: { concertId: number; seatsLeft: number }): void;
  /** The organiser's notice changed; null when cleared. Plain text: show it escaped (textContent). */
  onNotice?(notice: SaleNotice | null): void;
  /** Why the sale is PAUSED or CLOSED, when the organiser said (null when nothing was said). */
  onStateReason?(reason: string | null): void;
  /** Once per watch: the fan's place is within `notifyWithin` (see QueueWatchOptions) of the front. */
  onNear?(near: { concertId: number; position: number; notifyWithin: number }): void;
  onError?(err: FrontrowError): void;
}

/** Turns the concert's socket traffic into the handlers' calls, deduplicated. */
export function watchQueue(
  rt: Realtime,
  concertId: number,
  handlers: QueueWatchHandlers,
  options: QueueWatchOptions = {},
): () => void {
  let status: QueueStatus | undefined;
  let soldOut = false;
  let nearSent = false;
  let noticeKey: string | undefined;
  let reason: string | null | undefined;
  let saleState: SaleState | undefined;
  let admittedUntil: string | undefined;
  let stopped = false;
  const room = `queue:${concertId}`;

  const position = (p: QueuePosition) => {
    handlers.onPosition?.(p);
    const within = options.notifyWithin;
    if (within !== undefined && !nearSent && p.position <= within) {
      nearSent = true;
      handlers.onNear?.({ concertId, position: p.position, notifyWithin: within });
    }
  };
  const markSoldOut = (event: SoldOutEvent) => {
    if (soldOut) return;
    soldOut = true;
    handlers.onSoldOut?.(event);
  };
  const setNotice = (notice: SaleNotice | null) => {
    const key = notice?.message ? `${notice.at}|${notice.message}` : '';
    if (key === noticeKey) return;
    noticeKey = key;
    handlers.onNotice?.(notice?.message ? notice : null);
  };
  const setReason = (next: string | null) => {
    if (next === reason) return;
    reason = next;
    handlers.onStateReason?.(next);
  };
  const setSale = (state: SaleState) => {
    if (state === saleState) return;
    saleState = state;
    handlers.onSaleState?.(state);
  };
  const admitted = (readyUntil: string) => {
    if (readyUntil === admittedUntil) return;
    admittedUntil = readyUntil;
    handlers.onAdmitted?.({ concertId, readyUntil });
  };

  function applyStatus(next: QueueStatus) {
    if (stopped || next.concertId !== concertId) return;
    const previous = status;
    status = next;
    handlers.onStatus?.(next);
    if (next.notice !== undefined) setNotice(next.notice);
    if (next.stateReason !== undefined) setReason(next.stateReason);
    if (next.status !== 'SOLD_OUT') soldOut = false;
    if (next.status === 'WAITING' && next.position !== null) {
      position({
        concertId,
        position: next.position,
        aheadCount: next.aheadCount ?? next.position - 1,
        totalWaiting: next.totalWaiting,
        estimatedWaitSeconds: next.estimatedWaitSeconds,
        estimatedWait: next.estimatedWait ?? null,
        seatsLeft: next.seatsLeft,
        seatsHeld: next.seatsHeld,
      });
    } else if (next.status === 'SOLD_OUT') {
      markSoldOut({ concertId, removed: 0, reopenOnReturns: false });
    } else if (next.status === 'READY' && next.readyUntil) admitted(next.readyUntil);
    else if (next.status === 'EXPIRED' && previous?.status !== 'EXPIRED') handlers.onExpired?.(next);
    else if (next.status === 'BOOKING_CLOSED') setSale('CLOSED');
  }

  const onTick = (tick: QueueTick) => {
    if (stopped || tick.concertId !== concertId) return;
    handlers.onTick?.(tick);
    setSale(tick.saleState);
    if (tick.soldOut) markSoldOut({ concertId, removed: 0, reopenOnReturns: false });
    const s = status;
    if (s?.status !== 'WAITING' || !s.lane || s.laneSeq == null) return;
    const pos = positionFromTick(tick, s.lane, s.laneSeq);
    // Not in the lane any more: admitted or removed; the personal `queue:status` push says which.
    if (pos === undefined) return;
    // No admission rate yet (sale not open): keep the server's last estimate rather than showing nothing.
    const estimate = estimateWaitSeconds(tick, pos) ?? s.estimatedWaitSeconds;
    // The same range the server computes, from the spread the tick carries.
    const range = waitRange(pos, tick.admitSpread ?? [], tick.tickMs ?? 0) ?? s.estimatedWait ?? null;
    const totalWaiting = waitingInTick(tick);
    const seats = { seatsLeft: tick.seatsLeft, seatsHeld: tick.seatsHeld };
    status = {
      ...s,
      ...seats,
      position: pos,
      aheadCount: pos - 1,
      totalWaiting,
      estimatedWaitSeconds: estimate,
      estimatedWait: range,
    };
    position({
      concertId,
      position: pos,
      aheadCount: pos - 1,
      totalWaiting,
      estimatedWaitSeconds: estimate,
      estimatedWait: range,
      ...seats,
    });
  };
  const onSoldOut = (p: SoldOutEvent) => {
    if (!stopped && p.concertId === concertId) markSoldOut(p);
  };
  const onReopened = (p: { concertId: number; seatsLeft: number }) => {
    if (stopped || p.concertId !== concertId) return;
    soldOut = false;
    handlers.onReopened?.(p);
  };
  const onNotice = (n: SaleNotice) => {
    if (!stopped && n.concertId === concertId) setNotice(n);
  };
  const onStatus = (s: QueueStatus) => applyStatus(s);
  const onAdmitted = (p: { concertId: number; readyUntil: string }) => {
    if (!stopped && p.concertId === concertId) admitted(p.readyUntil);
  };
  const onSaleState = (p: { concertId: number; state: SaleState; reason?: string }) => {
    if (stopped || p.concertId !== concertId) return;
    setSale(p.state);
    setReason(p.state === 'PAUSED' || p.state === 'CLOSED' ? (p.reason ?? null) : null);
  };

  const socket = rt.socket();
  socket.on('queue:tick', onTick);
  socket.on('queue:status', onStatus);
  socket.on('queue:admitted', onAdmitted);
  socket.on('sale:state', onSaleState);
  socket.on('sale:soldout', onSoldOut);
  socket.on('sale:reopened', onReopened);
  socket.on('sale:notice', onNotice);
  rt.retain(room);
  const untrack = rt.track({
    resync() {
      rt.emit<QueueStatus>('queue:watch', { concertId }).then(applyStatus, (err: FrontrowError) => {
        if (!stopped) handlers.onError?.(err);
      });
    },
    fail: (err) => handlers.onError?.(err),
  });

  return () => {
    if (stopped) return;
    stopped = true;
    untrack();
    socket.off('queue:tick', onTick);
    socket.off('queue:status', onStatus);
    socket.off('queue:admitted', onAdmitted);
    socket.off('sale:state', onSaleState);
    socket.off('sale:soldout', onSoldOut);
    socket.off('sale:reopened', onReopened);
    socket.off('sale:notice', onNotice);
    if (rt.release(room) && socket.connected) rt.emit('queue:unwatch', { concertId }).catch(() => undefined);
  };
}
