import type { FrontrowError } from './errors.ts';
import type { Seat, SeatChange, SeatSnapshot } from './protocol.ts';
import type { Realtime } from './realtime.ts';

export interface SeatWatchHandlers {
  /** The full seat map: on watch and again after every reconnection. */
  onSnapshot?(snapshot: SeatSnapshot): void;
  /** Seats that changed status, and the whole map with them applied. */
  onChange?(changes: SeatChange[], seats: Seat[]): void;
  onError?(err: FrontrowError): void;
}

/** Keeps a live copy of a schedule's seat map: the snapshot from the ack, then each `seats:changed` applied. */
export function watchSeats(
  rt: Realtime,
  scheduleId: number,
  accessToken: string,
  handlers: SeatWatchHandlers,
): () => void {
  const seats = new Map<number, Seat>();
  let stopped = false;
  const room = `seats:${scheduleId}`;

  const onChanged = (p: { scheduleId: number; seats: SeatChange[] }) => {
    if (stopped || p.scheduleId !== scheduleId) return;
    for (const change of p.seats) {
      const seat = seats.get(change.seatId);
      if (seat) seats.set(change.seatId, { ...seat, status: change.status });
    }
    handlers.onChange?.(p.seats, [...seats.values()]);
  };

  const socket = rt.socket();
  socket.on('seats:changed', onChanged);
  rt.retain(room);
  const untrack = rt.track({
    resync() {
      rt.emit<SeatSnapshot>('seats:watch', { scheduleId, accessToken }).then(
        (snapshot) => {
          if (stopped) return;
          seats.clear();
          for (const seat of snapshot.seats) seats.set(seat.seatId, seat);
          handlers.onSnapshot?.(snapshot);
        },
        (err: FrontrowError) => {
          if (!stopped) handlers.onError?.(err);
        },
      );
    },
    fail: (err) => handlers.onError?.(err),
  });

  return () => {
    if (stopped) return;
    stopped = true;
    untrack();
    socket.off('seats:changed', onChanged);
    if (rt.release(room) && socket.connected) rt.emit('seats:unwatch', { scheduleId }).catch(() => undefined);
  };
}
