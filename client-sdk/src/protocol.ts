/**
 * The wire contract of Frontrow, written once (API.md). The server imports these with `import type`;
 * the SDK uses them at run time. Change a shape here and both sides fail to compile until they agree.
 */

export const ERROR_CODES = [
  'VALIDATION_ERROR',
  'UNAUTHENTICATED',
  'INVALID_TOKEN',
  'TOKEN_EXPIRED',
  'INSUFFICIENT_POINTS',
  'FORBIDDEN',
  'NOT_ADMITTED',
  'WRONG_CONCERT',
  'NOT_FOUND',
  'SEAT_UNAVAILABLE',
  'ALREADY_PAID',
  'RESERVATION_EXPIRED',
  'QUEUE_NOT_OPEN',
  'BOOKING_CLOSED',
  'ALREADY_PROCESSING',
  'SEAT_LIMIT_EXCEEDED',
  'CHARGE_LIMIT_EXCEEDED',
  'IDEMPOTENCY_KEY_REUSED',
  'RATE_LIMITED',
  'QUEUE_FULL',
  'DEPENDENCY_UNAVAILABLE',
  'INTERNAL_ERROR',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ApiErrorBody {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}
export type Envelope<T> = { success: true; data: T } | { success: false; error: ApiErrorBody };

export type Tier = 'vip' | 'normal';
export type Role = 'admin' | 'user';
export type Lane = Tier;
export type SaleState = 'SCHEDULED' | 'QUEUE_OPEN' | 'ON_SALE' | 'PAUSED' | 'CLOSED';
export type SeatStatus = 'AVAILABLE' | 'HELD' | 'SOLD';
export type ScheduleStatus = 'UPCOMING' | 'OPEN' | 'SOLD_OUT' | 'CLOSED';

export interface DevTokenRequest {
  userId: string;
  name?: string;
  tier?: Tier;
  role?: Role;
}
export interface DevTokenResponse {
  token: string;
  expiresAt: string;
}

export interface Concert {
  concertId: number;
  title: string;
  venueName: string;
  saleState: SaleState;
  saleOpensAt: string;
  saleClosesAt: string;
  scheduleCount: number;
}

export interface Schedule {
  scheduleId: number;
  concertId: number;
  concertTitle: string;
  venueName: string;
  /** YYYY-MM-DD (UTC) */
  performanceDate: string;
  /** HH:MM (UTC) */
  performanceTime: string;
  bookingOpenAt: string;
  bookingCloseAt: string;
  availableSeats: number;
  totalSeats: number;
  status: ScheduleStatus;
}

export interface SectionInput {
  name: string;
  grade: string;
  price: number;
  rows: number;
  seatsPerRow: number;
}
export interface ScheduleInput {
  startsAt: string;
  bookingOpenAt: string;
  bookingCloseAt: string;
  sections: SectionInput[];
}
export interface CreateConcertRequest {
  title: string;
  venueName: string;
  schedules: ScheduleInput[];
}
export interface CreatedConcert extends Concert {
  schedules: Array<Schedule>;
}

export interface Seat {
  seatId: number;
  label: string;
  section: string;
  row: string;
  number: number;
  grade: string;
  price: number;
  status: SeatStatus;
}

export interface HealthReport {
  status: 'ok' | 'degraded';
  checks: Record<'redis' | 'mysql', { ok: boolean; latencyMs: number; error?: string }>;
}

export type QueueState = 'WAITING' | 'READY' | 'ENTERED' | 'EXPIRED' | 'NOT_IN_QUEUE' | 'BOOKING_CLOSED';

/** A fan's place in a concert's waiting room (GET .../queue/me, the `queue:watch` ack, `queue:status`). */
export interface QueueStatus {
  concertId: number;
  concertTitle: string;
  status: QueueState;
  lane: Lane | null;
  ticket: number | null;
  /** 1-based place while WAITING, else null. */
  position: number | null;
  aheadCount: number | null;
  totalWaiting: number;
  estimatedWaitSeconds: number | null;
  estimatedEnterAt: string | null;
  canEnter: boolean;
  readyUntil?: string;
  sessionExpiresAt?: string;
}

/* ---------------------------------------------------------------- Socket.IO (path /socket.io) */

/** Every client→server event is acknowledged with this: the REST envelope's error body, or the data. */
export type Ack<T> = { ok: true; data: T } | { ok: false; error: ApiErrorBody };

export interface SeatSnapshot {
  scheduleId: number;
  concertId: number;
  seats: Seat[];
}

export interface SeatChange {
  seatId: number;
  status: SeatStatus;
}

export interface ClientToServerEvents {
  'queue:watch': (payload: { concertId: number }, ack: (res: Ack<QueueStatus>) => void) => void;
  'queue:unwatch': (payload: { concertId: number }, ack: (res: Ack<{ concertId: number }>) => void) => void;
  'seats:watch': (
    payload: { scheduleId: number; accessToken: string },
    ack: (res: Ack<SeatSnapshot>) => void,
  ) => void;
  'seats:unwatch': (payload: { scheduleId: number }, ack: (res: Ack<{ scheduleId: number }>) => void) => void;
}

export interface ServerToClientEvents {
  'queue:tick': (tick: QueueTick) => void;
  'queue:status': (status: QueueStatus) => void;
  'queue:admitted': (payload: { concertId: number; readyUntil: string }) => void;
  'sale:state': (payload: { concertId: number; state: SaleState }) => void;
  'seats:changed': (payload: { scheduleId: number; seats: SeatChange[] }) => void;
  'reservation:update': (payload: ReservationUpdate) => void;
}

/**
 * One packet per concert per movement of its queue, the same for every watcher. A client turns it into its own
 * position from its lane and ticket (see the SDK's `positionFromTick`).
 */
export interface QueueTick {
  concertId: number;
  /** Server time of the snapshot (ms since epoch). */
  at: number;
  saleState: SaleState;
  lanes: Record<Lane, LaneTick>;
  /** Fans admitted per second, a moving average. */
  admitRate: number;
}

export interface LaneTick {
  /** Fans waiting in this lane now. */
  waiting: number;
  /** Every ticket of this lane at or below this one has left the lane (admitted or gone). */
  servedThrough: number;
  /**
   * Fans who left this lane from the middle, counted per ticket range: `[fromTicket, toTicket, count]`, ranges
   * ascending and widening away from the head, so the packet stays small whatever the queue size.
   */
  leftAhead: Array<[number, number, number]>;
}

export interface ReservationUpdate {
  requestId: string;
  status: 'PENDING' | 'PROCESSING' | 'COMPLETED' | 'FAILED' | 'CANCELLED';
  result?: unknown;
  error?: ApiErrorBody;
}
