import { concertInput, uniqueId } from '@frontrow/server/test/harness';
import { type LiveServer, startLiveServer, until } from '@frontrow/server/test/live-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFrontrow, type Frontrow, FrontrowError } from '../src/index.ts';

let live: LiveServer;
const clients: Frontrow[] = [];

beforeAll(async () => {
  // The request worker decides queued holds, so this file runs the worker role too.
  live = await startLiveServer({ workers: true });
});
afterAll(async () => {
  for (const c of clients) c.close();
  await live?.close();
});

describe('reservations.request against the real worker', () => {
  it('resolves with the hold pushed over the socket, and throws the failure of a taken seat', async () => {
    const admin = createFrontrow({ baseUrl: live.url, token: await live.t.token({ role: 'admin' }) });
    clients.push(admin);
    const created = await admin.admin.createConcert(concertInput({ rows: 1, seatsPerRow: 4 }));
    const concertId = created.concertId;
    const scheduleId = created.schedules[0]!.scheduleId;
    await admin.admin.openSale(concertId, { groupSize: 1, intervalSeconds: 3600 });

    const fans = await Promise.all(
      ['vip', 'normal'].map(async (tier) => {
        const fr = createFrontrow({
          baseUrl: live.url,
          token: await live.t.token({ id: uniqueId('fan'), tier: tier as 'vip' | 'normal' }),
        });
        clients.push(fr);
        await fr.queue.enter(concertId);
        return fr;
      }),
    );
    await admin.admin.admitNow(concertId, 2);
    for (const fr of fans) {
      await until(async () => (await fr.queue.status(concertId)).status === 'READY');
      await fr.queue.claimAccess(concertId);
    }
    const [a, b] = fans as [Frontrow, Frontrow];
    const { seats } = await a.concerts.seats(concertId, scheduleId);
    const seatIds = [seats[0]!.seatId];

    const progress: string[] = [];
    const hold = await a.reservations.request(
      { scheduleId, seatIds },
      { onProgress: (u) => progress.push(u.status) },
    );
    expect(hold).toMatchObject({ status: 'HELD', scheduleId });
    expect(progress[0]).toBe('PENDING');
    expect(progress.at(-1)).toBe('COMPLETED');

    const err = await b.reservations.request({ scheduleId, seatIds }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FrontrowError);
    expect((err as FrontrowError).code).toBe('SEAT_UNAVAILABLE');
  });
});
