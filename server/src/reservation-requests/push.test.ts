import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type {
  ClientToServerEvents,
  ReservationUpdate,
  ServerToClientEvents,
} from '@frontrow/client/protocol';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import { createConcert, eventually, type TestConcert } from '../booking/testing.ts';
import { createRealtime } from '../compose.ts';
import type { Gateway } from '../realtime/gateway.ts';
import { createFan, type QueueFan, submit } from './testing.ts';

/**
 * The verdict reaches the fan's sockets: the gateway of this process, the worker role started the way `main.ts`
 * starts it (createWorkers), the push going out through the Redis emitter to the fan's room.
 */
type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

let t: TestServer;
let http: HttpServer;
let gateway: Gateway;
let url: string;
let concert: TestConcert;
const sockets: Client[] = [];

beforeAll(async () => {
  t = await createTestServer();
  http = createServer();
  gateway = createRealtime(http, t.services);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  concert = await createConcert(t);
  await t.startWorkers();
});

afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await gateway?.close();
  await new Promise<void>((resolve) => http.close(() => resolve()));
  await t?.close();
});

async function listen(fan: QueueFan) {
  const socket: Client = connect(url, {
    transports: ['websocket'],
    auth: { token: fan.token },
    forceNew: true,
  });
  sockets.push(socket);
  const seen: ReservationUpdate[] = [];
  socket.on('reservation:update', (u) => seen.push(u));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return seen;
}

function verdict(seen: ReservationUpdate[], requestId: string) {
  return eventually(async () =>
    seen.find((u) => u.requestId === requestId && (u.status === 'COMPLETED' || u.status === 'FAILED')),
  );
}

describe('reservation:update', () => {
  it('pushes the reservation to the fan’s sockets, once, and nothing to others', async () => {
    const fan = await createFan(t, concert.concertId, 'vip');
    const bystander = await createFan(t, concert.concertId, 'normal');
    const [phone, laptop, other] = [await listen(fan), await listen(fan), await listen(bystander)];

    const res = await submit(t, fan, concert.scheduleId, [concert.seatIds[0]!]);
    expect(res.status).toBe(202);
    const { requestId } = res.body.data;
    const pushed = await verdict(phone, requestId);
    expect(pushed).toMatchObject({
      requestId,
      status: 'COMPLETED',
      result: { userId: fan.userId, status: 'HELD', seats: [{ seatId: concert.seatIds[0] }] },
    });
    expect(pushed.error).toBeUndefined();
    expect(phone.map((u) => u.status)).toEqual(['COMPLETED']);
    expect(await verdict(laptop, requestId)).toEqual(pushed);

    // The REST view tells the same story.
    const state = await t.call('GET', `/api/v2/reservations/${requestId}`, { token: fan.token });
    expect(state.body.data.result).toEqual(pushed.result);
    expect(other).toEqual([]);
  });

  it('pushes the error of a request that lost', async () => {
    const seat = concert.seatIds[5]!;
    const holder = await createFan(t, concert.concertId, 'normal');
    await t.services.booking.hold({ userId: holder.userId, scheduleId: concert.scheduleId, seatIds: [seat] });
    const fan = await createFan(t, concert.concertId, 'normal');
    const seen = await listen(fan);
    const res = await submit(t, fan, concert.scheduleId, [seat]);
    expect(await verdict(seen, res.body.data.requestId)).toMatchObject({
      status: 'FAILED',
      error: { code: 'SEAT_UNAVAILABLE', details: { seatIds: [seat] } },
    });
  });
});
