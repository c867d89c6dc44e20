import { buySeat, createBuyer } from '@frontrow/server/inventory/testing';
import { concertInput, uniqueId } from '@frontrow/server/test/harness';
import { type LiveServer, startLiveServer, until } from '@frontrow/server/test/live-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFrontrow, type Frontrow, type QueuePosition, type SaleNotice } from '../src/index.ts';

let live: LiveServer;
let admin: Frontrow;
const clients: Frontrow[] = [];

async function fan() {
  const id = uniqueId('fan');
  const fr = createFrontrow({ baseUrl: live.url, token: await live.t.token({ id }) });
  clients.push(fr);
  return fr;
}

beforeAll(async () => {
  live = await startLiveServer();
  admin = createFrontrow({ baseUrl: live.url, token: await live.t.token({ role: 'admin' }) });
  clients.push(admin);
});
afterAll(async () => {
  for (const c of clients) c.close();
  await live?.close();
});

describe('queue.watch with seats, notices and the sell-out', () => {
  it('tells a fan near the front once, shows notices and reasons, and reports the sell-out and the reopening', async () => {
    const created = await admin.admin.createConcert(concertInput({ rows: 1, seatsPerRow: 1 }));
    const { concertId } = created;
    await admin.admin.openSale(concertId, { intervalSeconds: 3600, reopenOnReturns: true });
    const [a, b, c] = [await fan(), await fan(), await fan()];
    for (const f of [a, b, c]) await f.queue.enter(concertId);

    const positions: QueuePosition[] = [];
    const near: number[] = [];
    const notices: Array<SaleNotice | null> = [];
    const reasons: Array<string | null> = [];
    const soldOut: number[] = [];
    const reopened: number[] = [];
    const stop = c.queue.watch(
      concertId,
      {
        onPosition: (p) => positions.push(p),
        onNear: (n) => near.push(n.position),
        onNotice: (n) => notices.push(n),
        onStateReason: (r) => reasons.push(r),
        onSoldOut: (e) => soldOut.push(e.concertId),
        onReopened: (e) => reopened.push(e.seatsLeft),
      },
      { notifyWithin: 2 },
    );
    await until(() => positions.at(-1)?.position === 3);
    expect(positions.at(-1)).toMatchObject({ seatsLeft: 1, seatsHeld: 0 });
    expect(positions.at(-1)?.estimatedWait).not.toBeNull();
    expect(near).toEqual([]);

    await b.queue.leave(concertId);
    await until(() => positions.at(-1)?.position === 2);
    await a.queue.leave(concertId);
    await until(() => positions.at(-1)?.position === 1);
    expect(near).toEqual([2]);

    await admin.admin.postNotice(concertId, 'Doors at <19:00>', 'warning');
    await until(() => notices.at(-1)?.message === 'Doors at <19:00>');
    await admin.admin.pauseSale(concertId, 'Back in five minutes');
    await until(() => reasons.at(-1) === 'Back in five minutes');
    await admin.admin.resumeSale(concertId);
    await until(() => reasons.at(-1) === null);

    const other = await createBuyer(live.t);
    const seatId = (await live.t.services.booking.seatMap(concertId, created.schedules[0]!.scheduleId))
      .seats[0]!.seatId;
    const concert = { concertId, scheduleId: created.schedules[0]!.scheduleId, seatIds: [seatId] };
    const reservationId = await buySeat(live.t, other, concert, seatId);
    await until(() => soldOut.length > 0);
    expect((await c.queue.status(concertId)).status).toBe('SOLD_OUT');

    await live.t.services.payments.payments.cancel(other, reservationId); // a refund
    await until(() => reopened.length > 0);
    expect(reopened).toEqual([1]);
    expect((await c.queue.enter(concertId)).status).toBe('WAITING');
    expect(soldOut).toEqual([concertId]);
    stop();
  });
});
