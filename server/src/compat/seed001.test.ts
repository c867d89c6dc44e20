import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../../test/harness.ts';
import { seatViolations } from '../booking/testing.ts';
import { moneyViolations } from '../payments/testing.ts';
import { admitAll, type CompatFan, createCompatServer, createFan, createOpenConcert } from './testing.ts';

let t: TestServer;
beforeAll(async () => {
  t = await createCompatServer({ MAX_SEATS_PER_USER: '2', MAX_CHARGE: '500000' });
});
afterAll(() => t.close());

const issue = (fan: CompatFan, body: unknown) =>
  t.call('POST', '/api/v1/queue/tokens', { token: fan.token, body });
const withTicket = (fan: CompatFan, ticket: string, header = 'Queue-Token') => ({
  token: fan.token,
  headers: { [header]: ticket },
});

describe('seed 001: the queue-token server design, walked through the compatibility routes', () => {
  it('issues a token, shows schedules and seats once active, reserves, charges and pays with its codes', async () => {
    const concert = await createOpenConcert(t, { price: 40_000 });
    const { concertId, scheduleId, seatIds } = concert;
    const [a, b] = [await createFan(t), await createFan(t)];

    // 1. Token issue: the caller's own userId only; a second token for the schedule is a 409 that names it.
    expect((await issue(a, { userId: b.id, scheduleId })).status).toBe(403);
    const issued = await issue(a, { userId: a.id, scheduleId });
    expect(issued.status).toBe(200);
    expect(issued.body).toEqual({
      success: true,
      data: {
        token: expect.any(String),
        queuePosition: 1,
        estimatedWaitTimeMinutes: expect.any(Number),
        status: 'WAITING',
      },
    });
    const ticketA: string = issued.body.data.token;
    const again = await issue(a, { userId: a.id, scheduleId });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'ALREADY_IN_QUEUE', details: { token: ticketA } });
    expect((await issue(a, { userId: a.id, scheduleId: 999_999_999 })).status).toBe(404);
    expect((await issue(a, { userId: a.id })).status).toBe(400);
    const ticketB: string = (await issue(b, { userId: b.id, scheduleId })).body.data.token;

    // 2. A waiting token reads schedules but no seats until the fan is admitted; another user's token nothing.
    const early = await t.call('GET', `/api/v1/concerts/${concertId}/schedules`, withTicket(a, ticketA));
    expect(early.status).toBe(200);
    const earlySeats = await t.call(
      'GET',
      `/api/v1/concerts/${concertId}/schedules/${scheduleId}/seats`,
      withTicket(a, ticketA),
    );
    expect(earlySeats.status).toBe(403);
    expect(earlySeats.body.error.code).toBe('NOT_ADMITTED');
    expect(await admitAll(t, concertId)).toBe(2);
    const stolen = await t.call('GET', `/api/v1/concerts/${concertId}/schedules`, withTicket(a, ticketB));
    expect(stolen.status).toBe(401);

    // 3. Schedules and seats, with Queue-Token or X-Queue-Token.
    const schedules = await t.call('GET', `/api/v1/concerts/${concertId}/schedules`, withTicket(a, ticketA));
    expect(schedules.status).toBe(200);
    expect(schedules.body.data).toEqual([
      expect.objectContaining({
        scheduleId,
        concertId,
        concertTitle: expect.any(String),
        venueId: null,
        venueName: 'Test Hall',
        performanceDate: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
        performanceTime: expect.stringMatching(/^\d{2}:\d{2}:\d{2}$/),
        bookingOpenAt: expect.any(String),
        bookingCloseAt: expect.any(String),
        availableSeats: seatIds.length,
        status: 'OPEN',
      }),
    ]);
    const seatsPath = `/api/v1/concerts/${concertId}/schedules/${scheduleId}/seats`;
    for (const header of ['Queue-Token', 'X-Queue-Token']) {
      const seats = await t.call('GET', seatsPath, withTicket(a, ticketA, header));
      expect(seats.status).toBe(200);
      expect(seats.body.data.scheduleInfo).toMatchObject({ scheduleId, venueName: 'Test Hall' });
      expect(seats.body.data.seats[0]).toMatchObject({
        seatId: seatIds[0],
        seatNumber: 1,
        price: 40_000,
        status: 'AVAILABLE',
      });
    }

    // 4. Reservation: userId in the body must be the caller; taken seats 409; beyond the per-user limit 422.
    const reserve = (fan: CompatFan, ticket: string, ids: number[], userId = fan.id) =>
      t.call('POST', '/api/v1/reservations', {
        ...withTicket(fan, ticket),
        body: { scheduleId, seatIds: ids, userId },
      });
    expect((await reserve(a, ticketA, [seatIds[0]!], b.id)).status).toBe(403);
    expect((await reserve(a, ticketA, [])).status).toBe(400);
    const held = await reserve(a, ticketA, [seatIds[0]!, seatIds[1]!]);
    expect(held.status).toBe(201);
    expect(held.body.data).toMatchObject({
      reservationId: expect.any(Number),
      reservationNumber: expect.any(String),
      userId: a.id,
      scheduleId,
      seats: [
        { seatId: seatIds[0], seatNumber: 1, price: 40_000 },
        { seatId: seatIds[1], seatNumber: 2, price: 40_000 },
      ],
      totalAmount: 80_000,
      status: 'RESERVED',
      reservedAt: expect.any(String),
      expiresAt: expect.any(String),
    });
    const reservationId: number = held.body.data.reservationId;
    const taken = await reserve(b, ticketB, [seatIds[1]!, seatIds[2]!]);
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe('SEAT_UNAVAILABLE');
    const tooMany = await reserve(b, ticketB, [seatIds[2]!, seatIds[3]!, seatIds[4]!]);
    expect(tooMany.status).toBe(422);
    expect(tooMany.body.error.code).toBe('SEAT_LIMIT_EXCEEDED');

    // 5. Balance: one's own only (403 for another user's); charge amounts outside the limits are 400.
    const balance = await t.call('GET', `/api/v1/users/${a.id}/balance`, withTicket(a, ticketA));
    expect(balance.status).toBe(200);
    expect(balance.body.data).toEqual({
      userId: a.id,
      currentBalance: 0,
      totalCharged: 0,
      totalUsed: 0,
      lastUpdated: expect.any(String),
    });
    const other = await t.call('GET', `/api/v1/users/${b.id}/balance`, withTicket(a, ticketA));
    expect(other.status).toBe(403);
    expect(other.body.error.code).toBe('FORBIDDEN');
    const chargeA = (amount: unknown, userId = a.id) =>
      t.call('POST', `/api/v1/users/${userId}/balance/charge`, {
        ...withTicket(a, ticketA),
        body: { amount },
      });
    expect((await chargeA(50_000, b.id)).status).toBe(403);
    expect((await chargeA(0)).status).toBe(400);
    expect((await chargeA(500_001)).status).toBe(400);

    // 6. Payment: 402 while the balance is short, 201 once charged, 409 the second time.
    const pay = () =>
      t.call('POST', '/api/v1/payments', {
        ...withTicket(a, ticketA),
        body: { reservationId, paymentMethod: 'BALANCE', userId: a.id },
      });
    const short = await pay();
    expect(short.status).toBe(402);
    expect(short.body.error.code).toBe('INSUFFICIENT_POINTS');
    const charged = await chargeA(100_000);
    expect(charged.status).toBe(200);
    expect(charged.body.data).toEqual({
      userId: a.id,
      chargedAmount: 100_000,
      currentBalance: 100_000,
      transactionId: expect.any(Number),
      chargedAt: expect.any(String),
    });
    const paid = await pay();
    expect(paid.status).toBe(201);
    expect(paid.body.data).toMatchObject({
      paymentId: expect.any(Number),
      reservationId,
      userId: a.id,
      amount: 80_000,
      paymentMethod: 'BALANCE',
      status: 'COMPLETED',
      paidAt: expect.any(String),
      reservation: {
        reservationNumber: held.body.data.reservationNumber,
        seats: [
          { seatNumber: 1, price: 40_000 },
          { seatNumber: 2, price: 40_000 },
        ],
      },
    });
    const twice = await pay();
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('ALREADY_PAID');
    const after = await t.call('GET', `/api/v1/users/${a.id}/balance`, { token: a.token });
    expect(after.body.data).toMatchObject({
      currentBalance: 20_000,
      totalCharged: 100_000,
      totalUsed: 80_000,
    });

    expect(await seatViolations(t, scheduleId)).toEqual([]);
    expect(await moneyViolations(t, [a.id, b.id])).toEqual([]);
  });

  it('leaves native requests on the shared paths to the native routes', async () => {
    const { concertId, scheduleId, seatIds } = await createOpenConcert(t);
    const fan = await createFan(t);
    expect((await t.call('POST', `/api/v1/concerts/${concertId}/queue`, { token: fan.token })).status).toBe(
      201,
    );
    await admitAll(t, concertId);
    const grant = await t.call('POST', `/api/v1/concerts/${concertId}/queue/access-token`, {
      token: fan.token,
    });
    const access: string = grant.body.data.accessToken;

    const native = await t.call('POST', '/api/v1/reservations', {
      token: fan.token,
      headers: { 'x-queue-token': access },
      body: { scheduleId, seatIds: [seatIds[0]!] },
    });
    expect(native.status).toBe(201);
    expect(native.body.data).toMatchObject({ status: 'HELD', extended: false });
    // The document's body with a native access token: the document's answer, same session.
    const compat = await t.call('POST', '/api/v1/reservations', {
      token: fan.token,
      headers: { 'queue-token': access },
      body: { scheduleId, seatIds: [seatIds[1]!], userId: fan.id },
    });
    expect(compat.status).toBe(201);
    expect(compat.body.data).toMatchObject({ status: 'RESERVED', seats: [{ seatNumber: 2 }] });
    const schedules = await t.call('GET', `/api/v1/concerts/${concertId}/schedules`);
    expect(schedules.status).toBe(200);
    expect(schedules.body.data[0]).toHaveProperty('totalSeats');
  });
});
