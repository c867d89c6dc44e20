import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../../test/harness.ts';
import { seatViolations } from '../booking/testing.ts';
import { moneyViolations } from '../payments/testing.ts';
import { admitAll, type CompatFan, createCompatServer, createFan, createOpenConcert } from './testing.ts';

let t: TestServer;
beforeAll(async () => {
  t = await createCompatServer({ HOLD_MINUTES: '5' });
});
afterAll(() => t.close());

describe('seed 004: the concert reservation README, walked through the compatibility routes', () => {
  it('issues a queue token, polls it to ACTIVE, holds a seat for 5 minutes and pays with points', async () => {
    const { concertId, scheduleId, seatIds } = await createOpenConcert(t, { price: 30_000 });
    const [a, b] = [await createFan(t), await createFan(t)];
    const issue = (fan: CompatFan, body: unknown) =>
      t.call('POST', '/api/v1/queue/token', { token: fan.token, body });
    const queueStatus = (fan: CompatFan, ticket?: string) =>
      t.call('GET', '/api/v1/queue/status', {
        token: fan.token,
        headers: ticket ? { 'X-Queue-Token': ticket } : {},
      });

    // Token issue: authenticated, own userId only; asking again gives the same token.
    expect((await t.call('POST', '/api/v1/queue/token', { body: { concertId } })).status).toBe(401);
    expect((await issue(a, { concertId, userId: b.id })).status).toBe(403);
    expect((await issue(a, { concertId: 'x' })).status).toBe(400);
    const issued = await issue(a, { concertId, userId: a.id });
    expect(issued.status).toBe(201);
    expect(issued.body.data).toEqual({
      token: expect.any(String),
      userId: a.id,
      concertId,
      status: 'WAITING',
      queuePosition: 1,
      estimatedWaitTimeMinutes: expect.any(Number),
    });
    const ticket: string = issued.body.data.token;
    const again = await issue(a, { concertId });
    expect(again.status).toBe(200);
    expect(again.body.data.token).toBe(ticket);
    const ticketB: string = (await issue(b, { concertId })).body.data.token;

    // Status by token: the caller's own token only.
    expect((await queueStatus(a)).status).toBe(401);
    expect((await queueStatus(a, ticketB)).status).toBe(401);
    expect((await queueStatus(a, `${ticket}x`)).status).toBe(401);
    expect((await queueStatus(a, ticket)).body.data).toMatchObject({ status: 'WAITING', queuePosition: 1 });
    expect((await queueStatus(b, ticketB)).body.data).toMatchObject({ status: 'WAITING', queuePosition: 2 });
    await admitAll(t, concertId);
    const active = await queueStatus(a, ticket);
    expect(active.status).toBe(200);
    expect(active.body.data).toMatchObject({ token: ticket, status: 'ACTIVE', queuePosition: null });

    // Schedules and seats with X-Queue-Token.
    const headers = { 'X-Queue-Token': ticket };
    const schedules = await t.call('GET', `/api/v1/concerts/${concertId}/schedules`, {
      token: a.token,
      headers,
    });
    expect(schedules.body.data).toEqual([
      expect.objectContaining({ scheduleId, availableSeats: seatIds.length }),
    ]);
    const seats = await t.call('GET', `/api/v1/concerts/${concertId}/schedules/${scheduleId}/seats`, {
      token: a.token,
      headers,
    });
    expect(seats.body.data.seats.map((s: { seatNumber: number }) => s.seatNumber)).toEqual(
      seatIds.map((_, i) => i + 1),
    );

    // The 5-minute hold under the concert's path; someone else's hold of the same seat is a 409.
    const hold = (fan: CompatFan, fanTicket: string, body: unknown, concert = concertId) =>
      t.call('POST', `/api/v1/concerts/${concert}/reservations`, {
        token: fan.token,
        headers: { 'X-Queue-Token': fanTicket },
        body,
      });
    expect((await hold(a, ticket, { scheduleId, seatId: seatIds[0], userId: b.id })).status).toBe(403);
    expect((await hold(a, ticket, { scheduleId })).status).toBe(400);
    expect((await hold(a, ticket, { scheduleId, seatId: seatIds[0] }, concertId + 1_000_000)).status).toBe(
      404,
    );
    const held = await hold(a, ticket, { scheduleId, seatId: seatIds[0], userId: a.id });
    expect(held.status).toBe(201);
    expect(held.body.data).toMatchObject({
      userId: a.id,
      concertId,
      scheduleId,
      seats: [{ seatId: seatIds[0], seatNumber: 1, price: 30_000 }],
      totalAmount: 30_000,
      status: 'TEMPORARY',
    });
    const { reservedAt, expiresAt } = held.body.data;
    expect(Date.parse(expiresAt) - Date.parse(reservedAt)).toBe(5 * 60_000);
    const taken = await hold(b, ticketB, { scheduleId, seatIds: [seatIds[0]] });
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe('SEAT_UNAVAILABLE');

    // Points: the userId of the query or body must be the caller.
    const points = (fan: CompatFan, userId: string) =>
      t.call('GET', `/api/v1/points?userId=${encodeURIComponent(userId)}`, { token: fan.token, headers });
    expect((await points(a, b.id)).status).toBe(403);
    expect((await points(a, a.id)).body.data).toMatchObject({ userId: a.id, balance: 0 });
    const charge = (userId: string, amount: number) =>
      t.call('POST', '/api/v1/points/charge', { token: a.token, headers, body: { userId, amount } });
    expect((await charge(b.id, 10_000)).status).toBe(403);
    const pay = () =>
      t.call('POST', '/api/v1/payments', {
        token: a.token,
        headers,
        body: { reservationId: held.body.data.reservationId, userId: a.id },
      });
    expect((await pay()).status).toBe(402);
    const charged = await charge(a.id, 50_000);
    expect(charged.status).toBe(201);
    expect(charged.body.data).toMatchObject({ chargedAmount: 50_000, balance: 50_000 });
    const paid = await pay();
    expect(paid.status).toBe(201);
    expect(paid.body.data).toMatchObject({ status: 'COMPLETED', amount: 30_000 });
    expect((await pay()).status).toBe(409);
    expect((await points(a, a.id)).body.data).toMatchObject({ balance: 20_000, totalUsed: 30_000 });

    // Paying ends the fan's turn: the token is no longer active.
    expect((await queueStatus(a, ticket)).body.data.status).toBe('EXPIRED');
    expect(await seatViolations(t, scheduleId)).toEqual([]);
    expect(await moneyViolations(t, [a.id, b.id])).toEqual([]);
  });
});
