import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import { createFans, createSale, enter, manualClock, QUIET, statusOf } from '../waiting-room/testing.ts';

const clock = manualClock();
let t: TestServer;
let admin: string;
beforeAll(async () => {
  t = await createTestServer(
    {
      ...QUIET,
      MAX_WAIT_MINUTES: '10',
      READY_WINDOW_MINUTES: '1',
      SESSION_MINUTES: '2',
      ADMIT_GROUP_SIZE: '2',
    },
    { now: clock.now },
  );
  admin = await t.token({ role: 'admin' });
});
afterAll(() => t.close());

describe('POST /api/v1/admin/queue/cleanup', () => {
  it('removes entries older than MAX_WAIT_MINUTES and expired READY fans and sessions, and counts them', async () => {
    const concertId = await createSale(t, admin);
    await t.call('POST', `/api/v1/admin/concerts/${concertId}/sale/open`, { token: admin });
    const fans = await createFans(t, 6);
    for (const fan of fans) await enter(t, concertId, fan);
    await t.services.admission.tick(concertId, 'one');
    await t.call('POST', `/api/v1/concerts/${concertId}/queue/access-token`, { token: fans[1]!.token });
    // Paused: no tick sweeps this sale any more, only the cleanup does.
    await t.call('POST', `/api/v1/admin/concerts/${concertId}/sale/pause`, { token: admin });

    clock.advance(3 * 60_000); // fans[0]'s READY window and fans[1]'s session are over
    const [fresh] = await createFans(t, 1);
    await enter(t, concertId, fresh!);
    clock.advance(8 * 60_000); // fans[2..5] have waited 11 minutes, the fresh fan 8

    const res = await t.call('POST', '/api/v1/admin/queue/cleanup', { token: admin });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ concerts: 1, waitingRemoved: 4, readyExpired: 1, sessionsExpired: 1 });
    for (const fan of fans) expect((await statusOf(t, concertId, fan)).status).toBe('EXPIRED');
    expect(await statusOf(t, concertId, fresh!)).toMatchObject({
      status: 'WAITING',
      position: 1,
      totalWaiting: 1,
    });
    expect(await t.services.redis.hexists(t.services.keys.sessionIds(concertId), fans[1]!.id)).toBe(0);

    const view = await t.call('GET', `/api/v1/admin/concerts/${concertId}/queue`, { token: admin });
    expect(view.body.data).toMatchObject({ left: { vip: 0, normal: 4 }, expired: 2, ready: 0, entered: 0 });

    const again = await t.call('POST', '/api/v1/admin/queue/cleanup', { token: admin });
    expect(again.body.data).toEqual({ concerts: 1, waitingRemoved: 0, readyExpired: 0, sessionsExpired: 0 });
  });
});
