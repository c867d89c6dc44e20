import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../../test/harness.ts';
import { createConcert, eventually, seatStatuses, seatViolations } from '../booking/testing.ts';
import { createRealtime } from '../compose.ts';
import { moneyViolations } from '../payments/testing.ts';
import type { Gateway } from '../realtime/gateway.ts';
import { createFan, type QueueFan, startWorker } from '../reservation-requests/testing.ts';
import type { RequestWorker } from '../reservation-requests/worker.ts';
import { createCompatServer } from './testing.ts';

let t: TestServer;
let worker: RequestWorker;
let http: HttpServer;
let gateway: Gateway;
const sockets: Socket[] = [];
beforeAll(async () => {
  t = await createCompatServer();
  worker = await startWorker(t);
  http = createServer();
  gateway = createRealtime(http, t.services);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  for (const socket of sockets) socket.disconnect();
  await gateway?.close();
  await new Promise<void>((resolve) => http.close(() => resolve()));
  await worker?.close();
  await t?.close();
});

/** The document's socket messages a fan receives, by event name. */
async function listen(fan: QueueFan) {
  const socket = connect(`http://127.0.0.1:${(http.address() as AddressInfo).port}`, {
    transports: ['websocket'],
    auth: { token: fan.token },
    forceNew: true,
  });
  sockets.push(socket);
  const seen: Array<{ event: string; message: { type: string; data: Record<string, unknown> } }> = [];
  socket.onAny((event: string, message) => seen.push({ event, message }));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return seen;
}

const as = (fan: QueueFan) => ({ token: fan.token, headers: { 'X-Queue-Token': fan.access } });

async function decided(fan: QueueFan, requestId: string) {
  return eventually(async () => {
    const res = await t.call('GET', `/v2/reservations/${requestId}`, { token: fan.token });
    return ['completed', 'failed'].includes(res.body.status) ? res : undefined;
  });
}

describe('seed 002: the lock and queue ticketing API, walked through the compatibility routes', () => {
  it('queues a v2 reservation (202 + request_id), polls it to completed, and books it with points', async () => {
    const { concertId, scheduleId, seatIds } = await createConcert(t, { price: 25_000 });
    const [a, b] = [await createFan(t, concertId, 'normal'), await createFan(t, concertId, 'normal')];
    const request = (fan: QueueFan, body: Record<string, unknown>, path = '/v2/reservations') =>
      t.call('POST', path, { ...as(fan), body: { event_id: concertId, ...body } });

    expect((await request(a, { seat_ids: [seatIds[0]], user_id: b.userId })).status).toBe(403);
    expect((await request(a, { seat_ids: [] })).status).toBe(400);
    const bare = await t.call('POST', '/v2/reservations', {
      token: a.token,
      body: { event_id: concertId, seat_ids: [seatIds[0]] },
    });
    expect(bare.status).toBe(401); // the booking session is required, as on the native route

    const queued = await request(a, {
      seat_ids: [seatIds[0], seatIds[1]],
      user_id: a.userId,
      priority: 'high',
    });
    expect(queued.status).toBe(202);
    expect(queued.body).toEqual({
      request_id: expect.any(String),
      status: 'pending',
      position: expect.any(Number),
    });
    // The same body on the native path of the document's table, after a's: b's request for seat 1 fails.
    const clash = await request(b, { seat_ids: [seatIds[1]] }, '/api/v2/reservations');
    expect(clash.status).toBe(202);
    expect(clash.body.request_id).toEqual(expect.any(String));

    const done = await decided(a, queued.body.request_id);
    expect(done.status).toBe(200);
    expect(done.body).toEqual({
      request_id: queued.body.request_id,
      status: 'completed',
      event_id: concertId,
      schedule_id: scheduleId,
      seat_ids: [seatIds[0], seatIds[1]],
      result: {
        reservation_id: expect.any(Number),
        reservation_number: expect.any(String),
        total_amount: 50_000,
        expires_at: expect.any(String),
      },
      error: null,
    });
    const failed = await decided(b, clash.body.request_id);
    expect(failed.body).toMatchObject({
      status: 'failed',
      result: null,
      error: { code: 'SEAT_UNAVAILABLE' },
    });
    // A decided request cannot be cancelled; someone else's is not found.
    const cancel = await t.call('DELETE', `/v2/reservations/${queued.body.request_id}`, { token: a.token });
    expect(cancel.status).toBe(409);
    expect(
      (await t.call('GET', `/v2/reservations/${queued.body.request_id}`, { token: b.token })).status,
    ).toBe(404);

    // v1 booking of the hold: 402 without points, CONFIRMED once charged, 409 the second time.
    const reservationId: number = done.body.result.reservation_id;
    const book = () => t.call('POST', '/v1/bookings', { ...as(a), body: { reservation_id: reservationId } });
    expect((await book()).status).toBe(402);
    expect(
      (await t.call('POST', '/api/v1/points/charge', { token: a.token, body: { amount: 60_000 } })).status,
    ).toBe(201);
    const booked = await book();
    expect(booked.status).toBe(201);
    expect(booked.body).toEqual({
      id: expect.any(Number),
      booking_reference: done.body.result.reservation_number,
      reservation_id: reservationId,
      user_id: a.userId,
      status: 'CONFIRMED',
      total_amount: 50_000,
      created_at: expect.any(String),
    });
    const again = await t.call('POST', '/api/v1/bookings', {
      ...as(a),
      body: { reservation_id: reservationId },
    });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('ALREADY_PAID');
    const list = await t.call('GET', '/api/v1/bookings', { token: a.token });
    expect(list.body).toEqual([booked.body]);

    expect(await seatViolations(t, scheduleId)).toEqual([]);
    expect(await moneyViolations(t, [a.userId])).toEqual([]);
  });

  it('walks v1: holds at once, books, finds the booking by id and reference, confirms and cancels it', async () => {
    const { concertId, scheduleId, seatIds } = await createConcert(t, { price: 10_000 });
    const fan = await createFan(t, concertId, 'normal');
    const hold = (ids: number[]) =>
      t.call('POST', '/api/v1/reservations', { ...as(fan), body: { event_id: concertId, seat_ids: ids } });
    const held = await hold([seatIds[0]!, seatIds[1]!]);
    expect(held.status).toBe(201);
    expect(held.body).toEqual({
      id: expect.any(Number),
      reservation_number: expect.any(String),
      event_id: concertId,
      schedule_id: scheduleId,
      user_id: fan.userId,
      seat_ids: [seatIds[0], seatIds[1]],
      total_amount: 20_000,
      status: 'HELD',
      created_at: expect.any(String),
      expires_at: expect.any(String),
    });
    expect((await hold([seatIds[1]!])).status).toBe(409);

    await t.call('POST', '/api/v1/points/charge', { token: fan.token, body: { amount: 20_000 } });
    const booked = await t.call('POST', '/api/v1/bookings', {
      ...as(fan),
      body: { reservation_id: held.body.id },
    });
    expect(booked.status).toBe(201);
    const { id, booking_reference } = booked.body;
    for (const path of [`/api/v1/bookings/${id}`, `/api/v1/bookings/reference/${booking_reference}`]) {
      const found = await t.call('GET', path, { token: fan.token });
      expect([path, found.status, found.body]).toEqual([path, 200, booked.body]);
    }
    const stranger = await createFan(t, concertId, 'normal');
    expect((await t.call('GET', `/api/v1/bookings/${id}`, { token: stranger.token })).status).toBe(404);
    const confirmed = await t.call('POST', `/api/v1/bookings/${id}/confirm-payment`, { token: fan.token });
    expect(confirmed.body).toMatchObject({ id, status: 'CONFIRMED' });
    const cancelled = await t.call('POST', `/api/v1/bookings/${id}/cancel`, { token: fan.token });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ id, status: 'CANCELLED' });
    const points = await t.call('GET', '/api/v1/points', { token: fan.token });
    expect(points.body.data).toMatchObject({ balance: 20_000 });
    const seats = await seatStatuses(t, scheduleId);
    expect([seats.get(seatIds[0]!), seats.get(seatIds[1]!)]).toEqual(['AVAILABLE', 'AVAILABLE']);
    expect(await seatViolations(t, scheduleId)).toEqual([]);
    expect(await moneyViolations(t, [fan.userId])).toEqual([]);
  });

  it('leaves the native v2 body to the native route and refuses a schedule of another event', async () => {
    const { concertId, scheduleId, seatIds } = await createConcert(t);
    const fan = await createFan(t, concertId, 'normal');
    const native = await t.call('POST', '/api/v2/reservations', {
      ...as(fan),
      body: { scheduleId, seatIds: [seatIds[0]] },
    });
    expect(native.status).toBe(202);
    expect(native.body.data).toMatchObject({ requestId: expect.any(String), status: 'PENDING' });
    const other = await createConcert(t);
    const wrong = await t.call('POST', '/v2/reservations', {
      ...as(fan),
      body: { event_id: concertId, schedule_id: other.scheduleId, seat_ids: [seatIds[1]] },
    });
    expect(wrong.status).toBe(400);
  });

  it('sends the document’s socket messages: reservation_complete and reservation_failed with {type, data}', async () => {
    const { concertId, seatIds } = await createConcert(t);
    const [a, b] = [await createFan(t, concertId, 'normal'), await createFan(t, concertId, 'normal')];
    const [seenA, seenB] = [await listen(a), await listen(b)];
    const request = (fan: QueueFan) =>
      t.call('POST', '/v2/reservations', {
        ...as(fan),
        body: { event_id: concertId, seat_ids: [seatIds[0]] },
      });
    const first = (await request(a)).body.request_id;
    const second = (await request(b)).body.request_id;
    const message = (seen: typeof seenA, type: string, requestId: string) =>
      eventually(async () => seen.find((m) => m.event === type && m.message.data.request_id === requestId));

    const complete = await message(seenA, 'reservation_complete', first);
    expect(complete.message).toEqual({
      type: 'reservation_complete',
      data: {
        request_id: first,
        status: 'completed',
        result: expect.objectContaining({ reservation_id: expect.any(Number) }),
      },
    });
    const failed = await message(seenB, 'reservation_failed', second);
    expect(failed.message).toMatchObject({
      type: 'reservation_failed',
      data: { request_id: second, status: 'failed', code: 'SEAT_UNAVAILABLE', message: expect.any(String) },
    });
    expect(seenB.some((m) => m.message?.data?.request_id === first)).toBe(false);
  });
});
