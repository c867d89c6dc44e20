/**
 * Frontrow's durable data model: money and seats live here (docs/architecture.md "Where state lives").
 *
 * Invariants enforced by the database itself, so that a bug in application code cannot break them:
 * - a seat is in at most one live (HELD or PAID) reservation: `reservation_seats.live_seat_id` is unique and is
 *   set only while the reservation is live;
 * - a reservation is paid at most once: `payments.reservation_id` is unique, and so is the ledger's
 *   (reservation_id, type) pair for PAYMENT and REFUND rows;
 * - a balance is never negative: a CHECK constraint on `users.balance`.
 * All times are UTC, `DATETIME(3)`; money is an integer number of won.
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  customType,
  datetime,
  index,
  int,
  json,
  mysqlEnum,
  mysqlTable,
  primaryKey,
  uniqueIndex,
  varchar,
} from 'drizzle-orm/mysql-core';

const id = (name = 'id') => bigint(name, { mode: 'number', unsigned: true }).autoincrement().primaryKey();
const ref = (name: string) => bigint(name, { mode: 'number', unsigned: true });
const money = (name: string) => bigint(name, { mode: 'number' });
const time = (name: string) => datetime(name, { mode: 'date', fsp: 3 });
/**
 * Identifiers compare byte for byte, as Redis and TypeScript compare them: under a case- and accent-insensitive
 * collation `Alice`, `alice` and `Alicé` would be one fan in MySQL (one balance, one seat limit, each other's
 * reservations) and three everywhere else. `utf8mb4_bin` for a token's `sub` (any Unicode); `ascii_bin` where
 * the server bounds the alphabet (UUIDs, printable-ASCII Idempotency-Keys). Both collations pad with spaces, so
 * a subject may not end in a space (auth/user-tokens.ts refuses it).
 */
const exactId = (name: string, length: number, charset: 'utf8mb4' | 'ascii' = 'utf8mb4') =>
  customType<{ data: string; driverData: string }>({
    dataType: () => `varchar(${length}) CHARACTER SET ${charset} COLLATE ${charset}_bin`,
  })(name);
const createdAt = () => time('created_at').notNull().default(sql`CURRENT_TIMESTAMP(3)`);

export const TIERS = ['vip', 'normal'] as const;
export const ROLES = ['admin', 'user'] as const;
export const SALE_STATES = ['SCHEDULED', 'QUEUE_OPEN', 'ON_SALE', 'PAUSED', 'CLOSED'] as const;
export const SEAT_STATUSES = ['AVAILABLE', 'HELD', 'SOLD'] as const;
export const RESERVATION_STATUSES = ['HELD', 'PAID', 'EXPIRED', 'CANCELLED', 'REFUNDED'] as const;
export const LEDGER_TYPES = ['CHARGE', 'PAYMENT', 'REFUND'] as const;
/** Waiting-room lanes in admission order (client-sdk/src/protocol.ts `LANES`). */
export const LANES = ['vip', 'presale', 'normal'] as const;

export const users = mysqlTable(
  'users',
  {
    /** The identity provider's `sub`. */
    id: exactId('id', 64).primaryKey(),
    name: varchar('name', { length: 100 }).notNull(),
    tier: mysqlEnum('tier', TIERS).notNull().default('normal'),
    role: mysqlEnum('role', ROLES).notNull().default('user'),
    balance: money('balance').notNull().default(0),
    totalCharged: money('total_charged').notNull().default(0),
    totalUsed: money('total_used').notNull().default(0),
    createdAt: createdAt(),
    updatedAt: time('updated_at').notNull().default(sql`CURRENT_TIMESTAMP(3)`),
  },
  () => [check('users_balance_non_negative', sql`balance >= 0`)],
);

export const concerts = mysqlTable('concerts', {
  id: id(),
  title: varchar('title', { length: 200 }).notNull(),
  venueName: varchar('venue_name', { length: 200 }).notNull(),
  saleState: mysqlEnum('sale_state', SALE_STATES).notNull().default('SCHEDULED'),
  /** Earliest bookingOpenAt / latest bookingCloseAt of its schedules: when the sale opens and closes by itself. */
  saleOpensAt: time('sale_opens_at').notNull(),
  saleClosesAt: time('sale_closes_at').notNull(),
  /** Per-sale overrides of the admission knobs given when an admin opens the sale; null = configuration. */
  admitGroupSize: int('admit_group_size'),
  admitIntervalSeconds: int('admit_interval_seconds'),
  maxActive: int('max_active'),
  createdAt: createdAt(),
});

export const schedules = mysqlTable(
  'schedules',
  {
    id: id(),
    concertId: ref('concert_id')
      .notNull()
      .references(() => concerts.id),
    startsAt: time('starts_at').notNull(),
    bookingOpenAt: time('booking_open_at').notNull(),
    bookingCloseAt: time('booking_close_at').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('schedules_concert_starts').on(t.concertId, t.startsAt)],
);

export const seats = mysqlTable(
  'seats',
  {
    id: id(),
    scheduleId: ref('schedule_id')
      .notNull()
      .references(() => schedules.id),
    section: varchar('section', { length: 40 }).notNull(),
    row: varchar('row_label', { length: 8 }).notNull(),
    number: int('number').notNull(),
    grade: varchar('grade', { length: 20 }).notNull(),
    price: int('price').notNull(),
    status: mysqlEnum('status', SEAT_STATUSES).notNull().default('AVAILABLE'),
    /** The reservation holding or owning the seat; null while AVAILABLE. */
    holdId: ref('hold_id'),
    /** For HELD seats: past this instant (database clock) the seat reads and sells as AVAILABLE. */
    heldUntil: time('held_until'),
  },
  (t) => [
    uniqueIndex('seats_schedule_place').on(t.scheduleId, t.section, t.row, t.number),
    index('seats_schedule_status').on(t.scheduleId, t.status),
    index('seats_hold').on(t.holdId),
    check('seats_price_non_negative', sql`price >= 0`),
  ],
);

export const reservations = mysqlTable(
  'reservations',
  {
    id: id(),
    reservationNumber: varchar('reservation_number', { length: 24 }).notNull(),
    userId: exactId('user_id', 64)
      .notNull()
      .references(() => users.id),
    concertId: ref('concert_id')
      .notNull()
      .references(() => concerts.id),
    scheduleId: ref('schedule_id')
      .notNull()
      .references(() => schedules.id),
    status: mysqlEnum('status', RESERVATION_STATUSES).notNull().default('HELD'),
    totalAmount: money('total_amount').notNull(),
    expiresAt: time('expires_at').notNull(),
    extended: boolean('extended').notNull().default(false),
    /** A queued (v2) request decided into this reservation: makes a retried job idempotent. */
    requestId: exactId('request_id', 64, 'ascii'),
    reservedAt: createdAt(),
    paidAt: time('paid_at'),
    closedAt: time('closed_at'),
  },
  (t) => [
    uniqueIndex('reservations_number').on(t.reservationNumber),
    uniqueIndex('reservations_request').on(t.requestId),
    index('reservations_user_schedule').on(t.userId, t.scheduleId, t.status),
    index('reservations_status_expires').on(t.status, t.expiresAt),
  ],
);

export const reservationSeats = mysqlTable(
  'reservation_seats',
  {
    reservationId: ref('reservation_id')
      .notNull()
      .references(() => reservations.id),
    seatId: ref('seat_id')
      .notNull()
      .references(() => seats.id),
    /** Equals seat_id while the reservation is HELD or PAID, null afterwards; unique, so never sold twice. */
    liveSeatId: ref('live_seat_id'),
    price: int('price').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.reservationId, t.seatId] }),
    uniqueIndex('reservation_seats_live').on(t.liveSeatId),
  ],
);

export const payments = mysqlTable(
  'payments',
  {
    id: id(),
    reservationId: ref('reservation_id')
      .notNull()
      .references(() => reservations.id),
    userId: exactId('user_id', 64)
      .notNull()
      .references(() => users.id),
    amount: money('amount').notNull(),
    paymentMethod: mysqlEnum('payment_method', ['POINTS']).notNull().default('POINTS'),
    status: mysqlEnum('status', ['COMPLETED', 'REFUNDED']).notNull().default('COMPLETED'),
    paidAt: createdAt(),
    refundedAt: time('refunded_at'),
  },
  (t) => [uniqueIndex('payments_reservation').on(t.reservationId), index('payments_user').on(t.userId, t.id)],
);

export const pointLedger = mysqlTable(
  'point_ledger',
  {
    id: id(),
    userId: exactId('user_id', 64)
      .notNull()
      .references(() => users.id),
    type: mysqlEnum('type', LEDGER_TYPES).notNull(),
    /** Signed: positive for CHARGE and REFUND, negative for PAYMENT. The user's rows sum to the balance. */
    amount: money('amount').notNull(),
    balanceAfter: money('balance_after').notNull(),
    reservationId: ref('reservation_id'),
    createdAt: createdAt(),
  },
  (t) => [
    index('point_ledger_user').on(t.userId, t.id),
    uniqueIndex('point_ledger_reservation_type').on(t.reservationId, t.type),
  ],
);

export const idempotencyKeys = mysqlTable(
  'idempotency_keys',
  {
    userId: exactId('user_id', 64).notNull(),
    key: exactId('idem_key', 128, 'ascii').notNull(),
    /** sha256 of method, route and body: the same key with another request is refused. */
    requestHash: varchar('request_hash', { length: 64 }).notNull(),
    state: mysqlEnum('state', ['IN_PROGRESS', 'DONE']).notNull().default('IN_PROGRESS'),
    responseStatus: int('response_status'),
    responseBody: json('response_body'),
    createdAt: createdAt(),
    expiresAt: time('expires_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.key] }), index('idempotency_expires').on(t.expiresAt)],
);

/** Durable, written-behind log of the waiting room: audit, and the source a lost Redis queue is rebuilt from. */
export const queueEntries = mysqlTable(
  'queue_entries',
  {
    id: id(),
    concertId: ref('concert_id')
      .notNull()
      .references(() => concerts.id),
    userId: exactId('user_id', 64).notNull(),
    ticket: bigint('ticket', { mode: 'number' }).notNull(),
    lane: mysqlEnum('lane', LANES).notNull(),
    enteredAt: time('entered_at').notNull(),
    admittedAt: time('admitted_at'),
    claimedAt: time('claimed_at'),
    leftAt: time('left_at'),
    /** Why the entry ended: LEFT, EXPIRED, PAID, CLOSED, CLEANED. */
    leftReason: varchar('left_reason', { length: 16 }),
  },
  (t) => [
    uniqueIndex('queue_entries_ticket').on(t.concertId, t.ticket),
    index('queue_entries_user').on(t.concertId, t.userId),
  ],
);

/** The audit record of each pre-queue shuffle: its seed and how many fans per lane it permuted. */
export const queueShuffles = mysqlTable('queue_shuffles', {
  concertId: ref('concert_id')
    .primaryKey()
    .references(() => concerts.id),
  seed: varchar('seed', { length: 64 }).notNull(),
  vipCount: int('vip_count').notNull(),
  presaleCount: int('presale_count').notNull().default(0),
  normalCount: int('normal_count').notNull(),
  performedAt: createdAt(),
});
