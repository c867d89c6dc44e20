import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type {
  Ack,
  ClientToServerEvents,
  QueueStatus,
  SaleNotice,
  ServerToClientEvents,
  SoldOutEvent,
} from '@frontrow/client/protocol';
import { sql } from 'drizzle-orm';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer, uniqueId } from '../../test/harness.ts';
import { createWriteBehind } from '../admission/write-behind.ts';
import { createRealtime } from '../compose.ts';
import { selectRows } from '../db/tx.ts';
import type { Gateway } from '../realtime/gateway.ts';
import { createFans, enter, eventually, QUIET, statusOf } from '../waiting-room/testing.ts';
import { buySeat, createBuyer, createOpenConcert, holdSeat } from './testing.ts';

/**
 * The sold-out moment end to end: 2,000 fans wait for a two-seat concert, 200 of them watch on sockets, and the
 * last seat is paid for through the services.
 */
type Client = Socket<ServerToClientEvents, ClientToServerEvents>;
const WAITING = 2_000;
const WATCHING = 200;

let t: TestServer;
let http: HttpServer;
let gateway: Gateway;
let url: string;
const sockets: Client[] = [];

beforeAll(async () => {
  t = await createTestServer({ ...QUIET, ADMIT_INTERVAL_SECONDS: '3600', MAX_QUEUE_SIZE: '10000' });
  http = createServer();
  gateway = createRealtime(http, t.services);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await gateway.close();
  await new Promise((resolve) => http.close(resolve));
  await t.close();
});

async function watcher(concertId: number, token: string) {
  const socket: Client = connect(url, { transports: ['websocket'], auth: { token }, forceNew: true });
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  const seen = { soldOut: [] as SoldOutEvent[], notices: [] as SaleNotice[] };
  socket.on('sale:soldout', (p) => seen.soldOut.push(p));
  socket.on('sale:notice', (p) => seen.notices.push(p));
  const ack = await new Promise<Ack<QueueStatus>>((resolve) =>
    socket.emit('queue:watch', { concertId }, resolve),
  );
  if (!ack.ok) throw new Error(JSON.stringify(ack.error));
  return seen;
}

describe('the sold-out moment', () => {
  it('moves a sale with 2,000 waiting fans to SOLD_OUT when its last seat sells, and tells every watcher once', {
    timeout: 120_000,
  }, async () => {
    const concert = await createOpenConcert(t, 2);
    const { concertId } = concert;
    const watchers = await createFans(t, WATCHING);
    for (const fan of watchers) expect((await enter(t, concertId, fan)).status).toBe(201);
    const others = Array.from({ length: WAITING - WATCHING }, () => uniqueId('w'));
    for (let i = 0; i < others.length; i += 100) {
      await Promise.all(
        others.slice(i, i + 100).map((id) => t.services.waitingRoom.enter(concertId, { id, tier: 'normal' })),
      );
    }
    const seen = await Promise.all(watchers.map((fan) => watcher(concertId, fan.token)));

    const [first, second] = [await createBuyer(t), await createBuyer(t)];
    await buySeat(t, first, concert, concert.seatIds[0]!);
    const last = await holdSeat(t, second, concert, concert.seatIds[1]!);
    await t.services.inventory.settled();
    // No seat AVAILABLE but one held: it may come back, so the room waits and nobody was told anything.
    const waiting = await statusOf(t, concertId, watchers[0]!);
    expect(waiting).toMatchObject({ status: 'WAITING', seatsLeft: 0, seatsHeld: 1, totalWaiting: WAITING });

    await t.services.payments.payments.pay(second, last.reservationId);
    await eventually(
      async () => (seen.every((s) => s.soldOut.length > 0) ? true : undefined),
      20_000,
      'every watcher told',
    );
    // A notice sent afterwards travels the same channel: once every watcher has it, nothing else is on its way.
    await t.services.sales.notice(concertId, 'Thank you all', 'info');
    await eventually(async () => (seen.every((s) => s.notices.length > 0) ? true : undefined), 20_000);
    expect(seen.map((s) => s.soldOut.length)).toEqual(seen.map(() => 1));
    expect(seen[0]!.soldOut[0]).toEqual({ concertId, removed: WAITING, reopenOnReturns: false });

    expect(await statusOf(t, concertId, watchers[7]!)).toMatchObject({
      status: 'SOLD_OUT',
      position: null,
      totalWaiting: 0,
      seatsLeft: 0,
      seatsHeld: 0,
    });
    const [latecomer] = await createFans(t, 1);
    const refused = await enter(t, concertId, latecomer!);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('SOLD_OUT');
    const sale = await t.call('GET', `/api/v1/admin/concerts/${concertId}/queue`, {
      token: await t.token({ role: 'admin' }),
    });
    expect(sale.body.data).toMatchObject({
      soldOut: true,
      inventory: { available: 0, held: 0, sold: 2 },
      waiting: { total: 0 },
    });

    // The durable log says why every one of them left.
    const writeBehind = createWriteBehind({
      redis: t.services.redis,
      keys: t.services.keys,
      db: t.services.database.db,
      logger: t.services.logger,
    });
    const logged = await eventually(
      async () => {
        await writeBehind.drain(concertId);
        const [row] = await selectRows<{ n: number }>(
          t.services.database.db,
          sql`SELECT COUNT(*) AS n FROM queue_entries WHERE concert_id = ${concertId} AND left_reason = 'SOLD_OUT'`,
        );
        return Number(row?.n) === WAITING ? Number(row?.n) : undefined;
      },
      30_000,
      'the log written',
    );
    expect(logged).toBe(WAITING);
  });
});
