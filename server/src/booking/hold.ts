import { randomInt } from 'node:crypto';
import type { Reservation } from '@frontrow/client/protocol';
import { reservations } from '@frontrow/db';
import { inArray, type SQL, sql } from 'drizzle-orm';
import type { ResultSetHeader } from 'mysql2';
import { dbDate, isDuplicateKey, statements, type Tx } from '../db/tx.ts';
import { AppError } from '../http/errors.ts';
import { loadReservations } from '../inventory/reservations.ts';
import { seatLabel } from '../inventory/seat-map.ts';
import type { BookingContext, ScheduleFacts } from './context.ts';

export interface HoldRequest {
  userId: string;
  scheduleId: number;
  seatIds: number[];
  /**
   * A queued (v2) request id, for `holdMany`: with it a hold is idempotent, as a re-run of a batch finds the
   * reservation the first run made (reservations.request_id is unique) instead of holding twice.
   */
  requestId?: string;
}

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'; // Crockford base32: no I, L, O, U to misread

/** `FR-YYMMDD-XXXXXXXX`: short enough to read out on the phone, 40 random bits a day. */
export function reservationNumber(at: Date): string {
  const iso = at.toISOString();
  let tail = '';
  for (let i = 0; i < 8; i++) tail += ALPHABET[randomInt(ALPHABET.length)];
  return `FR-${iso.slice(2, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}-${tail}`;
}

/** A list of bound values for `IN (...)`: numeric ids, user ids, request ids, reservation numbers. */
export const idList = (ids: ReadonlyArray<number | string>): SQL =>
  sql.join(
    ids.map((id) => sql`${id}`),
    sql`, `,
  );

/** A requested seat as `readBatch` locked it (`lapsed`: 1 when a HELD seat's time has run out by the database clock). */
export interface LockedSeat {
  id: number;
  schedule_id: number;
  status: 'AVAILABLE' | 'HELD' | 'SOLD';
  hold_id: number | null;
  lapsed: number | null;
  price: number;
  section: string;
  row_label: string;
  number: number;
}

function validate(ctx: BookingContext, seatIds: number[]): number[] {
  const sorted = [...seatIds].sort((a, b) => a - b);
  if (sorted.length === 0) throw new AppError('VALIDATION_ERROR', 'seatIds must name at least one seat');
  const dupes = sorted.filter((id, i) => i > 0 && sorted[i - 1] === id);
  if (dupes.length > 0) {
    throw new AppError('VALIDATION_ERROR', 'seatIds must not repeat a seat', {
      seatIds: [...new Set(dupes)],
    });
  }
  const limit = ctx.config.sale.maxSeatsPerUser;
  if (sorted.length > limit) {
    throw new AppError('SEAT_LIMIT_EXCEEDED', `At most ${limit} seats per fan and schedule`, {
      limit,
      requested: sorted.length,
    });
  }
  return sorted;
}

/**
 * Holds every requested seat or none, in one transaction (a batch of one for `holdMany`): refused with the
 * AppError of the first rule it breaks.
 */
export async function hold(ctx: BookingContext, input: HoldRequest): Promise<Reservation> {
  const [outcome] = await holdMany(ctx, [input]);
  if (!outcome) throw new Error('holdMany answered no outcome for one hold');
  if (!outcome.ok) throw outcome.error;
  return outcome.reservation;
}

/** What one hold in a batch came to: its reservation, or the refusal (SEAT_UNAVAILABLE, ...) a single hold throws. */
export type HoldOutcome = { ok: true; reservation: Reservation } | { ok: false; error: AppError };

/** A hold checked before the transaction (seat list, known schedule), or its refusal. */
type Prepared = { input: HoldRequest; seatIds: number[]; schedule: ScheduleFacts } | { error: AppError };
type Ready = Exclude<Prepared, { error: AppError }>;
type Decided = HoldOutcome & { created?: boolean };

/**
 * Decides holds in the given order in ONE transaction of four round trips (BEGIN, reads, writes, COMMIT),
 * however many there are; the synchronous hold is a batch of one, and queued reservations decide a batch of their
 * queue this way. The order of `inputs` is the order of the decisions: every hold is decided by `planHold` from
 * what the database holds plus what the earlier holds of the batch took.
 *
 * 1. Reads, one round trip (`readBatch`): lock the fans' user rows (one fan's holds run one after another) and
 *    read the database clock; find the reservations earlier runs of these queued requests made; count each fan's
 *    live seats per schedule; lock the requested seats. Users, then seats, each in id order, in the lock order
 *    every seat-locking transaction shares (inventory/locks.ts): two holds never wait on each other in a cycle.
 * 2. Decisions, in memory, in order: `planHold` on each hold's view of the reads, after which the seats it takes
 *    read as HELD and its fan's count goes up for the holds after it. A refusal writes nothing.
 * 3. Writes, one round trip of a few set-based statements for all the plans (`writeHolds`). The conditional seat
 *    UPDATE and the unique live seat ids guard the invariants whatever the plans say: a plan that takes a seat it
 *    should not have fails the whole batch rather than sell it twice.
 *
 * Only a failure of the database itself throws; the batch then rolls back whole (a deadlock retries it, and so
 * does a reservation number drawn twice).
 */
export async function holdMany(ctx: BookingContext, inputs: HoldRequest[]): Promise<HoldOutcome[]> {
  const prepared = await Promise.all(
    inputs.map(async (input): Promise<Prepared> => {
      try {
        return {
          input,
          seatIds: validate(ctx, input.seatIds),
          schedule: await ctx.scheduleOf(input.scheduleId),
        };
      } catch (err) {
        if (err instanceof AppError) return { error: err };
        throw err;
      }
    }),
  );
  for (let attempt = 1; ; attempt++) {
    try {
      const decided = await ctx.run((tx) => decideHolds(ctx, tx, prepared));
      afterHolds(
        ctx,
        decided.flatMap((o) => (o.ok && o.created ? [o.reservation] : [])),
      );
      return decided.map(({ created: _, ...outcome }) => outcome);
    } catch (err) {
      // A reservation number drawn twice (40 random bits a day), or a queued request's reservation committed by
      // another run of its job after all: the batch starts over, and then finds that reservation.
      const again = isDuplicateKey(err, 'reservations_number') || isDuplicateKey(err, 'reservations_request');
      if (attempt < 3 && again) continue;
      throw err;
    }
  }
}

/** Steps 1-3 of `holdMany`, inside its transaction. */
async function decideHolds(ctx: BookingContext, tx: Tx, prepared: Prepared[]): Promise<Decided[]> {
  // Every slot is filled below: refused before the transaction, found made, refused by its plan, or written.
  const outcomes = new Array<Decided>(prepared.length);
  const ready: Array<{ at: number; item: Ready }> = [];
  for (const [at, item] of prepared.entries()) {
    if ('error' in item) outcomes[at] = { ok: false, error: item.error };
    else ready.push({ at, item });
  }
  if (ready.length === 0) return outcomes;

  const read = await readBatch(
    tx,
    ready.map(({ item }) => item),
  );
  const done = read.made.size > 0 ? await madeBefore(tx, read.made) : new Map<string, Reservation>();

  const plans: Array<{ at: number; plan: HoldPlan }> = [];
  for (const { at, item } of ready) {
    const { input, schedule, seatIds } = item;
    const earlier = input.requestId ? done.get(input.requestId) : undefined;
    if (earlier) {
      outcomes[at] = { ok: true, reservation: earlier, created: false };
      continue;
    }
    const fanSchedule = `${input.userId}:${input.scheduleId}`;
    const locked = seatIds.flatMap((id) => {
      const seat = read.seats.get(id);
      return seat && seat.schedule_id === input.scheduleId ? [seat] : [];
    });
    const view: HoldRead = {
      dbNow: read.dbNowByUser.get(input.userId),
      heldCount: read.heldCounts.get(fanSchedule) ?? 0,
      seats: locked,
    };
    try {
      const plan = planHold(ctx, input, schedule, seatIds, view);
      plans.push({ at, plan });
      // What the holds after this one see: its seats taken, its fan's count up.
      for (const seat of locked)
        read.seats.set(seat.id, { ...seat, status: 'HELD', hold_id: null, lapsed: 0 });
      read.heldCounts.set(fanSchedule, view.heldCount + seatIds.length);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      outcomes[at] = { ok: false, error: err };
    }
  }

  if (plans.length > 0) {
    const made = await writeHolds(
      tx,
      plans.map(({ plan }) => plan),
    );
    for (const [k, { at }] of plans.entries())
      outcomes[at] = { ok: true, reservation: made[k]!, created: true };
  }
  return outcomes;
}

/**
 * After holds commit: each gets its durable expiry timer, and their seats are announced (one event a schedule).
 * The answer does not wait for the timer: a hold whose job is lost still reads as over by the database clock when
 * its time ends, and the sweeper expires it.
 */
function afterHolds(ctx: BookingContext, made: Reservation[]): void {
  void ctx.expiry.schedule(
    made.map((r) => ({ reservationId: r.reservationId, expiresAt: new Date(r.expiresAt) })),
  );
  const bySchedule = new Map<number, { concertId: number; seatIds: number[] }>();
  for (const r of made) {
    const entry = bySchedule.get(r.scheduleId) ?? { concertId: r.concertId, seatIds: [] };
    entry.seatIds.push(...r.seats.map((seat) => seat.seatId));
    bySchedule.set(r.scheduleId, entry);
  }
  for (const [scheduleId, { concertId, seatIds }] of bySchedule) {
    ctx.seats.changed(
      concertId,
      scheduleId,
      seatIds.map((seatId) => ({ seatId, status: 'HELD' })),
    );
  }
}

/** One hold's view of the reads, as `planHold` takes it. */
export interface HoldRead {
  /** The database clock, read with the fan's user row; undefined for an unknown fan (no user row). */
  dbNow: Date | undefined;
  /** How many live seats (HELD in time, or PAID) the fan has on the schedule. */
  heldCount: number;
  /** The requested seats that exist in the schedule, locked, in id order. */
  seats: LockedSeat[];
}

/** The reads of a batch: clock by fan, live seat count by `user:schedule`, seats by id, earlier runs' reservations. */
interface BatchRead {
  dbNowByUser: Map<string, Date>;
  heldCounts: Map<string, number>;
  seats: Map<number, LockedSeat>;
  /** reservation id → queued request id */
  made: Map<number, string>;
}

/**
 * Round trip 1 of a batch, its statements run in this order: lock the fans' user rows (and read the database
 * clock); under those locks, the reservations of queued requests already made (by another run of their job);
 * count the fans' live seats per schedule; lock the requested seats in id order.
 * STRAIGHT_JOIN: from the fans' reservations (index user, schedule, status) to their seats (primary key). Left to
 * itself, the optimiser sometimes scans every reservation seat of the table instead, so a hold would slow down
 * as the sale sells.
 */
async function readBatch(tx: Tx, holds: Ready[]): Promise<BatchRead> {
  const userIds = [...new Set(holds.map((h) => h.input.userId))].sort();
  const scheduleIds = [...new Set(holds.map((h) => h.input.scheduleId))];
  const seatIds = [...new Set(holds.flatMap((h) => h.seatIds))];
  const requestIds = holds.flatMap((h) => (h.input.requestId ? [h.input.requestId] : []));
  const reads = [
    sql`SELECT id, UTC_TIMESTAMP(3) AS now FROM users WHERE id IN (${idList(userIds)}) ORDER BY id FOR UPDATE`,
    ...(requestIds.length > 0
      ? [sql`SELECT id, request_id FROM reservations WHERE request_id IN (${idList(requestIds)})`]
      : []),
    sql`SELECT r.user_id, r.schedule_id, CAST(COUNT(*) AS SIGNED) AS n FROM reservations r
        STRAIGHT_JOIN reservation_seats rs ON rs.reservation_id = r.id
        WHERE r.user_id IN (${idList(userIds)}) AND r.schedule_id IN (${idList(scheduleIds)})
          AND (r.status = 'PAID' OR (r.status = 'HELD' AND r.expires_at > UTC_TIMESTAMP(3)))
        GROUP BY r.user_id, r.schedule_id`,
    sql`SELECT id, schedule_id, status, hold_id, held_until <= UTC_TIMESTAMP(3) AS lapsed, price, section,
          row_label, number
        FROM seats WHERE id IN (${idList(seatIds)}) ORDER BY id FOR UPDATE`,
  ];
  const results = await statements(tx, ...reads);
  const users = results[0] as Array<{ id: string; now: string }>;
  const made = (requestIds.length > 0 ? results[1] : []) as Array<{ id: number; request_id: string }>;
  const [counts, seats] = results.slice(-2) as [
    Array<{ user_id: string; schedule_id: number; n: number }>,
    LockedSeat[],
  ];
  return {
    dbNowByUser: new Map(users.map((u) => [u.id, dbDate(u.now)])),
    heldCounts: new Map(counts.map((c) => [`${c.user_id}:${c.schedule_id}`, Number(c.n)])),
    seats: new Map(seats.map((s) => [s.id, s])),
    made: new Map(made.map((r) => [r.id, r.request_id])),
  };
}

/** The reservations earlier runs of queued requests made, by request id. */
async function madeBefore(tx: Tx, made: Map<number, string>): Promise<Map<string, Reservation>> {
  const found = await loadReservations(tx, inArray(reservations.id, [...made.keys()]));
  return new Map(found.map((r) => [made.get(r.reservationId) ?? '', r]));
}

/** A hold decided from its view of the reads: the rows it writes, and its reservation once it has an id. */
export interface HoldPlan {
  row: typeof reservations.$inferInsert & { reservationNumber: string };
  seats: LockedSeat[];
  /** Holds past their time on these seats, retired before the seats are taken over. */
  stale: number[];
  made(reservationId: number): Reservation;
}

/** What `planHold` needs of the booking context: the seat limit and the hold's length. */
export type HoldRules = Pick<BookingContext, 'holdMs'> & {
  config: { sale: Pick<BookingContext['config']['sale'], 'maxSeatsPerUser'> };
};

/**
 * Decides a hold from its view of the reads: a refusal (an AppError: unknown fan, booking closed, seat limit,
 * unknown or taken seats) or what to write (`writeHolds`). Pure: no I/O, only the reservation number is random.
 */
export function planHold(
  ctx: HoldRules,
  input: HoldRequest,
  schedule: ScheduleFacts,
  seatIds: number[],
  { dbNow: now, heldCount, seats: locked }: HoldRead,
): HoldPlan {
  const { userId, scheduleId } = input;
  if (now === undefined) throw new AppError('NOT_FOUND', 'User not found', { userId });
  // Only the close is checked here. Before bookingOpenAt a hold needs an access token, which the waiting room
  // issues only once the sale is open, so an admin who opens a sale early opens booking with it.
  if (now >= schedule.bookingCloseAt) {
    throw new AppError('BOOKING_CLOSED', 'Booking for this schedule has closed', {
      scheduleId,
      bookingOpenAt: schedule.bookingOpenAt.toISOString(),
      bookingCloseAt: schedule.bookingCloseAt.toISOString(),
    });
  }
  const limit = ctx.config.sale.maxSeatsPerUser;
  if (heldCount + seatIds.length > limit) {
    throw new AppError('SEAT_LIMIT_EXCEEDED', `At most ${limit} seats per fan and schedule`, {
      limit,
      held: heldCount,
      requested: seatIds.length,
    });
  }
  if (locked.length !== seatIds.length) {
    const found = new Set(locked.map((s) => s.id));
    throw new AppError('NOT_FOUND', 'Seat not found in this schedule', {
      scheduleId,
      seatIds: seatIds.filter((id) => !found.has(id)),
    });
  }
  const taken = locked.filter((s) => s.status === 'SOLD' || (s.status === 'HELD' && !s.lapsed));
  if (taken.length > 0) {
    throw new AppError('SEAT_UNAVAILABLE', 'Some seats are already taken', {
      seatIds: taken.map((s) => s.id),
    });
  }

  const stale = [
    ...new Set(locked.filter((s) => s.status === 'HELD' && s.hold_id !== null).map((s) => Number(s.hold_id))),
  ];
  const expiresAt = new Date(now.getTime() + ctx.holdMs);
  const totalAmount = locked.reduce((sum, s) => sum + s.price, 0);
  const number = reservationNumber(now);
  return {
    row: {
      reservationNumber: number,
      userId,
      concertId: schedule.concertId,
      scheduleId,
      totalAmount,
      expiresAt,
      requestId: input.requestId ?? null,
      reservedAt: now,
    },
    seats: locked,
    stale,
    made: (id) => ({
      reservationId: id,
      reservationNumber: number,
      userId,
      concertId: schedule.concertId,
      scheduleId,
      seats: locked.map((s) => ({
        seatId: s.id,
        label: seatLabel(s.section, s.row_label, s.number),
        price: s.price,
      })),
      totalAmount,
      status: 'HELD',
      extended: false,
      reservedAt: now.toISOString(),
      expiresAt: expiresAt.toISOString(),
      paidAt: null,
      closedAt: null,
    }),
  };
}

/**
 * Writes the planned holds of a batch, a handful of statements in one round trip however many holds there are:
 * retire the holds past their time on seats being taken over (so their live_seat_id frees up); insert the
 * reservations; take the seats with one conditional UPDATE (AVAILABLE, or HELD past its time by the database
 * clock), each by the reservation its number names; record the live seats (unique: never twice); read the new ids.
 * A seat finds its reservation by the reservation's unique number, in a subquery: the UPDATE is a single-table one
 * over the seats' primary keys, so it touches (and locks) only the seats this transaction locked already. A join
 * here would let the optimiser scan other seats and wait on their locks, deadlocking with concurrent holds.
 * Every seat was locked and planned free, so the UPDATE and the INSERT must touch exactly the planned seats; any
 * other count is a broken invariant and rolls the batch back rather than sell a seat twice. A reservation number
 * drawn twice fails the INSERT (the caller draws again).
 */
async function writeHolds(tx: Tx, plans: HoldPlan[]): Promise<Reservation[]> {
  const stale = [...new Set(plans.flatMap((p) => p.stale))];
  const seatIds = plans.flatMap((p) => p.seats.map((s) => s.id));
  const numbers = plans.map((p) => p.row.reservationNumber);
  const bySeat = (value: (plan: HoldPlan, seat: LockedSeat) => unknown) =>
    sql`CASE seats.id ${sql.join(
      plans.flatMap((p) => p.seats.map((seat) => sql`WHEN ${seat.id} THEN ${value(p, seat)}`)),
      sql` `,
    )} END`;
  const results = await statements(
    tx,
    ...(stale.length > 0 ? retireLapsedHolds(stale) : []),
    tx
      .insert(reservations)
      .values(plans.map((p) => p.row))
      .getSQL(),
    sql`UPDATE seats
        SET status = 'HELD',
            hold_id = (SELECT r.id FROM reservations r WHERE r.reservation_number = ${bySeat((p) => p.row.reservationNumber)}),
            held_until = ${bySeat((p) => p.row.expiresAt)}
        WHERE id IN (${idList(seatIds)})
          AND (status = 'AVAILABLE' OR (status = 'HELD' AND held_until <= UTC_TIMESTAMP(3)))`,
    // A consistent (lock-free) read of seats and reservations under READ COMMITTED, so a join is safe here.
    sql`INSERT INTO reservation_seats (reservation_id, seat_id, live_seat_id, price)
        SELECT r.id, seats.id, seats.id, seats.price
        FROM seats JOIN reservations r ON r.reservation_number = ${bySeat((p) => p.row.reservationNumber)}
        WHERE seats.id IN (${idList(seatIds)})`,
    sql`SELECT id, reservation_number FROM reservations WHERE reservation_number IN (${idList(numbers)})`,
  );
  const [updated, recorded, rows] = results.slice(-3) as [
    ResultSetHeader,
    ResultSetHeader,
    Array<{ id: number; reservation_number: string }>,
  ];
  if (updated.affectedRows !== seatIds.length || recorded.affectedRows !== seatIds.length) {
    throw new Error(
      `holds took ${updated.affectedRows} and recorded ${recorded.affectedRows} of ${seatIds.length} locked seats`,
    );
  }
  const idOf = new Map(rows.map((r) => [r.reservation_number, r.id]));
  return plans.map((p) => {
    const id = idOf.get(p.row.reservationNumber);
    if (id === undefined)
      throw new Error(`reservation ${p.row.reservationNumber} was not found after its insert`);
    return p.made(id);
  });
}

/**
 * Holds past their time whose seats are being taken over: they become EXPIRED and give up their live seat ids
 * (unique), all of them, so a later hold of their other seats never collides. Their other seats stay HELD with a
 * lapsed time, which reads and sells as AVAILABLE; their own expiry job (or the sweeper) releases them.
 */
function retireLapsedHolds(holdIds: number[]): SQL[] {
  return [
    sql`UPDATE reservations SET status = 'EXPIRED', closed_at = UTC_TIMESTAMP(3)
        WHERE id IN (${idList(holdIds)}) AND status = 'HELD' AND expires_at <= UTC_TIMESTAMP(3)`,
    sql`UPDATE reservation_seats rs JOIN reservations r ON r.id = rs.reservation_id
        SET rs.live_seat_id = NULL
        WHERE rs.reservation_id IN (${idList(holdIds)}) AND r.status NOT IN ('HELD', 'PAID')
          AND rs.live_seat_id IS NOT NULL`,
  ];
}
