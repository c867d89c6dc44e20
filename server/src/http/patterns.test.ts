import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { concertInput, createTestServer, type TestServer } from '../../test/harness.ts';

/**
 * Every pattern that runs on request input, fed the longest input that can reach it, shaped to make a
 * backtracking matcher retry (long runs of accepted characters, then one that fails). Each must still give the
 * right answer; the body limit and Node's 16 KB header cap bound how long such input can be.
 */
let t: TestServer;
let fan: string;
let admin: string;
beforeAll(async () => {
  t = await createTestServer();
  fan = await t.token({});
  admin = await t.token({ role: 'admin' });
});
afterAll(() => t.close());

const NEAR_BODY_LIMIT = 60_000;

describe('patterns on request input, at the longest input that reaches them', () => {
  it('dev-token user id', async () => {
    const res = await t.call('POST', '/api/v1/auth/dev-token', {
      body: { userId: `${'a.'.repeat(NEAR_BODY_LIMIT / 2)}!` },
    });
    expect([res.status, res.body.error.code]).toEqual([400, 'VALIDATION_ERROR']);
  });

  it('Idempotency-Key', async () => {
    const res = await t.call('POST', '/api/v1/points/charge', {
      token: fan,
      body: { amount: 1_000 },
      headers: { 'idempotency-key': `${'k'.repeat(12_000)} ` },
    });
    expect([res.status, res.body.error.code]).toEqual([400, 'VALIDATION_ERROR']);
  });

  it('ledger cursor', async () => {
    const res = await t.call('GET', `/api/v1/points/history?cursor=${'1'.repeat(12_000)}x`, { token: fan });
    expect([res.status, res.body.error.code]).toEqual([400, 'VALIDATION_ERROR']);
  });

  it('ISO date-times of a concert', async () => {
    const input = concertInput();
    input.schedules[0]!.startsAt = `2026-12-24T19:00:00.${'0'.repeat(NEAR_BODY_LIMIT)}x`;
    const res = await t.call('POST', '/api/v1/admin/concerts', { token: admin, body: input });
    expect([res.status, res.body.error.code]).toEqual([400, 'VALIDATION_ERROR']);
  });
});
