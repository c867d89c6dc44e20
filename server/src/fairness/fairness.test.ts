import { verifyDraw } from '@frontrow/client/draw';
import type { FairnessRecord } from '@frontrow/client/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import { createFans, createSale, enter, QUIET, statusOf } from '../waiting-room/testing.ts';

describe('the verifiable draw, end to end', () => {
  let t: TestServer;
  let admin: string;
  beforeAll(async () => {
    t = await createTestServer(QUIET);
    admin = await t.token({ role: 'admin' });
  });
  afterAll(() => t.close());

  const record = async (concertId: number): Promise<FairnessRecord> => {
    const res = await t.call('GET', `/api/v1/concerts/${concertId}/fairness`);
    expect(res.status).toBe(200);
    return res.body.data;
  };

  it('publishes the commitment before the open, reveals the matching seed after, and every fan finds its place', async () => {
    const concertId = await createSale(t, admin);
    const listed = (await t.call('GET', `/api/v1/concerts/${concertId}`)).body.data;
    expect(listed.drawCommitment).toMatch(/^[0-9a-f]{64}$/);
    const inList = (await t.call('GET', '/api/v1/concerts')).body.data.find(
      (c: { concertId: number }) => c.concertId === concertId,
    );
    expect(inList.drawCommitment).toBe(listed.drawCommitment);

    const fans = [...(await createFans(t, 5, 'vip')), ...(await createFans(t, 20, 'normal'))];
    const entryTicket = new Map<string, number>();
    for (const fan of fans) entryTicket.set(fan.id, (await enter(t, concertId, fan)).body.data.ticket);
    // Leaving before the open leaves a gap in the pre-queue's tickets.
    await t.call('DELETE', `/api/v1/concerts/${concertId}/queue/me`, { token: fans[7]!.token });
    entryTicket.delete(fans[7]!.id);

    const before = await record(concertId);
    expect(before).toMatchObject({ state: 'COMMITTED', seed: null, preQueue: null, orderHash: null });
    expect(before.commitment).toBe(listed.drawCommitment);
    const early = await t.call('GET', `/api/v1/concerts/${concertId}/queue/me/draw`, {
      token: fans[0]!.token,
    });
    expect(early.body.data).toEqual({ concertId, state: 'COMMITTED', entry: null });

    expect(
      (await t.call('POST', `/api/v1/admin/concerts/${concertId}/sale/open`, { token: admin })).status,
    ).toBe(200);
    const [late] = await createFans(t, 1);
    await enter(t, concertId, late!);

    const after = await record(concertId);
    expect(after.state).toBe('DRAWN');
    expect(after.commitment).toBe(listed.drawCommitment);
    expect(after.preQueue!.vip).toHaveLength(5);
    expect(after.preQueue!.normal).toHaveLength(19);
    const check = verifyDraw(after, { commitment: listed.drawCommitment });
    expect(check).toMatchObject({ valid: true, problems: [] });

    for (const fan of fans.filter((f) => entryTicket.has(f.id))) {
      const mine = await t.call('GET', `/api/v1/concerts/${concertId}/queue/me/draw`, { token: fan.token });
      const entry = mine.body.data.entry;
      expect(entry.entryTicket).toBe(entryTicket.get(fan.id));
      const own = verifyDraw(after, { entryTicket: entry.entryTicket }).place;
      expect(own).toEqual({ lane: fan.tier, place: entry.place });
      // The place is the fan's place in its lane now, and the ticket it holds is that place's ticket.
      const status = await statusOf(t, concertId, fan);
      expect(status.ticket).toBe(entry.ticket);
      expect(status.ticket).toBe([...after.preQueue![fan.tier]].sort((a, b) => a - b)[entry.place - 1]);
    }
    const lateDraw = await t.call('GET', `/api/v1/concerts/${concertId}/queue/me/draw`, {
      token: late!.token,
    });
    expect(lateDraw.body.data).toEqual({ concertId, state: 'DRAWN', entry: null });
  });

  it('a record altered anywhere fails verification', async () => {
    const concertId = await createSale(t, admin);
    for (const fan of await createFans(t, 12)) await enter(t, concertId, fan);
    await t.call('POST', `/api/v1/admin/concerts/${concertId}/sale/open`, { token: admin });
    const good = await record(concertId);
    expect(verifyDraw(good).valid).toBe(true);
    const otherSeed = `${good.seed!.slice(0, 63)}${good.seed!.endsWith('0') ? '1' : '0'}`;
    expect(verifyDraw({ ...good, seed: otherSeed }).valid).toBe(false);
    const swapped = [...good.drawn!.normal];
    [swapped[0], swapped[1]] = [swapped[1]!, swapped[0]!];
    expect(verifyDraw({ ...good, drawn: { ...good.drawn!, normal: swapped } }).valid).toBe(false);
    expect(verifyDraw({ ...good, orderHash: '0'.repeat(64) }).valid).toBe(false);
    expect(verifyDraw(good, { commitment: '1'.repeat(64) }).valid).toBe(false);
  });

  it('answers bad ids in the error envelope', async () => {
    const fan = (await createFans(t, 1))[0]!;
    for (const path of ['/api/v1/concerts/abc/fairness', '/api/v1/concerts/0/queue/me/draw']) {
      const res = await t.call('GET', path, { token: fan.token });
      expect(res.status, path).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_ERROR');
    }
    const missing = await t.call('GET', '/api/v1/concerts/987654321/fairness');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('NOT_FOUND');
    expect((await t.call('GET', '/api/v1/concerts/1/queue/me/draw')).status).toBe(401);
  });
});
