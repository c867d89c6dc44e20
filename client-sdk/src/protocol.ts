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
