import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { FrontrowError } from '../src/errors.ts';
import { createTransport } from '../src/http.ts';
import type { Reservation, ReservationUpdate } from '../src/protocol.ts';
import { queuedReservation } from '../src/queued-request.ts';
import type { Realtime } from '../src/realtime.ts';

/*
 * The v2 queued hold against a scripted server: the routes' answers come from a fake fetch and pushes from a fake
 * socket, so each race (verdict before the 202, no push at all, a failed hold) is played exactly.
 */
const reservation = { reservationId: 7, status: 'HELD' } as Reservation;
const envelope = (status: number, data: unknown) =>
  new Response(JSON.stringify(status < 400 ? { success: true, data } : { success: false, error: data }), {
    status,
    headers: { 'content-type': 'application/json' },
  });

function fakeRealtime(connected: boolean) {
  const socket = new EventEmitter();
  const rt = {
    socket: () => socket,
    ready: async () => connected,
    get connected() {
      return connected;
    },
  } as unknown as Realtime;
  return { rt, push: (u: ReservationUpdate) => socket.emit('reservation:update', u), socket };
}

describe('reservations.request (queued v2 hold)', () => {
  it('resolves with the pushed result, even when the push beats the 202', async () => {
    const { rt, push, socket } = fakeRealtime(true);
    const http = createTransport({
      baseUrl: 'http://x',
      token: 't',
      fetch: async () => {
        push({ requestId: 'r1', status: 'COMPLETED', result: reservation });
        return envelope(202, { requestId: 'r1', status: 'PENDING', lane: 'normal', position: 1 });
      },
    });
    const seen: string[] = [];
    const result = await queuedReservation(
      http,
      rt,
      { scheduleId: 1, seatIds: [2] },
      { onProgress: (u) => seen.push(u.status) },
    );
    expect(result).toEqual(reservation);
    expect(seen).toEqual(['PENDING', 'COMPLETED']);
    expect(socket.listenerCount('reservation:update')).toBe(0);
  });

  it('polls when no push arrives and throws the failed hold as a FrontrowError', async () => {
    const { rt } = fakeRealtime(false);
    const calls: string[] = [];
    const http = createTransport({
      baseUrl: 'http://x',
      token: 't',
      fetch: async (input, init) => {
        calls.push(`${init?.method} ${new URL(String(input)).pathname}`);
        if (init?.method === 'POST')
          return envelope(202, { requestId: 'r2', status: 'PENDING', lane: 'vip', position: 3 });
        return calls.length < 3
          ? envelope(200, { requestId: 'r2', status: 'PROCESSING' })
          : envelope(200, {
              requestId: 'r2',
              status: 'FAILED',
              error: { code: 'SEAT_UNAVAILABLE', message: 'taken', details: { seatIds: [2] } },
            });
      },
    });
    const err = await queuedReservation(
      http,
      rt,
      { scheduleId: 1, seatIds: [2] },
      { pollIntervalMs: 10 },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FrontrowError);
    expect((err as FrontrowError).code).toBe('SEAT_UNAVAILABLE');
    expect((err as FrontrowError).details).toEqual({ seatIds: [2] });
    expect(calls).toEqual([
      'POST /api/v2/reservations',
      'GET /api/v2/reservations/r2',
      'GET /api/v2/reservations/r2',
    ]);
  });

  it('gives up with TIMEOUT, naming the request id', async () => {
    const { rt } = fakeRealtime(false);
    const http = createTransport({
      baseUrl: 'http://x',
      fetch: async (_input, init) =>
        init?.method === 'POST'
          ? envelope(202, { requestId: 'r3', status: 'PENDING', lane: 'normal', position: 1 })
          : envelope(200, { requestId: 'r3', status: 'PENDING' }),
    });
    const err = (await queuedReservation(
      http,
      rt,
      { scheduleId: 1, seatIds: [2] },
      { timeoutMs: 50, pollIntervalMs: 10 },
    ).catch((e: unknown) => e)) as FrontrowError;
    expect([err.code, err.details?.requestId]).toEqual(['TIMEOUT', 'r3']);
  });
});
