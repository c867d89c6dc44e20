import { randomInt } from 'node:crypto';
import { eq, inArray, type SQL, sql } from 'drizzle-orm';
import type { ResultSetHeader } from 'mysql2';
import type { Reservation } from '../../../client-sdk/src/protocol.ts';
import { reservations } from '../../../drizzle/schema.ts';
import { seatLabel } from '../catalog/service.ts';
import { dbDate, isDuplicateKey, statements, type Tx } from '../db/tx.ts';
import { AppError } from '../http/errors.ts';
import type { BookingContext, ScheduleFacts } from './context.ts';
import { loadReservations } from './reservations.ts';

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

export const idList = (ids: number[]): SQL =>
  sql.join(
    ids.map((id) => sql`${id}`),
    sql`, `,
  );

interface LockedSeat {
  id: number;
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
 * Holds every requested seat or none, in one transaction:
 * 1. lock the fan's user row, so one fan's parallel holds run one after another, and read the database clock;
 * 2. count the fan's live seats for the schedule (unexpired holds and purchases) under that lock;
 * 3. lock the requested seats in id order (sorted ids: two holds can never wait on each other in a cycle) and
 *    name the ones that are taken;
 * 4. retire holds whose time has passed on the seats being taken over, so their `live_seat_id` frees up;
 * 5. insert the reservation, take the seats with one conditional UPDATE (AVAILABLE, or HELD past its time by the
 *    database clock) whose row count must equal the request, and record the live seats (unique: never twice).
 * Steps 1-3 travel to MySQL as one round trip and steps 4-5 as another (`statements`), so a hold costs four
 * round trips with BEGIN and COMMIT.
 */
export async function hold(ctx: BookingContext, input: HoldRequest): Promise<Reservation> {
  const seatIds = validate(ctx, input.seatIds);
  const schedule = await ctx.scheduleOf(input.scheduleId);
  for (let attempt = 1; ; attempt++) {
    try {
      const { reservation, created } = await ctx.run((tx) => holdInTx(ctx, tx, input, schedule, seatIds));
      if (created) await afterHolds(ctx, [reservation]);
      return reservation;
    } catch (err) {
      // A reservation number drawn twice: draw again.
      if (attempt < 3 && isDuplicateKey(err, 'reservations_number')) continue;
      throw err;
    }
  }
}

/** What one hold in a batch came to: its reservation, or the refusal (SEAT_UNAVAILABLE, ...) a single hold throws. */
export type HoldOutcome = { ok: true; reservation: Reservation } | { ok: false; error: AppError };

/**
 * Decides several holds in the given order in ONE transaction, each exactly as `hold` would (the same reads,
 * `planHold` and writes):
 * every hold sees what the earlier ones took, and the order of `inputs` is the order of the decisions. Queued
 * reservations decide a batch of their queue this way, one commit per batch instead of one per hold.
 *
 * Each hold's writes travel in the same round trip as the next hold's reads, so a batch costs about one round trip
 * per hold. No savepoints are needed: a hold is refused (an AppError) only before its writes are sent, and a
 * duplicate key fails just its own statement and stops the round trip there, so a refused or redrawn hold leaves
 * nothing behind. Its row locks stay until the commit, which only makes later holds of the batch wait where they
 * would have waited anyway. Only a failure of the database itself throws; the whole batch then rolls back (a
 * deadlock retries it whole).
 */
export async function holdMany(ctx: BookingContext, inputs: HoldRequest[]): Promise<HoldOutcome[]> {
  type Prepared = { input: HoldRequest; seatIds: number[]; schedule: ScheduleFacts } | { error: AppError };
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
  const requestIds = inputs.flatMap((input) => (input.requestId ? [input.requestId] : []));

  const decided = await ctx.run(async (tx) => {
    // Requests an earlier run of the batch decided already (one query for the batch instead of one per hold).
    const done = new Map<string, Reservation>();
    if (requestIds.length > 0) {
      const made = await tx
        .select({ id: reservations.id, requestId: reservations.requestId })
        .from(reservations)
        .where(inArray(reservations.requestId, requestIds));
      if (made.length > 0) {
        const byId = new Map(made.map((r) => [r.id, r.requestId ?? '']));
        const found = await loadReservations(tx, inArray(reservations.id, [...byId.keys()]));
        for (const r of found) done.set(byId.get(r.reservationId) ?? '', r);
      }
    }
    type Ready = Exclude<Prepared, { error: AppError }>;
    const outcomes: Array<HoldOutcome & { created?: boolean }> = [];
    // The hold decided last, whose writes travel with the next hold's reads: one round trip per hold. The reads run
    // after the writes, so every hold sees what the one before it took.
    let pending: { at: number; item: Ready; plan: HoldPlan } | undefined;

    /** Sends the pending hold's writes and then `reads` in one round trip; returns the results of the reads. */
    async function flush(reads: SQL[]): Promise<unknown[]> {
      const last = pending;
      pending = undefined;
      if (!last) return reads.length > 0 ? statements(tx, ...reads) : [];
      let results: unknown[];
      try {
        results = await statements(tx, ...last.plan.writes, ...reads);
      } catch (err) {
        // A reservation number drawn twice, or this request's reservation committed meanwhile by an earlier run
        // of its job: that insert failed alone and nothing after it ran. The hold starts over on its own (and
        // finds that reservation), then the reads go.
        if (!isDuplicateKey(err, 'reservations_number') && !isDuplicateKey(err, 'reservations_request'))
          throw err;
        const { input, schedule, seatIds } = last.item;
        try {
          outcomes[last.at] = { ok: true, ...(await holdInTx(ctx, tx, input, schedule, seatIds)) };
        } catch (again) {
          if (!(again instanceof AppError)) throw again;
          outcomes[last.at] = { ok: false, error: again };
        }
        return reads.length > 0 ? statements(tx, ...reads) : [];
      }
      outcomes[last.at] = {
        ok: true,
        reservation: last.plan.made(results.slice(0, last.plan.writes.length)),
        created: true,
      };
      return results.slice(last.plan.writes.length);
    }

    for (const [at, item] of prepared.entries()) {
      if ('error' in item) {
        outcomes[at] = { ok: false, error: item.error };
        continue;
      }
      const earlier = item.input.requestId ? done.get(item.input.requestId) : undefined;
      if (earlier) {
        outcomes[at] = { ok: true, reservation: earlier, created: false };
        continue;
      }
      const read = (await flush(holdReads(item.input, item.seatIds))) as HoldRead;
      try {
        pending = { at, item, plan: planHold(ctx, tx, item.input, item.schedule, item.seatIds, read) };
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        // Refused, unless another run of this request (a worker thought dead) made its reservation meanwhile: it
        // holds the seats. Looked up under the fan's lock, which the reads took.
        const made = item.input.requestId ? await requestReservation(tx, item.input.requestId) : undefined;
        outcomes[at] = made ? { ok: true, reservation: made, created: false } : { ok: false, error: err };
      }
    }
    await flush([]);
    return outcomes;
  });

  await afterHolds(
    ctx,
    decided.flatMap((o) => (o.ok && o.created ? [o.reservation] : [])),
  );
  return decided.map(({ created: _, ...outcome }) => outcome);
}

/** After holds commit: each gets its durable expiry timer, and their seats are announced (one event a schedule). */
async function afterHolds(ctx: BookingContext, made: Reservation[]): Promise<void> {
  await Promise.all(made.map((r) => ctx.expiry.schedule(r.reservationId, new Date(r.expiresAt))));
  const bySchedule = new Map<number, { concertId: number; seatIds: number[] }>();
  for (const r of made) {
    const entry = bySchedule.get(r.scheduleId) ?? { concertId: r.concertId, seatIds: [] };
    entry.seatIds.push(...r.seats.map((seat) => seat.seatId));
    bySchedule.set(r.scheduleId, entry);
  }
  for (const [scheduleId, { concertId, seatIds }] of bySchedule) {
    ctx.seatsChanged(
      concertId,
      scheduleId,
      seatIds.map((seatId) => ({ seatId, status: 'HELD' })),
    );
  }
}

/** What round trip 1 of a hold reads: the fan's row with the clock, the fan's live seat count, the locked seats. */
type HoldRead = [Array<{ now: string }>, Array<{ n: number }>, LockedSeat[]];

/**
 * Round trip 1 of a hold, three statements run in this order: lock the fan's row (and read the database clock),
 * count the fan's live seats for the schedule under that lock, lock the requested seats in id order.
 * STRAIGHT_JOIN: from the fan's reservations (index user, schedule, status) to their seats (primary key). Left to
 * itself, the optimiser sometimes scans every reservation seat of the table instead (measured: 2,560 rows
 * examined and 3-11 ms per hold once a few thousand seats were held).
 */
function holdReads(input: HoldRequest, seatIds: number[]): SQL[] {
  const { userId, scheduleId } = input;
  return [
    sql`SELECT UTC_TIMESTAMP(3) AS now FROM users WHERE id = ${userId} FOR UPDATE`,
    sql`SELECT CAST(COUNT(*) AS SIGNED) AS n FROM reservations r
        STRAIGHT_JOIN reservation_seats rs ON rs.reservation_id = r.id
        WHERE r.user_id = ${userId} AND r.schedule_id = ${scheduleId}
          AND (r.status = 'PAID' OR (r.status = 'HELD' AND r.expires_at > UTC_TIMESTAMP(3)))`,
    sql`SELECT id, status, hold_id, held_until <= UTC_TIMESTAMP(3) AS lapsed, price, section, row_label, number
        FROM seats WHERE schedule_id = ${scheduleId} AND id IN (${idList(seatIds)})
        ORDER BY id FOR UPDATE`,
  ];
}

/** A hold decided from its reads: the statements of round trip 2, and the reservation once they have run. */
interface HoldPlan {
  writes: SQL[];
  /** The reservation, from the results of `writes` (the last three are the insert, the update, the seats). */
  made(results: unknown[]): Reservation;
}

/**
 * Decides a hold from what round trip 1 read: a refusal (an AppError: unknown fan, booking closed, seat limit,
 * unknown or taken seats) or the writes of round trip 2. Those retire holds whose time has passed on the seats
 * being taken over (so their live_seat_id frees up), insert the reservation, take the seats with one conditional
 * UPDATE (AVAILABLE, or HELD past its time by the database clock) whose row count must equal the request, and
 * record the live seats (unique: never twice). LAST_INSERT_ID() is the new reservation's id for the rest of the
 * round trip; a duplicate reservation number fails the INSERT, and nothing after it runs.
 */
function planHold(
  ctx: BookingContext,
  tx: Tx,
  input: HoldRequest,
  schedule: ScheduleFacts,
  seatIds: number[],
  [userRows, countRows, locked]: HoldRead,
): HoldPlan {
  const { userId, scheduleId } = input;
  const user = userRows[0];
  if (!user) throw new AppError('NOT_FOUND', 'User not found', { userId });
  const now = dbDate(user.now);
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
  const held = Number(countRows[0]?.n ?? 0);
  if (held + seatIds.length > limit) {
    throw new AppError('SEAT_LIMIT_EXCEEDED', `At most ${limit} seats per fan and schedule`, {
      limit,
      held,
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
  const writes = [
    ...(stale.length > 0 ? retireLapsedHolds(stale) : []),
    tx
      .insert(reservations)
      .values({
        reservationNumber: number,
        userId,
        concertId: schedule.concertId,
        scheduleId,
        totalAmount,
        expiresAt,
        requestId: input.requestId ?? null,
        reservedAt: now,
      })
      .getSQL(),
    sql`UPDATE seats SET status = 'HELD', hold_id = LAST_INSERT_ID(), held_until = ${expiresAt}
        WHERE schedule_id = ${scheduleId} AND id IN (${idList(seatIds)})
          AND (status = 'AVAILABLE' OR (status = 'HELD' AND held_until <= UTC_TIMESTAMP(3)))`,
    sql`INSERT INTO reservation_seats (reservation_id, seat_id, live_seat_id, price) VALUES ${sql.join(
      locked.map((s) => sql`(LAST_INSERT_ID(), ${s.id}, ${s.id}, ${s.price})`),
      sql`, `,
    )}`,
  ];

  return {
    writes,
    made(results) {
      const [inserted, updated] = results.slice(-3) as ResultSetHeader[];
      const id = inserted!.insertId;
      if (updated!.affectedRows !== seatIds.length) {
        // Cannot happen while the seats are locked above. Not a refusal but a broken invariant: the error ends the
        // whole transaction (holdMany relies on refusals coming before the first write).
        throw new Error(`hold ${id} took ${updated!.affectedRows} of ${seatIds.length} locked seats`);
      }
      return {
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
      };
    },
  };
}

/** The reservation a queued request made, if any. */
async function requestReservation(tx: Tx, requestId: string): Promise<Reservation | undefined> {
  const [made] = await loadReservations(tx, eq(reservations.requestId, requestId));
  return made;
}

/** One hold in its transaction: reads, decision, writes (two round trips). */
async function holdInTx(
  ctx: BookingContext,
  tx: Tx,
  input: HoldRequest,
  schedule: ScheduleFacts,
  seatIds: number[],
): Promise<{ reservation: Reservation; created: boolean }> {
  const read = (await statements(tx, ...holdReads(input, seatIds))) as HoldRead;
  if (input.requestId && read[0].length > 0) {
    // A retried request of this fan ran first while we waited for the user lock.
    const done = await requestReservation(tx, input.requestId);
    if (done) return { reservation: done, created: false };
  }
  const plan = planHold(ctx, tx, input, schedule, seatIds, read);
  return { reservation: plan.made(await statements(tx, ...plan.writes)), created: true };
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
