import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../../test/harness.ts';
import { createSale } from '../waiting-room/testing.ts';
import { type CompatFan, createCompatServer, createFan } from './testing.ts';

let t: TestServer;
let admin: string;
beforeAll(async () => {
  t = await createCompatServer();
  admin = await t.token({ role: 'admin' });
});
afterAll(() => t.close());

const queueData = (concertId: number, fields: Record<string, unknown>) => ({
  concertId: String(concertId),
  concertTitle: expect.stringMatching(/^Test concert/),
  queueNumber: expect.anything(),
  totalWaitingCount: expect.any(Number),
  estimatedWaitTime: expect.anything(),
  estimatedEnterTime: expect.anything(),
  canEnter: false,
  ...fields,
});

describe('seed 000: the waiting-room API guide v2, walked through the compatibility routes', () => {
  it('enters, shows status, opens with a batch size, issues the booking token and lets the rest exit', async () => {
    // The waiting room opens QUEUE_JOIN_START_HOURS before the sale: fans queue, then the admin opens.
    const concertId = await createSale(t, admin, { openInMs: 30 * 60_000 });
    const [a, b] = [await createFan(t), await createFan(t)];
    const enter = (fan: CompatFan, body: unknown = { concertId: String(concertId) }) =>
      t.call('POST', '/v2/waiting-room/enter', { token: fan.token, body });
    const status = (fan: CompatFan) =>
      t.call('GET', `/v2/waiting-room/status/${concertId}`, { token: fan.token });
    const token = (fan: CompatFan) =>
      t.call('GET', `/v2/reservation/token/${concertId}`, { token: fan.token });

    const first = await enter(a);
    expect(first.status).toBe(201);
    expect(first.body).toEqual({
      message: '대기열 입장 성공',
      data: queueData(concertId, { queueNumber: 1, totalWaitingCount: 1, status: 'WAITING' }),
      status: 201,
    });
    const twice = await enter(a);
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('ALREADY_IN_QUEUE');
    expect((await enter(b, { concertId })).status).toBe(201); // a number is taken too
    expect((await enter(b, { concertId: 'abc' })).status).toBe(400);
    expect((await t.call('POST', '/v2/waiting-room/enter', { body: { concertId } })).status).toBe(401);

    const waiting = await status(b);
    expect(waiting.status).toBe(200);
    expect(waiting.body).toEqual({
      message: '대기열 상태 조회 성공',
      data: queueData(concertId, { totalWaitingCount: 2, status: 'WAITING' }),
      status: 200,
    });
    expect([1, 2]).toContain(waiting.body.data.queueNumber);

    // No token before admission (403), and only an admin opens.
    expect((await token(a)).status).toBe(403);
    const open = (who: string, batchSize: number) =>
      t.call('POST', `/v2/reservation/open/${concertId}?batchSize=${batchSize}`, { token: who });
    expect((await open(a.token, 1)).status).toBe(403);
    expect((await open(admin, 0)).status).toBe(400);
    const opened = await open(admin, 1);
    expect(opened.status).toBe(200);
    expect(opened.body).toEqual({
      message: expect.any(String),
      data: { concertId: String(concertId), saleState: 'ON_SALE', batchSize: 1, admitted: 1, active: 1 },
      status: 200,
    });

    // The fan at the head is READY (the pre-queue is shuffled once when the sale opens).
    const states = await Promise.all([a, b].map(async (fan) => (await status(fan)).body.data));
    const readyIndex = states.findIndex((s) => s.status === 'READY');
    expect(readyIndex).toBeGreaterThanOrEqual(0);
    const [ready, rest] = readyIndex === 0 ? [a, b] : [b, a];
    expect(states[readyIndex]).toMatchObject({ status: 'READY', canEnter: true, queueNumber: null });
    const other = states[1 - readyIndex];
    expect(other).toMatchObject({ status: 'WAITING', queueNumber: 1, totalWaitingCount: 1, canEnter: false });
    if (other.estimatedEnterTime !== null) expect(other.estimatedEnterTime).toMatch(/^\d{2}:\d{2}:\d{2}$/);
    expect(other.estimatedWaitTime).toEqual(expect.any(Number));

    const granted = await token(ready);
    expect(granted.status).toBe(200);
    expect(granted.body).toEqual({
      message: '예매 토큰 발급 성공',
      data: {
        concertId: String(concertId),
        concertTitle: expect.any(String),
        status: 'ENTERED',
        canEnter: true,
        accessToken: expect.any(String),
        expiresAt: expect.any(String),
      },
      status: 200,
    });
    expect((await status(ready)).body.data).toMatchObject({ status: 'ENTERED', canEnter: true });
    // The token opens Frontrow's booking routes.
    const schedules = await t.call('GET', `/api/v1/concerts/${concertId}/schedules`);
    const seats = await t.call(
      'GET',
      `/api/v1/concerts/${concertId}/schedules/${schedules.body.data[0].scheduleId}/seats`,
      { token: ready.token, headers: { 'X-Queue-Token': granted.body.data.accessToken } },
    );
    expect(seats.status).toBe(200);

    const view = await t.call('GET', `/v2/waiting-room/admin/${concertId}`, { token: admin });
    expect(view.status).toBe(200);
    expect(view.body.data).toMatchObject({ concertId, waiting: { total: 1 }, entered: 1 });
    expect((await t.call('GET', `/v2/waiting-room/admin/${concertId}`, { token: rest.token })).status).toBe(
      403,
    );

    const exit = await t.call('POST', `/v2/waiting-room/exit/${concertId}`, { token: rest.token });
    expect(exit.status).toBe(200);
    expect(exit.body.data).toMatchObject({ status: 'NOT_IN_QUEUE', canEnter: false });
    expect((await status(rest)).body.data.status).toBe('NOT_IN_QUEUE');
    expect((await t.call('POST', `/v2/waiting-room/exit/${concertId}`, { token: rest.token })).status).toBe(
      404,
    );

    const cleanup = await t.call('POST', '/v2/waiting-room/cleanup', { token: admin });
    expect(cleanup.status).toBe(200);
    expect(cleanup.body).toMatchObject({ data: { concerts: expect.any(Number) }, status: 200 });
    expect((await t.call('POST', '/v2/waiting-room/cleanup', { token: rest.token })).status).toBe(403);
  });

  it('answers BOOKING_CLOSED once the sale is closed', async () => {
    const concertId = await createSale(t, admin, { openInMs: 30 * 60_000 });
    const fan = await createFan(t);
    expect(
      (await t.call('POST', '/v2/waiting-room/enter', { token: fan.token, body: { concertId } })).status,
    ).toBe(201);
    await t.call('POST', `/api/v1/admin/concerts/${concertId}/sale/close`, { token: admin });
    const closed = await t.call('GET', `/v2/waiting-room/status/${concertId}`, { token: fan.token });
    expect(closed.status).toBe(200);
    expect(closed.body.data).toMatchObject({ status: 'BOOKING_CLOSED', canEnter: false });
  });
});
