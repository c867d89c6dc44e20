import { queueEntries } from '@frontrow/db';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import { createWriteBehind } from '../admission/write-behind.ts';
import { createFans, createSale, enter, QUIET, statusOf } from './testing.ts';

let t: TestServer;
let admin: string;
beforeAll(async () => {
  t = await createTestServer({ ...QUIET, RATE_LIMIT_BOOKING_PER_USER: '0' });
  admin = await t.token({ role: 'admin' });
});
afterAll(() => t.close());

describe('a purchase ends the fan’s turn', () => {
  it('from the queue to a paid ticket: the slot frees, the token stops, the log says PAID', async () => {
    const concertId = await createSale(t, admin, { openInMs: -60_000 });
    await t.call('POST', `/api/v1/admin/concerts/${concertId}/sale/open`, { token: admin, body: {} });
    const [fan] = await createFans(t, 1);
    expect((await enter(t, concertId, fan!)).status).toBe(201);
    await t.call('POST', `/api/v1/admin/concerts/${concertId}/admit`, { token: admin, body: { count: 1 } });
    const claim = await t.call('POST', `/api/v1/concerts/${concertId}/queue/access-token`, {
      token: fan!.token,
    });
    expect(claim.status).toBe(200);
    const access = { 'x-queue-token': claim.body.data.accessToken };

    const [schedule] = (await t.call('GET', `/api/v1/concerts/${concertId}/schedules`)).body.data;
    const map = await t.call('GET', `/api/v1/concerts/${concertId}/schedules/${schedule.scheduleId}/seats`, {
      token: fan!.token,
      headers: access,
    });
    expect(map.status).toBe(200);
    const seatId = map.body.data.seats[0].seatId;
    const hold = await t.call('POST', '/api/v1/reservations', {
      token: fan!.token,
      headers: access,
      body: { scheduleId: schedule.scheduleId, seatIds: [seatId] },
    });
    expect(hold.status).toBe(201);
    await t.call('POST', '/api/v1/points/charge', {
      token: fan!.token,
      body: { amount: hold.body.data.totalAmount },
    });
    const paid = await t.call('POST', '/api/v1/payments', {
      token: fan!.token,
      headers: access,
      body: { reservationId: hold.body.data.reservationId },
    });
    expect(paid.status).toBe(201);

    // The slot is free and the access token no longer works.
    const view = await t.call('GET', `/api/v1/admin/concerts/${concertId}/queue`, { token: admin });
    expect(view.body.data).toMatchObject({ ready: 0, entered: 0 });
    expect((await statusOf(t, concertId, fan!)).canEnter).toBe(false);
    const after = await t.call(
      'GET',
      `/api/v1/concerts/${concertId}/schedules/${schedule.scheduleId}/seats`,
      {
        token: fan!.token,
        headers: access,
      },
    );
    expect(after.status).toBe(401);

    // The durable log records why the turn ended.
    const writer = createWriteBehind({
      redis: t.services.redis,
      keys: t.services.keys,
      db: t.services.database.db,
      logger: t.services.logger,
    });
    await writer.drain(concertId);
    const [row] = await t.services.database.db
      .select()
      .from(queueEntries)
      .where(and(eq(queueEntries.concertId, concertId), eq(queueEntries.userId, fan!.id)));
    expect(row).toMatchObject({ leftReason: 'PAID' });
    expect(row!.claimedAt).toBeInstanceOf(Date);
  });

  it('an admin who opens a sale early opens booking with it', async () => {
    const concertId = await createSale(t, admin, { openInMs: 60 * 60_000 });
    await t.call('POST', `/api/v1/admin/concerts/${concertId}/sale/open`, { token: admin, body: {} });
    const [fan] = await createFans(t, 1);
    await enter(t, concertId, fan!);
    await t.call('POST', `/api/v1/admin/concerts/${concertId}/admit`, { token: admin, body: { count: 1 } });
    const claim = await t.call('POST', `/api/v1/concerts/${concertId}/queue/access-token`, {
      token: fan!.token,
    });
    const access = { 'x-queue-token': claim.body.data.accessToken };
    const [schedule] = (await t.call('GET', `/api/v1/concerts/${concertId}/schedules`)).body.data;
    expect(schedule.status).toBe('UPCOMING');
    const map = await t.call('GET', `/api/v1/concerts/${concertId}/schedules/${schedule.scheduleId}/seats`, {
      token: fan!.token,
      headers: access,
    });
    const hold = await t.call('POST', '/api/v1/reservations', {
      token: fan!.token,
      headers: access,
      body: { scheduleId: schedule.scheduleId, seatIds: [map.body.data.seats[0].seatId] },
    });
    expect(hold.status).toBe(201);
  });
});
