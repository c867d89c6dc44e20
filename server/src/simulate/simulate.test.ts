import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { concertInput, createTestServer, eventually, type TestServer } from '../../test/harness.ts';
import { createSimulator, pickSeats } from './simulator.ts';

let t: TestServer;
let admin: string;

beforeAll(async () => {
  t = await createTestServer();
  admin = await t.token({ role: 'admin' });
});
afterAll(async () => {
  t.services.simulator.stop();
  await t?.close();
});

/** Polls a condition of the simulation's view with a deadline. */
const until = (condition: () => boolean, what: string) =>
  eventually(async () => (condition() ? true : undefined), 15_000, what);

describe('simulate a drop', () => {
  it('sends fans through the queue; admitted ones hold and pay; the stats count seats and revenue', async () => {
    const created = await t.call('POST', '/api/v1/admin/concerts', {
      token: admin,
      body: concertInput({ rows: 2, seatsPerRow: 10, price: 10_000 }),
    });
    const concertId: number = created.body.data.concertId;
    await t.call('POST', `/api/v1/admin/concerts/${concertId}/sale/open`, { token: admin, body: {} });

    const s = t.services;
    // The services' simulator with time sped up, so the test does not wait for simulated thinking.
    const simulator = createSimulator({
      waitingRoom: s.waitingRoom,
      booking: s.booking,
      catalog: s.catalog,
      users: s.users,
      logger: s.logger,
      payments: s.payments,
      random: () => 0.3,
      sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 1_000) / 20)),
    });
    const view = simulator.start(concertId, { fans: 3, buyShare: 1, vipShare: 0, joinSeconds: 0 });
    await until(() => view.joined === 3, 'three fans to join');
    await t.call('POST', `/api/v1/admin/concerts/${concertId}/admit`, { token: admin, body: { count: 3 } });
    await until(() => view.finishedAt !== null, 'the simulation to finish');
    expect(view).toMatchObject({ admitted: 3, held: 3, paid: 3 });

    const stats = await t.call('GET', `/api/v1/admin/concerts/${concertId}/stats`, { token: admin });
    expect(stats.status).toBe(200);
    expect(stats.body.data.seats.sold).toBeGreaterThanOrEqual(3);
    expect(stats.body.data.seats.total).toBe(20);
    expect(stats.body.data.revenue).toBe(stats.body.data.seats.sold * 10_000);
    expect(stats.body.data.reservations.paid).toBe(3);
  });

  it('validates the request and is admin only', async () => {
    const fan = await t.token({});
    expect(
      (await t.call('POST', '/api/v1/admin/concerts/1/simulate', { token: fan, body: { fans: 1 } })).status,
    ).toBe(403);
    const bad = await t.call('POST', '/api/v1/admin/concerts/1/simulate', {
      token: admin,
      body: { fans: 0 },
    });
    expect(bad.body.error.code).toBe('VALIDATION_ERROR');
    const missing = await t.call('POST', '/api/v1/admin/concerts/2000000000/simulate', {
      token: admin,
      body: { fans: 1 },
    });
    expect(missing.body.error.code).toBe('NOT_FOUND');
    expect((await t.call('GET', '/api/v1/admin/concerts/2000000000/stats', { token: admin })).status).toBe(
      404,
    );
  });

  it('picks adjacent free seats in one row', () => {
    const seat = (seatId: number, number: number, status: 'AVAILABLE' | 'HELD' = 'AVAILABLE') => ({
      seatId,
      label: `A-1-${number}`,
      section: 'A',
      row: '1',
      number,
      grade: 'R',
      price: 1,
      status,
    });
    const seats = [seat(1, 1), seat(2, 2), seat(3, 3, 'HELD'), seat(4, 4)];
    expect(pickSeats(seats, 2, () => 0)).toEqual([1, 2]);
    expect(pickSeats(seats, 3, () => 0)).toEqual([1, 2]); // stops at the held seat
    expect(pickSeats([seat(3, 3, 'HELD')], 2, () => 0)).toEqual([]);
  });
});
