import { describe, expect, it } from 'vitest';
import { AppError } from '../http/errors.ts';
import type { ScheduleFacts } from './context.ts';
import { type HoldRead, type HoldRules, type LockedSeat, planHold } from './hold.ts';

/**
 * `planHold` alone, without MySQL: the rules a hold is refused by, in the order they apply, and the rows and
 * reservation it plans. booking.test.ts and concurrency.test.ts hold the same rules through the database.
 */

const rules: HoldRules = { holdMs: 10 * 60_000, config: { sale: { maxSeatsPerUser: 4 } } };
const closeAt = new Date('2026-12-31T20:00:00.000Z');
const schedule: ScheduleFacts = {
  scheduleId: 7,
  concertId: 3,
  bookingOpenAt: new Date('2026-12-01T10:00:00.000Z'),
  bookingCloseAt: closeAt,
};
const dbNow = new Date('2026-12-31T19:00:00.000Z');

function seat(id: number, over: Partial<LockedSeat> = {}): LockedSeat {
  return {
    id,
    schedule_id: 7,
    status: 'AVAILABLE',
    hold_id: null,
    lapsed: null,
    price: 1000 * id,
    section: 'A',
    row_label: 'B',
    number: id,
    ...over,
  };
}

function plan(seatIds: number[], read: Partial<HoldRead> = {}, requestId?: string) {
  const view: HoldRead = { dbNow, heldCount: 0, seats: seatIds.map((id) => seat(id)), ...read };
  const input = { userId: 'fan-1', scheduleId: 7, seatIds, ...(requestId ? { requestId } : {}) };
  return planHold(rules, input, schedule, seatIds, view);
}

/** The AppError `work` throws, for assertions on its code and details. */
function refusal(work: () => unknown): AppError {
  try {
    work();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected a refusal, got a plan');
}

describe('planHold', () => {
  it('refuses a fan without a user row (no database clock read with it)', () => {
    const err = refusal(() => plan([1], { dbNow: undefined }));
    expect(err.code).toBe('NOT_FOUND');
    expect(err.details).toEqual({ userId: 'fan-1' });
  });

  it('closes booking at bookingCloseAt exactly, by the database clock', () => {
    expect(plan([1], { dbNow: new Date(closeAt.getTime() - 1) }).row.expiresAt).toEqual(
      new Date(closeAt.getTime() - 1 + rules.holdMs),
    );
    const err = refusal(() => plan([1], { dbNow: closeAt }));
    expect(err.code).toBe('BOOKING_CLOSED');
    expect(err.details).toEqual({
      scheduleId: 7,
      bookingOpenAt: '2026-12-01T10:00:00.000Z',
      bookingCloseAt: '2026-12-31T20:00:00.000Z',
    });
  });

  it('does not check bookingOpenAt (an access token already proves the sale is open)', () => {
    expect(plan([1], { dbNow: new Date('2026-11-30T00:00:00.000Z') }).seats).toHaveLength(1);
  });

  it('allows up to maxSeatsPerUser live seats counting those the fan has, and refuses one more', () => {
    expect(plan([1, 2], { heldCount: 2 }).seats.map((s) => s.id)).toEqual([1, 2]);
    const err = refusal(() => plan([1, 2, 3], { heldCount: 2 }));
    expect(err.code).toBe('SEAT_LIMIT_EXCEEDED');
    expect(err.details).toEqual({ limit: 4, held: 2, requested: 3 });
  });

  it('names the requested seats that are not in the schedule', () => {
    const err = refusal(() => plan([1, 2, 9], { seats: [seat(2)] }));
    expect(err.code).toBe('NOT_FOUND');
    expect(err.details).toEqual({ scheduleId: 7, seatIds: [1, 9] });
  });

  it('refuses sold seats and seats held in time, naming every one of them', () => {
    const seats = [
      seat(1, { status: 'SOLD', hold_id: 50 }),
      seat(2),
      seat(3, { status: 'HELD', hold_id: 51, lapsed: 0 }),
    ];
    const err = refusal(() => plan([1, 2, 3], { seats }));
    expect(err.code).toBe('SEAT_UNAVAILABLE');
    expect(err.details).toEqual({ seatIds: [1, 3] });
  });

  it('applies the rules in order: booking window, seat limit, unknown seats, taken seats', () => {
    const taken = [seat(1, { status: 'SOLD' })];
    const all = { dbNow: closeAt, heldCount: 4, seats: taken };
    expect(refusal(() => plan([1, 2], all)).code).toBe('BOOKING_CLOSED');
    expect(refusal(() => plan([1, 2], { ...all, dbNow })).code).toBe('SEAT_LIMIT_EXCEEDED');
    expect(refusal(() => plan([1, 2], { ...all, dbNow, heldCount: 0 })).code).toBe('NOT_FOUND');
    expect(refusal(() => plan([1], { ...all, dbNow, heldCount: 0 })).code).toBe('SEAT_UNAVAILABLE');
  });

  it('takes over seats whose hold ran out, retiring each lapsed hold once', () => {
    const seats = [
      seat(1, { status: 'HELD', hold_id: 40, lapsed: 1 }),
      seat(2, { status: 'HELD', hold_id: 40, lapsed: 1 }),
      seat(3, { status: 'HELD', hold_id: 41, lapsed: 1 }),
      seat(4),
    ];
    const p = plan([1, 2, 3, 4], { seats });
    expect(p.stale).toEqual([40, 41]);
    expect(p.seats.map((s) => s.id)).toEqual([1, 2, 3, 4]);
    expect(plan([4]).stale).toEqual([]);
  });

  it('plans the reservation row and, once it has an id, the Reservation the API answers', () => {
    const p = plan([2, 5], {}, 'req-9');
    expect(p.row).toMatchObject({
      userId: 'fan-1',
      concertId: 3,
      scheduleId: 7,
      totalAmount: 7000,
      expiresAt: new Date('2026-12-31T19:10:00.000Z'),
      reservedAt: dbNow,
      requestId: 'req-9',
    });
    // The reservation number carries the day of the database clock (UTC), then 8 Crockford base32 characters.
    expect(p.row.reservationNumber).toMatch(/^FR-261231-[0-9A-HJKMNP-TV-Z]{8}$/);
    expect(p.made(77)).toEqual({
      reservationId: 77,
      reservationNumber: p.row.reservationNumber,
      userId: 'fan-1',
      concertId: 3,
      scheduleId: 7,
      seats: [
        { seatId: 2, label: 'A-B2', price: 2000 },
        { seatId: 5, label: 'A-B5', price: 5000 },
      ],
      totalAmount: 7000,
      status: 'HELD',
      extended: false,
      reservedAt: '2026-12-31T19:00:00.000Z',
      expiresAt: '2026-12-31T19:10:00.000Z',
      paidAt: null,
      closedAt: null,
    });
    expect(plan([1]).row.requestId).toBeNull();
  });
});
