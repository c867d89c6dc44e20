/**
 * The wire contract of Frontrow, written once (docs/api.md describes it). The server imports these with `import type`;
 * the SDK uses them at run time. Change a shape here and both sides fail to compile until they agree.
 */

export const ERROR_CODES = [
  'VALIDATION_ERROR',
  'PAYLOAD_TOO_LARGE',
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
  'SESSION_ENDED',
  'ALREADY_PROCESSING',
  'QUEUE_LIVE',
  'ALREADY_EXTENDED',
  'ALREADY_CANCELLED',
  'ALREADY_IN_QUEUE',
  'REFUND_WINDOW_CLOSED',
  'SEAT_LIMIT_EXCEEDED',
  'CHARGE_LIMIT_EXCEEDED',
  'IDEMPOTENCY_KEY_REUSED',
  'RATE_LIMITED',
  'QUEUE_FULL',
  'SOLD_OUT',
  'DEPENDENCY_UNAVAILABLE',
  'INTERNAL_ERROR',
  'INVALID_ACCESS_CODE',
  'INVALID_PROOF_OF_WORK',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ApiErrorBody {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}
/** The body of every error answer (HTTP 4xx/5xx). */
export interface ErrorEnvelope {
  success: false;
  error: ApiErrorBody;
}
export type Envelope<T> = { success: true; data: T } | ErrorEnvelope;

export type Tier = 'vip' | 'normal';
export type Role = 'admin' | 'user';
/**
 * The lanes of a waiting room in admission order: VIP first, then presale (fans with a presale code or on a
 * presale allow-list), then normal; first in, first out inside a lane.
 */
export const LANES = ['vip', 'presale', 'normal'] as const;
export type Lane = (typeof LANES)[number];
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
  /** SHA-256 (hex) of the secret seed of the pre-queue draw, published from the moment the room can fill. */
  drawCommitment?: string | null;
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

/** GET /api/v1/concerts/{concertId}/schedules/{scheduleId}/seats (access token). */
export interface SeatMap {
  scheduleInfo: Schedule;
  seats: Seat[];
}

export type ReservationStatus = 'HELD' | 'PAID' | 'EXPIRED' | 'CANCELLED' | 'REFUNDED';

export interface CreateReservationRequest {
  scheduleId: number;
  seatIds: number[];
}

export interface ReservationSeat {
  seatId: number;
  label: string;
  price: number;
}

/** A seat hold and what became of it. A HELD reservation past `expiresAt` reads as EXPIRED at once. */
export interface Reservation {
  reservationId: number;
  /** Human-readable, printed on the ticket: `FR-YYMMDD-XXXXXXXX`. */
  reservationNumber: string;
  userId: string;
  concertId: number;
  scheduleId: number;
  seats: ReservationSeat[];
  totalAmount: number;
  status: ReservationStatus;
  /** True once the one extension of this hold was used. */
  extended: boolean;
  reservedAt: string;
  expiresAt: string;
  paidAt: string | null;
  /** When it stopped being live (expired, cancelled, refunded). */
  closedAt: string | null;
}

export type LedgerType = 'CHARGE' | 'PAYMENT' | 'REFUND';

/** GET /api/v1/points. `balance` always equals `totalCharged - totalUsed` and the sum of the ledger. */
export interface Points {
  userId: string;
  balance: number;
  totalCharged: number;
  /** Points spent on payments, net of refunds. */
  totalUsed: number;
  lastUpdated: string;
}

export interface ChargeRequest {
  amount: number;
}

export interface ChargeResult {
  userId: string;
  chargedAmount: number;
  balance: number;
  /** The ledger entry of this charge. */
  transactionId: number;
  chargedAt: string;
}

export interface LedgerEntry {
  transactionId: number;
  type: LedgerType;
  /** Signed: positive for CHARGE and REFUND, negative for PAYMENT. */
  amount: number;
  balanceAfter: number;
  reservationId: number | null;
  createdAt: string;
}

/** GET /api/v1/points/history: newest first; pass `nextCursor` as `cursor` for the next page. */
export interface LedgerPage {
  items: LedgerEntry[];
  nextCursor: string | null;
}

export interface PaymentRequest {
  reservationId: number;
}

export interface Payment {
  paymentId: number;
  reservationId: number;
  userId: string;
  amount: number;
  paymentMethod: 'POINTS';
  status: 'COMPLETED' | 'REFUNDED';
  paidAt: string;
  refundedAt: string | null;
  reservation: { reservationNumber: string; seats: ReservationSeat[] };
}

export interface HealthReport {
  status: 'ok' | 'degraded';
  checks: Record<'redis' | 'mysql', { ok: boolean; latencyMs: number }>;
}

export type QueueState =
  | 'WAITING'
  | 'READY'
  | 'ENTERED'
  | 'EXPIRED'
  | 'NOT_IN_QUEUE'
  | 'BOOKING_CLOSED'
  | 'SOLD_OUT';

/** A wait as a range (seconds from now): the fast, likely and slow cases of the recent admission pace. */
export interface WaitRange {
  lowSeconds: number;
  midSeconds: number;
  highSeconds: number;
}

/** An organiser's message to everyone watching a concert (plain text; clients must show it escaped). */
export interface SaleNotice {
  concertId: number;
  /** At most 280 characters; '' when the notice was cleared. */
  message: string;
  level: 'info' | 'warning';
  /** When it was posted (ISO 8601). */
  at: string;
}

/** POST /api/v1/admin/concerts/{concertId}/notice: an empty message clears the notice. */
export interface NoticeRequest {
  message: string;
  level?: 'info' | 'warning';
}

/** POST .../sale/pause and .../sale/close: why, shown to fans. */
export interface SaleMoveRequest {
  reason?: string;
}

/** A concert's seats as admission counts them (every schedule; a hold past its time counts as available). */
export interface SeatInventory {
  available: number;
  held: number;
  sold: number;
}

/** A fan's place in a concert's waiting room (GET .../queue/me, the `queue:watch` ack, `queue:status`). */
export interface QueueStatus {
  concertId: number;
  concertTitle: string;
  status: QueueState;
  lane: Lane | null;
  ticket: number | null;
  /** The fan's dense sequence number inside its lane: what a client needs to read its place off a `queue:tick`. */
  laneSeq?: number | null;
  /** 1-based place while WAITING, else null. */
  position: number | null;
  aheadCount: number | null;
  totalWaiting: number;
  estimatedWaitSeconds: number | null;
  estimatedEnterAt: string | null;
  canEnter: boolean;
  readyUntil?: string;
  sessionExpiresAt?: string;
  /** AVAILABLE seats: exact below 100, else rounded down to two significant digits (1,234 → 1,200). */
  seatsLeft?: number;
  /** Seats in live holds: they may come back. */
  seatsHeld?: number;
  /** While WAITING: the range of the wait (see WaitRange); null when nothing can be estimated. */
  estimatedWait?: WaitRange | null;
  /** The organiser's current notice, or null. */
  notice?: SaleNotice | null;
  /** Why the sale is PAUSED or CLOSED, when the organiser gave a reason. */
  stateReason?: string | null;
}

/** POST /api/v1/concerts/{concertId}/queue/access-token: the booking pass of a READY (or ENTERED) fan. */
export interface AccessTokenGrant {
  accessToken: string;
  expiresAt: string;
  status: 'ENTERED';
}

/** Admin: a concert's sale and the admission knobs in force (configuration unless overridden at open). */
export interface SaleView {
  concertId: number;
  saleState: SaleState;
  groupSize: number;
  intervalSeconds: number;
  maxActive: number;
  /** Admission keeps READY + ENTERED below ceil(available seats × this). */
  admitSeatRatio: number;
  /** Whether seats coming back after a sell-out (refund, cancelled or expired hold) reopen the waiting room. */
  reopenOnReturns: boolean;
  /** No seat AVAILABLE and none held: admission stopped and the waiting room was emptied. */
  soldOut: boolean;
  /** The last count admission used; null before the first one. */
  inventory: SeatInventory | null;
}

/** POST /api/v1/admin/concerts/{concertId}/sale/open: every knob optional; the configuration fills the rest. */
export interface OpenSaleRequest {
  groupSize?: number;
  intervalSeconds?: number;
  maxActive?: number;
  /** 0.1..10 (default ADMIT_SEAT_RATIO). */
  admitSeatRatio?: number;
  /** Default false. */
  reopenOnReturns?: boolean;
}

/** POST /api/v1/admin/concerts/{concertId}/admit {count}: admitted now, never beyond the active cap. */
/** POST /api/v1/admin/concerts/{concertId}/admit */
export interface AdmitRequest {
  count: number;
}

export interface AdmitResult {
  concertId: number;
  requested: number;
  admitted: number;
  lanes: Record<Lane, number>;
  /** Fans READY or ENTERED after this admission. */
  active: number;
  maxActive: number;
}

/** GET /api/v1/admin/concerts/{concertId}/queue */
export interface AdminQueueView extends SaleView {
  waiting: Record<Lane, number> & { total: number };
  /** Admitted, access token not claimed yet (readyUntil in the future). */
  ready: number;
  /** Holding a live booking session. */
  entered: number;
  /** Fans admitted per second, averaged over the last minute. */
  admittedPerSecond: number;
  admittedLastMinute: number;
  /** Since the queue opened, per lane: admitted, and left while waiting (leave, cleanup). */
  served: Record<Lane, number>;
  left: Record<Lane, number>;
  /** Fans whose READY window or session ran out. */
  expired: number;
  /** Tickets handed out so far (dense 1..N over every lane). */
  lastTicket: number;
  /** The pre-queue shuffle, once it happened: its seed reproduces the permutation (docs/fairness.md). */
  shuffle: ({ seed: string } & Record<Lane, number>) | null;
  /** The next fans to be admitted, VIP lane first. */
  head: Array<{ position: number; userId: string; lane: Lane; ticket: number; joinedAt: string }>;
}

/** POST /api/v1/admin/queue/cleanup */
export interface QueueCleanupResult {
  concerts: number;
  /** Waiting longer than MAX_WAIT_MINUTES. */
  waitingRemoved: number;
  readyExpired: number;
  sessionsExpired: number;
}

/** GET /api/v1/admin/concerts/{concertId}/stats: the dashboard's seat and money totals over every schedule. */
export interface SalesStats {
  concertId: number;
  at: string;
  /** A hold past its time counts as available, as every seat reader sees it. */
  seats: { total: number; available: number; held: number; sold: number };
  /** Won of the reservations that are PAID now (a refund takes its amount out). */
  revenue: number;
  reservations: { held: number; paid: number; cancelled: number; expired: number; refunded: number };
}

/** POST /api/v1/admin/concerts/{concertId}/simulate: synthetic fans for a demo drop. */
export interface SimulateRequest {
  /** 1..2000 */
  fans: number;
  /** Share on the VIP lane, 0..1 (default 0.1). */
  vipShare?: number;
  /** Share of admitted fans that pay for their hold, 0..1 (default 0.8). */
  buyShare?: number;
  /** Joins spread over this many seconds (default 3). */
  joinSeconds?: number;
}

/** A simulation's progress (the POST's 202 answer and GET .../simulate). */
export interface Simulation {
  simulationId: string;
  concertId: number;
  fans: number;
  startedAt: string;
  finishedAt: string | null;
  joined: number;
  admitted: number;
  held: number;
  paid: number;
  gaveUp: number;
  /** Error codes the simulated fans met, counted. */
  errors: Record<string, number>;
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
  'sale:state': (payload: { concertId: number; state: SaleState; reason?: string }) => void;
  /** Once per sell-out, to everyone watching the concert: the waiting room was emptied. */
  'sale:soldout': (payload: SoldOutEvent) => void;
  /** Seats came back after a sell-out and the organiser's setting reopened the waiting room. */
  'sale:reopened': (payload: { concertId: number; seatsLeft: number }) => void;
  /** The organiser posted (or cleared, message '') a notice. */
  'sale:notice': (payload: SaleNotice) => void;
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
  /** Every lane of the room; a client reads a missing `presale` (a server without that lane) as empty. */
  lanes: Record<'vip' | 'normal', LaneTick> & { presale?: LaneTick };
  /** Fans admitted per second, a moving average. */
  admitRate: number;
  /** AVAILABLE seats, rounded as in QueueStatus.seatsLeft. */
  seatsLeft: number;
  seatsHeld: number;
  soldOut: boolean;
  /**
   * Fans admitted by each recent admission tick while fans waited, newest first, and the tick interval: what
   * `waitRange` (SDK) turns into the same range QueueStatus.estimatedWait shows.
   */
  admitSpread: number[];
  tickMs: number;
}

export interface SoldOutEvent {
  concertId: number;
  /** Waiting fans the sell-out removed from the room. */
  removed: number;
  reopenOnReturns: boolean;
}

export interface LaneTick {
  /** Fans waiting in this lane now. */
  waiting: number;
  /**
   * A sampled map from lane sequence number to 0-based rank: `[laneSeq, rank]` of the fan at that rank, ascending.
   * The first mark is the head of the lane. Marks are at most max(10, 2% of their rank) ranks apart, and a mark
   * is left out when nobody left the lane between it and the previous one, so without leaves from the middle the
   * list is just the head. Empty when the lane is empty.
   */
  marks: Array<[number, number]>;
}

/** A queued (v2) reservation request: waiting, taken by a worker, then decided or cancelled. */
export type ReservationRequestStatus = 'PENDING' | 'PROCESSING' | 'COMPLETED' | 'FAILED' | 'CANCELLED';

/** POST /api/v2/reservations → 202 */
export interface ReservationRequestAccepted {
  requestId: string;
  status: 'PENDING';
  /** The user token's tier: queued requests have a VIP and a normal lane. */
  lane: Tier;
  /** 1-based place among the concert's pending requests right after the submit (an upper bound); 0 if not counted. */
  position: number;
}

/** GET (and DELETE) /api/v2/reservations/{requestId} */
export interface ReservationRequestState {
  requestId: string;
  status: ReservationRequestStatus;
  lane: Tier;
  concertId: number;
  scheduleId: number;
  seatIds: number[];
  submittedAt: string;
  /** When a worker took it (PROCESSING). */
  startedAt: string | null;
  /** When it was decided or cancelled. */
  decidedAt: string | null;
  /** The hold, when COMPLETED. */
  result?: Reservation;
  /** Why it FAILED: the error a v1 hold would give. */
  error?: ApiErrorBody;
}

/** `reservation:update`: a queued request's decision, pushed to the fan's sockets. */
export interface ReservationUpdate {
  requestId: string;
  status: ReservationRequestStatus;
  result?: Reservation;
  error?: ApiErrorBody;
}

/** GET /api/v2/queue/stats/{concertId}: the queued-reservation queue of one concert. */
export interface ReservationQueueStats {
  concertId: number;
  at: string;
  /** Requests waiting for their decision, per lane (the user token's tier); `total` also counts retried ones. */
  pending: Record<Tier, number> & { total: number };
  /** Being decided now: at most 1, a concert's requests are decided one at a time. */
  processing: number;
  /** Since the queue began. */
  completed: number;
  failed: number;
  cancelled: number;
  /** Mean time from submit to decision over the last minute, in ms; null when nothing was decided. */
  meanWaitMs: number | null;
  /** Decisions per second, averaged over the last minute. */
  throughputPerSecond: number;
  decidedLastMinute: number;
  /** How long the oldest pending request has waited, in ms; null when none is pending. */
  oldestPendingAgeMs: number | null;
}

/** GET /api/v2/queue/health: are queued reservation requests being decided? */
export interface ReservationQueueHealth {
  /** `degraded` when Redis does not answer, or requests are pending and no worker is alive. */
  status: 'ok' | 'degraded';
  at: string;
  redis: { ok: boolean; latencyMs: number; error?: string };
  /** Worker processes with a heartbeat in the last few seconds. */
  workers: { alive: number; lastHeartbeatAt: string | null };
  /** Concerts with queued requests in the last hour. */
  concerts: number;
  pending: number;
  oldestPendingAgeMs: number | null;
}

// Fairness: the verifiable pre-queue draw (docs/fairness.md).

/** Entry tickets of a draw's fans by lane (the pre-queue in ticket order, or the drawn order). */
export interface DrawLanes {
  vip: number[];
  presale: number[];
  normal: number[];
}

/** COMMITTED: the seed is secret and only its hash is out; DRAWN: the shuffle ran and the seed is revealed. */
export type DrawState = 'COMMITTED' | 'DRAWN';

/** `GET /concerts/{id}/fairness`: everything a third party needs to recompute the draw. */
export interface FairnessRecord {
  concertId: number;
  algorithm: 'frontrow-draw';
  version: 1;
  state: DrawState;
  /** SHA-256 of the 32-byte seed, hex. */
  commitment: string;
  /** The 32-byte seed, hex: null until the draw ran. */
  seed: string | null;
  drawnAt: string | null;
  /** The pre-queue's entry tickets, ascending in each lane: the draw's input. */
  preQueue: DrawLanes | null;
  /** The same tickets in their drawn order: the draw's output. */
  drawn: DrawLanes | null;
  /** SHA-256 (hex) of the drawn order's canonical text (docs/fairness.md). */
  orderHash: string | null;
}

/** `GET /concerts/{id}/queue/me/draw`: the caller's part in the draw (entry null if it was not in the pre-queue). */
export interface DrawPlace {
  concertId: number;
  state: DrawState;
  entry: {
    lane: Lane;
    /** The ticket the fan got when it entered, before the draw. */
    entryTicket: number;
    /** 1-based place in its lane's drawn order. */
    place: number;
    /** The ticket the fan holds after the draw (the place-th smallest entry ticket of its lane). */
    ticket: number;
  } | null;
}

// Access codes and allow-lists (presale and invite-only sales).

/** `open`: anyone may enter; `codes-only`: only with an access code or on the allow-list. */
export type AccessMode = 'open' | 'codes-only';
/**
 * A code's lane: `vip` enters the VIP lane; `presale` the presale lane (a VIP fan keeps the VIP lane). A code or
 * allow-list entry also lets its holder into a codes-only sale.
 */
export type AccessLane = 'presale' | 'vip';

/** `POST /concerts/{id}/queue` body (optional). */
export interface EnterRequest {
  accessCode?: string;
  /** A solved proof-of-work challenge, where the concert asks for one (`GET .../queue/challenge`). */
  challenge?: string;
  /** Decimal: SHA-256(`${challenge}.${nonce}`) starts with `difficultyBits` zero bits. */
  nonce?: string;
}

export interface CreateAccessCodesRequest {
  count: number;
  usesPerCode: number;
  lane: AccessLane;
  expiresAt: string;
}
/** The codes in clear, shown this once: the server keeps only their SHA-256. */
export interface AccessCodeBatch {
  concertId: number;
  codes: string[];
  usesPerCode: number;
  lane: AccessLane;
  expiresAt: string;
}

export interface AllowListRequest {
  userIds: string[];
  lane: AccessLane;
}
export interface AccessModeRequest {
  accessMode: AccessMode;
}
export interface AccessSettings {
  concertId: number;
  accessMode: AccessMode;
  /** How many user ids the allow-list holds. */
  allowListed: number;
}

// Signed webhooks for organisers (docs/fragments/fairness-api.md).

export const WEBHOOK_EVENTS = [
  'sale.opened',
  'sale.paused',
  'sale.resumed',
  'sale.closed',
  'sale.sold_out',
  'admission.minute',
  'reservation.paid',
  'reservation.refunded',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENTS)[number];

/** What a webhook receives: the same `id` on every retry of one event, for de-duplication. */
export interface WebhookEvent<T = Record<string, unknown>> {
  id: string;
  type: WebhookEventType | 'ping';
  createdAt: string;
  data: T;
}

export interface CreateWebhookRequest {
  url: string;
  events: WebhookEventType[];
  /** The shared secret the `Frontrow-Signature` header is computed with (16-256 characters). */
  secret: string;
}
/** A registered webhook (its secret is never shown again). */
export interface Webhook {
  webhookId: string;
  url: string;
  events: WebhookEventType[];
  createdAt: string;
}

/** POST .../webhooks/{webhookId}/ping: the id of the `ping` event it sent. */
export interface WebhookPing {
  eventId: string;
}

export interface WebhookDelivery {
  eventId: string;
  type: WebhookEventType | 'ping';
  attempt: number;
  at: string;
  outcome: 'DELIVERED' | 'RETRYING' | 'FAILED';
  /** The receiver's HTTP status, when it answered. */
  httpStatus: number | null;
  error: string | null;
  durationMs: number;
}

// Proof-of-work at the door.

/** `GET /concerts/{id}/queue/challenge`: challenge null when the concert asks for no work. */
export interface PowChallenge {
  concertId: number;
  difficultyBits: number;
  challenge: string | null;
  expiresAt: string | null;
}
export interface PowSettings {
  concertId: number;
  difficultyBits: number;
}
