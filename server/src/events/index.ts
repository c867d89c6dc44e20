import type {
  ApiErrorBody,
  Lane,
  Reservation,
  ReservationUpdate,
  SaleNotice,
  SaleState,
  SeatChange,
} from '@frontrow/client/protocol';

/**
 * What features announce when something a fan should see changes. Features publish; the real-time gateway
 * (or a worker's Socket.IO emitter) subscribes. Until a gateway is wired, the no-op sink drops them.
 */
export type DomainEvent =
  | { type: 'sale.state'; concertId: number; state: SaleState; reason?: string; from?: SaleState }
  /** No seat left and none held: the waiting room was emptied (inventory/). */
  | { type: 'sale.soldout'; concertId: number; removed: number; reopenOnReturns: boolean }
  /** Seats came back after a sell-out and the sale's setting reopened the room. */
  | { type: 'sale.reopened'; concertId: number; seatsLeft: number }
  | { type: 'sale.notice'; notice: SaleNotice }
  | { type: 'queue.moved'; concertId: number }
  | { type: 'queue.admitted'; concertId: number; userId: string; lane: Lane; readyUntil: string }
  | { type: 'queue.expired'; concertId: number; userId: string; reason: string }
  | {
      type: 'seats.changed';
      concertId: number;
      scheduleId: number;
      seats: SeatChange[];
    }
  | {
      /** A queued (v2) reservation request changed state; pushed to the fan's sockets as `reservation:update`. */
      type: 'reservation.update';
      userId: string;
      requestId: string;
      status: ReservationUpdate['status'];
      result?: Reservation;
      error?: ApiErrorBody;
    };

export interface EventSink {
  publish(event: DomainEvent): void;
}

export const noopEvents: EventSink = { publish: () => undefined };

/**
 * A sink whose subscribers join once they exist: a service that publishes is often built before the sinks that
 * read from it (the socket sink reads the waiting room's status). Each event goes to every subscriber, in the
 * order they joined.
 */
export function createEventBus(): EventSink & { subscribe(...sinks: EventSink[]): void } {
  const sinks: EventSink[] = [];
  return {
    publish(event) {
      for (const sink of sinks) sink.publish(event);
    },
    subscribe(...more) {
      sinks.push(...more);
    },
  };
}

/** A sink that remembers what it saw: handy in tests that assert an event was announced. */
export function recordingSink(): EventSink & { events: DomainEvent[] } {
  const events: DomainEvent[] = [];
  return { events, publish: (e) => void events.push(e) };
}
