import { createHash } from 'node:crypto';
import { type PowProgress, solveChallenge } from '@frontrow/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import { createFans, createSale, manualClock, QUIET, type TestFan } from '../waiting-room/testing.ts';
import { leadingZeroBits, POW_DEFAULT_BITS } from './service.ts';

const BITS = 12;

describe('proof-of-work at the door', () => {
  const clock = manualClock();
  let t: TestServer;
  let admin: string;
  beforeAll(async () => {
    t = await createTestServer(QUIET, { now: clock.now });
    admin = await t.token({ role: 'admin' });
  });
  afterAll(() => t.close());

  const setBits = (concertId: number, difficultyBits: unknown) =>
    t.call('PUT', `/api/v1/admin/concerts/${concertId}/proof-of-work`, {
      token: admin,
      body: { difficultyBits },
    });
  const challengeFor = async (concertId: number, fan: TestFan) =>
    (await t.call('GET', `/api/v1/concerts/${concertId}/queue/challenge`, { token: fan.token })).body.data;
  const enterWith = (concertId: number, fan: TestFan, body: Record<string, unknown>) =>
    t.call('POST', `/api/v1/concerts/${concertId}/queue`, { token: fan.token, body });
  const reason = (res: {
    status: number;
    body: { error?: { code: string; details?: { reason?: string } } };
  }) =>
    res.status === 403 && res.body.error?.code === 'INVALID_PROOF_OF_WORK'
      ? res.body.error.details?.reason
      : res.status;

  it('is off by default: no challenge, entering needs no work', async () => {
    const concertId = await createSale(t, admin);
    const [fan] = await createFans(t, 1);
    expect(await challengeFor(concertId, fan!)).toEqual({
      concertId,
      difficultyBits: 0,
      challenge: null,
      expiresAt: null,
    });
    expect((await t.call('POST', `/api/v1/concerts/${concertId}/queue`, { token: fan!.token })).status).toBe(
      201,
    );
  });

  it('asks for work once on: the SDK solves it in a worker thread, the challenge works once', async () => {
    const concertId = await createSale(t, admin);
    expect((await setBits(concertId, BITS)).body.data).toEqual({ concertId, difficultyBits: BITS });
    const [fan, other] = await createFans(t, 2);
    const refused = await t.call('POST', `/api/v1/concerts/${concertId}/queue`, { token: fan!.token });
    expect(reason(refused)).toBe('REQUIRED');
    expect(refused.body.error.details.difficultyBits).toBe(BITS);

    const { challenge, difficultyBits, expiresAt } = await challengeFor(concertId, fan!);
    expect(difficultyBits).toBe(BITS);
    expect(Date.parse(expiresAt) - clock.ms()).toBe(120_000);
    const progress: PowProgress[] = [];
    const nonce = await solveChallenge(challenge, difficultyBits, { onProgress: (p) => progress.push(p) });
    expect(
      leadingZeroBits(createHash('sha256').update(`${challenge}.${nonce}`).digest()),
    ).toBeGreaterThanOrEqual(BITS);
    expect(progress.at(-1)).toEqual({ tried: Number(nonce) + 1, expected: 2 ** BITS });

    expect(reason(await enterWith(concertId, other!, { challenge, nonce }))).toBe('NOT_YOURS');
    // Many tabs racing with one solved challenge: exactly one gets through.
    const raced = await Promise.all(
      Array.from({ length: 20 }, () => enterWith(concertId, fan!, { challenge, nonce })),
    );
    expect(raced.filter((r) => r.status === 201)).toHaveLength(1);
    expect(raced.filter((r) => reason(r) === 'USED')).toHaveLength(19);
  });

  it('refuses forged, tampered, unsolved, expired and too easy challenges', async () => {
    const concertId = await createSale(t, admin);
    await setBits(concertId, BITS);
    const [fan] = await createFans(t, 1);
    const { challenge } = await challengeFor(concertId, fan!);
    const nonce = await solveChallenge(challenge, BITS);
    let wrong = 0;
    while (leadingZeroBits(createHash('sha256').update(`${challenge}.${wrong}`).digest()) >= BITS) wrong++;
    expect(reason(await enterWith(concertId, fan!, { challenge, nonce: String(wrong) }))).toBe(
      'INSUFFICIENT_WORK',
    );
    const parts = challenge.split('.');
    const easier = [...parts.slice(0, 4), '1', ...parts.slice(5)].join('.');
    expect(reason(await enterWith(concertId, fan!, { challenge: easier, nonce: '0' }))).toBe('BAD_SIGNATURE');
    expect(reason(await enterWith(concertId, fan!, { challenge: 'v1.1.2.3', nonce: '0' }))).toBe('MALFORMED');
    await setBits(concertId, BITS + 1);
    expect(reason(await enterWith(concertId, fan!, { challenge, nonce }))).toBe('TOO_EASY');
    await setBits(concertId, BITS);
    clock.advance(120_001);
    expect(reason(await enterWith(concertId, fan!, { challenge, nonce }))).toBe('EXPIRED');
  });

  it('answers bad input in the error envelope', async () => {
    const concertId = await createSale(t, admin);
    for (const bits of [-1, 33, 1.5, 'ten', null]) expect((await setBits(concertId, bits)).status).toBe(400);
    const byDefault = await t.call('PUT', `/api/v1/admin/concerts/${concertId}/proof-of-work`, {
      token: admin,
      body: {},
    });
    expect(byDefault.body.data.difficultyBits).toBe(POW_DEFAULT_BITS);
    const [fan] = await createFans(t, 1);
    const asFan = await t.call('PUT', `/api/v1/admin/concerts/${concertId}/proof-of-work`, {
      token: fan!.token,
      body: { difficultyBits: 1 },
    });
    expect(asFan.status).toBe(403);
    for (const body of [
      { challenge: 'x', nonce: 'abc' },
      { nonce: '1'.repeat(17) },
      { challenge: 'x'.repeat(301) },
    ]) {
      const res = await enterWith(concertId, fan!, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_ERROR');
    }
    expect(
      (await t.call('GET', '/api/v1/concerts/987654321/queue/challenge', { token: fan!.token })).status,
    ).toBe(404);
  });
});
