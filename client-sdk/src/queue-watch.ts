import type { FrontrowError } from './errors.ts';
import { estimateWaitSeconds, positionFromTick } from './position.ts';
import type { QueueStatus, QueueTick, SaleState } from './protocol.ts';
import type { Realtime } from './realtime.ts';

/** A fan's place, recomputed locally from every `queue:tick`. */
export interface QueuePosition {
  concertId: number;
  /** 1-based place in the whole waiting room (VIP lane first). */
  position: number;
  aheadCount: number;
  /** Fans waiting in both lanes. */
  totalWaiting: number;
  /** null while nobody is being admitted (sale not open or paused). */
  estimatedWaitSeconds: number | null;
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
  onError?(err: FrontrowError): void;
}

/** Turns the concert's socket traffic into the handlers' calls, deduplicated. */
export function watchQueue(rt: Realtime, concertId: number, handlers: QueueWatchHandlers): () => void {
  let status: QueueStatus | undefined;
  let saleState: SaleState | undefined;
  let admittedUntil: string | undefined;
  let stopped = false;
  const room = `queue:${concertId}`;

  const position = (p: QueuePosition) => handlers.onPosition?.(p);
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
    if (next.status === 'WAITING' && next.position !== null) {
      position({
        concertId,
        position: next.position,
        aheadCount: next.aheadCount ?? next.position - 1,
        totalWaiting: next.totalWaiting,
        estimatedWaitSeconds: next.estimatedWaitSeconds,
      });
    } else if (next.status === 'READY' && next.readyUntil) admitted(next.readyUntil);
    else if (next.status === 'EXPIRED' && previous?.status !== 'EXPIRED') handlers.onExpired?.(next);
    else if (next.status === 'BOOKING_CLOSED') setSale('CLOSED');
  }

  const onTick = (tick: QueueTick) => {
    if (stopped || tick.concertId !== concertId) return;
    handlers.onTick?.(tick);
    setSale(tick.saleState);
    const s = status;
    if (s?.status !== 'WAITING' || !s.lane || s.laneSeq == null) return;
    const pos = positionFromTick(tick, s.lane, s.laneSeq);
    // Not in the lane any more: admitted or removed; the personal `queue:status` push says which.
    if (pos === undefined) return;
    // No admission rate yet (sale not open): keep the server's last estimate rather than showing nothing.
    const estimate = estimateWaitSeconds(tick, pos) ?? s.estimatedWaitSeconds;
    const totalWaiting = tick.lanes.vip.waiting + tick.lanes.normal.waiting;
    status = { ...s, position: pos, aheadCount: pos - 1, totalWaiting, estimatedWaitSeconds: estimate };
    position({ concertId, position: pos, aheadCount: pos - 1, totalWaiting, estimatedWaitSeconds: estimate });
  };
  const onStatus = (s: QueueStatus) => applyStatus(s);
  const onAdmitted = (p: { concertId: number; readyUntil: string }) => {
    if (!stopped && p.concertId === concertId) admitted(p.readyUntil);
  };
  const onSaleState = (p: { concertId: number; state: SaleState }) => {
    if (!stopped && p.concertId === concertId) setSale(p.state);
  };

  const socket = rt.socket();
  socket.on('queue:tick', onTick);
  socket.on('queue:status', onStatus);
  socket.on('queue:admitted', onAdmitted);
  socket.on('sale:state', onSaleState);
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
    if (rt.release(room) && socket.connected) rt.emit('queue:unwatch', { concertId }).catch(() => undefined);
  };
}
