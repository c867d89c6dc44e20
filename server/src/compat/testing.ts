/**
 * Helpers of the compatibility tests (never imported by the routes): a server with every document enabled, a
 * concert whose sale is open, fans with user tokens, and the admission step that turns WAITING fans READY.
 */
import { expect } from 'vitest';
import { createTestServer, type TestServer, uniqueId } from '../../test/harness.ts';
import { createConcert, type TestConcert } from '../booking/testing.ts';
import { QUIET } from '../waiting-room/testing.ts';

export function createCompatServer(env: Record<string, string> = {}): Promise<TestServer> {
  return createTestServer({ ...QUIET, COMPAT_ROUTES: 'all', ...env });
}

export interface CompatFan {
  id: string;
  token: string;
}

export async function createFan(t: TestServer): Promise<CompatFan> {
  const id = uniqueId('fan');
  return { id, token: await t.token({ id }) };
}

/** A concert with one schedule of `rows × seatsPerRow` seats whose sale an admin has opened. */
export async function createOpenConcert(
  t: TestServer,
  opts: { rows?: number; seatsPerRow?: number; price?: number } = {},
): Promise<TestConcert> {
  const concert = await createConcert(t, opts);
  const admin = await t.token({ role: 'admin' });
  const opened = await t.call('POST', `/api/v1/admin/concerts/${concert.concertId}/sale/open`, {
    token: admin,
  });
  expect(opened.status).toBe(200);
  return concert;
}

/** Admits every waiting fan of the concert now, as the admission scheduler's next tick would. */
export async function admitAll(t: TestServer, concertId: number): Promise<number> {
  return (await t.services.admission.admitNow(concertId, 100)).admitted;
}
