import { queueEntries } from '@frontrow/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import { createFans, createSale, enter, QUIET } from '../waiting-room/testing.ts';
import { createAdmissionScripts } from './scripts.ts';
import { createWriteBehind, foldLog } from './write-behind.ts';

let t: TestServer;
let admin: string;
beforeAll(async () => {
  t = await createTestServer({ ...QUIET, ADMIT_GROUP_SIZE: '2' });
  admin = await t.token({ role: 'admin' });
});
afterAll(() => t.close());

describe('the queue-entry log', () => {
  it('folds entries per ticket in order, a close being a barrier', () => {
    const chunks = foldLog(7, [
      'E|1|vip|1000|1000||alice',
      'E|2|vip|1100|1100||bob',
      'S|1|vip|1100|2000||bob',
      'S|2|vip|1000|2000||alice',
      'A|1|vip|1100|3000||bob',
      'L|2|vip|1000|3500|LEFT|alice',
      'X|0||0|4000|CLOSED|',
      'E|3|normal|5000|5000||carol|with|bars',
    ]);
    expect(chunks).toHaveLength(2);
    expect(chunks[0]!.closedAt).toEqual(new Date(4000));
    expect(chunks[0]!.rows).toEqual([
      {
        concertId: 7,
        ticket: 1,
        userId: 'bob',
        lane: 'vip',
        enteredAt: new Date(1100),
        admittedAt: new Date(3000),
      },
      {
        concertId: 7,
        ticket: 2,
        userId: 'alice',
        lane: 'vip',
        enteredAt: new Date(1000),
        leftAt: new Date(3500),
        leftReason: 'LEFT',
      },
    ]);
    expect(chunks[1]!.rows[0]).toMatchObject({ ticket: 3, userId: 'carol|with|bars', lane: 'normal' });
  });

  it('is written behind to MySQL in batches, off the enter path, and a replayed batch changes nothing', async () => {
    const concertId = await createSale(t, admin);
    await t.call('POST', `/api/v1/admin/concerts/${concertId}/sale/open`, { token: admin });
    const fans = await createFans(t, 5);
    for (const fan of fans) await enter(t, concertId, fan);
    // Nothing is in MySQL until a drain runs: enter only appended to the log.
    const rows = () =>
      t.services.database.db.select().from(queueEntries).where(eq(queueEntries.concertId, concertId));
    expect(await rows()).toEqual([]);

    await t.services.admission.tick(concertId, 'w1');
    await t.call('POST', `/api/v1/concerts/${concertId}/queue/access-token`, { token: fans[0]!.token });
    await t.call('DELETE', `/api/v1/concerts/${concertId}/queue/me`, { token: fans[4]!.token });
    const log = await t.services.redis.lrange(t.services.keys.queueLog(concertId), 0, -1);
    expect(log.map((e) => e[0]).join('')).toBe('EEEEEAACL');

    const writer = createWriteBehind({
      redis: t.services.redis,
      keys: t.services.keys,
      db: t.services.database.db,
      logger: t.services.logger,
    });
    expect(await writer.drain(concertId)).toBe(9);
    const first = (await rows()).sort((a, b) => a.ticket - b.ticket);
    expect(first.map((r) => [r.ticket, r.userId])).toEqual(fans.map((f, i) => [i + 1, f.id]));
    expect(first[0]).toMatchObject({ lane: 'normal', leftAt: null });
    expect(first[0]!.admittedAt).toBeInstanceOf(Date);
    expect(first[0]!.claimedAt).toBeInstanceOf(Date);
    expect(first[1]!.admittedAt).toBeInstanceOf(Date);
    expect(first[2]!.admittedAt).toBeNull();
    expect(first[4]).toMatchObject({ leftReason: 'LEFT' });

    // A drainer that died after writing and before acknowledging: its batch is written again.
    await t.services.redis.rpush(t.services.keys.queueLog(concertId), ...log);
    expect(await writer.drain(concertId)).toBe(9);
    expect((await rows()).sort((a, b) => a.ticket - b.ticket)).toEqual(first);
  });

  it('lets one drainer at a time hold a concert log', async () => {
    const concertId = await createSale(t, admin);
    await enter(t, concertId, (await createFans(t, 1))[0]!);
    const scripts = createAdmissionScripts(t.services.redis, t.services.keys);
    const take = (token: string) => scripts.logTake(concertId, [token, 30_000, 10]);
    expect((await take('one'))[0]).toBe('OK');
    expect(await take('two')).toEqual(['BUSY']);
    // The holder asking again gets the same batch (a retry after a failed write).
    expect((await take('one'))[1]).toHaveLength(1);
    expect(await scripts.logAck(concertId, ['one'])).toBe(1);
    expect(await take('two')).toEqual(['EMPTY']);
  });
});
