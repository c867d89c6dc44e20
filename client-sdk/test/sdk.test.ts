import { concertInput, uniqueId } from '@frontrow/server/test/harness';
import { type LiveServer, startLiveServer, until } from '@frontrow/server/test/live-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createFrontrow,
  type Frontrow,
  FrontrowError,
  type QueuePosition,
  type QueueStatus,
} from '../src/index.ts';

let live: LiveServer;
let admin: Frontrow;
const clients: Frontrow[] = [];

function client(token?: string | (() => string | Promise<string>)): Frontrow {
  const fr = createFrontrow({ baseUrl: live.url, token });
  clients.push(fr);
  return fr;
}
async function fan(tier: 'vip' | 'normal' = 'normal') {
  const id = uniqueId('fan');
  return { id, fr: client(await live.t.token({ id, tier })) };
}
async function failure(p: Promise<unknown>): Promise<FrontrowError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof FrontrowError)) throw new Error(`expected a FrontrowError, got ${String(err)}`);
  return err;
}
async function openConcert() {
  const created = await admin.admin.createConcert(concertInput({ rows: 2, seatsPerRow: 4 }));
  await admin.admin.openSale(created.concertId, { groupSize: 1, intervalSeconds: 3600 });
  return { concertId: created.concertId, scheduleId: created.schedules[0]!.scheduleId };
}

beforeAll(async () => {
  live = await startLiveServer();
  admin = client(await live.t.token({ role: 'admin' }));
});
afterAll(async () => {
  for (const c of clients) c.close();
  await live?.close();
});

describe('REST basics', () => {
  it('reads the catalog and throws typed errors with status and request id', async () => {
    const created = await admin.admin.createConcert(concertInput());
    const anonymous = client();
    expect((await anonymous.concerts.list()).map((c) => c.concertId)).toContain(created.concertId);
    expect((await anonymous.concerts.get(created.concertId)).title).toBe(created.title);
    const schedules = await anonymous.concerts.schedules(created.concertId);
    expect(schedules).toHaveLength(1);

    const missing = await failure(anonymous.concerts.get(2_000_000_000));
    expect([missing.code, missing.status]).toEqual(['NOT_FOUND', 404]);
    expect(missing.requestId).toMatch(/\w/);
    const invalid = await failure(anonymous.request('GET', '/api/v1/concerts/abc'));
    expect([invalid.code, invalid.status]).toEqual(['VALIDATION_ERROR', 400]);
    expect((await failure(anonymous.queue.status(created.concertId))).code).toBe('UNAUTHENTICATED');
    const { fr } = await fan();
    const forbidden = await failure(fr.admin.createConcert(concertInput()));
    expect([forbidden.code, forbidden.status]).toEqual(['FORBIDDEN', 403]);

    const offline = createFrontrow({ baseUrl: 'http://127.0.0.1:9' });
    expect((await failure(offline.concerts.list())).code).toBe('NETWORK_ERROR');
  });

  it('asks a token function again once when the server answers 401, and not for a fixed token', async () => {
    const { concertId } = await openConcert();
    const good = await live.t.token({ id: uniqueId('fan') });
    let calls = 0;
    const refreshing = client(async () => (calls++ === 0 ? 'not-a-jwt' : good));
    expect((await refreshing.queue.status(concertId)).status).toBe('NOT_IN_QUEUE');
    expect(calls).toBe(2);
    await refreshing.queue.status(concertId);
    expect(calls).toBe(2); // cached until the next 401

    const fixed = client('not-a-jwt');
    const err = await failure(fixed.queue.status(concertId));
    expect(err.status).toBe(401);
    expect(['UNAUTHENTICATED', 'INVALID_TOKEN']).toContain(err.code);
  });
});

describe('waiting room over REST and sockets', () => {
  it('computes positions from ticks, reports admission, then grants access', async () => {
    const { concertId } = await openConcert();
    const [a, b, c] = [await fan(), await fan(), await fan()];
    const vip = await fan('vip');
    expect((await a.fr.queue.enter(concertId)).position).toBe(1);
    expect((await b.fr.queue.enter(concertId)).status).toBe('WAITING');
    expect((await b.fr.queue.enter(concertId)).position).toBe(2); // entering again keeps the place
    await vip.fr.queue.enter(concertId);
    expect((await c.fr.queue.enter(concertId)).position).toBe(4); // the VIP lane goes first

    const admitted: string[] = [];
    const aStatuses: QueueStatus[] = [];
    const stopA = a.fr.queue.watch(concertId, {
      onStatus: (s) => aStatuses.push(s),
      onAdmitted: (p) => admitted.push(p.readyUntil),
    });
    const positions: QueuePosition[] = [];
    const states: string[] = [];
    const stopC = c.fr.queue.watch(concertId, {
      onPosition: (p) => positions.push(p),
      onSaleState: (s) => states.push(s),
    });
    await until(() => positions.at(-1)?.position === 4 && aStatuses.length > 0);

    // Each movement is one tick for the concert; C reads its own place off it (VIP lane + rank in its lane).
    await b.fr.queue.leave(concertId);
    await until(() => positions.at(-1)?.position === 3);
    expect(states).toContain('ON_SALE');
    expect((await failure(c.fr.queue.claimAccess(concertId))).code).toBe('NOT_ADMITTED');
    await admin.admin.admitNow(concertId, 1); // the VIP fan
    await until(() => positions.at(-1)?.position === 2);
    expect(admitted).toHaveLength(0);
    await admin.admin.admitNow(concertId, 1); // A
    await until(() => admitted.length === 1 && positions.at(-1)?.position === 1);
    expect(positions.at(-1)).toMatchObject({ aheadCount: 0, totalWaiting: 1 });

    const grant = await a.fr.queue.claimAccess(concertId);
    expect(grant.status).toBe('ENTERED');
    expect(aStatuses.some((s) => s.status === 'READY')).toBe(true);
    stopA();
    stopC();
    expect((await c.fr.queue.leave(concertId)).status).toBe('NOT_IN_QUEUE');
  });

  it('re-watches after the connection drops and comes back with the current state', async () => {
    const { concertId } = await openConcert();
    const a = await fan();
    await a.fr.queue.enter(concertId);
    const statuses: QueueStatus[] = [];
    const stop = a.fr.queue.watch(concertId, { onStatus: (s) => statuses.push(s) });
    await until(() => statuses.length === 1);
    // A dropped transport (network trouble: Socket.IO reconnects), then a server-side disconnect (what a token
    // expiry does: the SDK asks for a token again and reconnects itself).
    for (const s of live.gateway.io.sockets.sockets.values()) s.conn.close();
    await until(() => statuses.length >= 2);
    live.gateway.io.disconnectSockets(true);
    await until(() => statuses.length >= 3);
    expect(statuses.at(-1)?.status).toBe('WAITING');
    stop();
  });
});

describe('booking', () => {
  it('holds seats with the remembered access token and streams seat changes', async () => {
    const { concertId, scheduleId } = await openConcert();
    const a = await fan();
    const b = await fan();
    for (const f of [a, b]) await f.fr.queue.enter(concertId);
    await admin.admin.admitNow(concertId, 2);
    await until(async () => (await b.fr.queue.status(concertId)).status === 'READY');
    await a.fr.queue.claimAccess(concertId);
    await b.fr.queue.claimAccess(concertId);

    const map = await a.fr.concerts.seats(concertId, scheduleId);
    const [first, second] = map.seats;
    const changes: string[] = [];
    let snapshot = 0;
    const stop = b.fr.seats.watch(scheduleId, undefined, {
      onSnapshot: () => snapshot++,
      onChange: (c, seats) => {
        for (const s of c) changes.push(`${s.seatId}:${s.status}`);
        expect(seats).toHaveLength(map.seats.length);
      },
    });
    await until(() => snapshot === 1);

    const hold = await a.fr.reservations.hold({ scheduleId, seatIds: [first!.seatId] });
    expect(hold.status).toBe('HELD');
    await until(() => changes.includes(`${first!.seatId}:HELD`));
    const taken = await failure(
      b.fr.reservations.hold({ scheduleId, seatIds: [first!.seatId, second!.seatId] }),
    );
    expect([taken.code, taken.status]).toEqual(['SEAT_UNAVAILABLE', 409]);
    expect(taken.details?.seatIds).toEqual([first!.seatId]);

    expect((await a.fr.reservations.extend(hold.reservationId)).extended).toBe(true);
    expect((await failure(a.fr.reservations.extend(hold.reservationId))).code).toBe('ALREADY_EXTENDED');
    expect((await a.fr.reservations.list()).map((r) => r.reservationId)).toContain(hold.reservationId);
    expect((await failure(b.fr.reservations.get(hold.reservationId))).code).toBe('NOT_FOUND');
    expect((await a.fr.reservations.cancel(hold.reservationId)).status).toBe('CANCELLED');
    await until(() => changes.includes(`${first!.seatId}:AVAILABLE`));
    stop();
  });

  it('charges points idempotently, pays, refunds, and reports INSUFFICIENT_POINTS', async () => {
    const { concertId, scheduleId } = await openConcert();
    const a = await fan();
    await a.fr.queue.enter(concertId);
    await admin.admin.admitNow(concertId, 1);
    await a.fr.queue.claimAccess(concertId);
    const { seats } = await a.fr.concerts.seats(concertId, scheduleId);
    const hold = await a.fr.reservations.hold({ scheduleId, seatIds: [seats[0]!.seatId] });

    expect((await failure(a.fr.payments.pay(hold.reservationId))).code).toBe('INSUFFICIENT_POINTS');
    const charged = await a.fr.points.charge(hold.totalAmount, { idempotencyKey: 'charge-1' });
    const replay = await a.fr.points.charge(hold.totalAmount, { idempotencyKey: 'charge-1' });
    expect(replay.transactionId).toBe(charged.transactionId);
    expect((await a.fr.points.balance()).balance).toBe(hold.totalAmount);
    expect((await failure(a.fr.points.charge(7, { idempotencyKey: 'charge-1' }))).code).toBe(
      'IDEMPOTENCY_KEY_REUSED',
    );

    const payment = await a.fr.payments.pay(hold.reservationId);
    expect(payment).toMatchObject({ status: 'COMPLETED', amount: hold.totalAmount });
    expect((await a.fr.points.balance()).balance).toBe(0);
    expect((await a.fr.payments.list()).map((p) => p.paymentId)).toContain(payment.paymentId);
    expect((await a.fr.reservations.cancel(hold.reservationId)).status).toBe('REFUNDED');
    expect((await a.fr.points.balance()).balance).toBe(hold.totalAmount);
    const history = await a.fr.points.history({ limit: 10 });
    expect(history.items.map((e) => e.type)).toEqual(['REFUND', 'PAYMENT', 'CHARGE']);
  });
});
