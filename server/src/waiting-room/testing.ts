import type { QueueStatus } from '@frontrow/client/protocol';
import { concertInput, type TestServer, uniqueId } from '../../test/harness.ts';

/**
 * Helpers shared by the waiting-room and admission tests (never imported by the service): a concert with a
 * chosen sale window, fans with tokens, a clock the test moves, and polling with a deadline.
 */

/** Settings every waiting-room test wants: no per-user request limit while a test polls. */
export const QUIET = { RATE_LIMIT_QUEUE_PER_USER: '0' };

/** A clock the test moves by hand (the services read it through `now`). */
export function manualClock(start = Date.now()) {
  let offset = 0;
  return {
    now: () => new Date(start + offset),
    advance(ms: number) {
      offset += ms;
    },
    ms: () => start + offset,
  };
}

/**
 * Creates a concert through the admin API whose sale opens at `openInMs` and closes at `closeInMs` (real time),
 * with `seats` seats (100 by default; admission never admits more fans than seats are left).
 */
export async function createSale(
  t: TestServer,
  admin: string,
  opts: { openInMs?: number; closeInMs?: number; seats?: number } = {},
): Promise<number> {
  const input = concertInput({ rows: 1, seatsPerRow: opts.seats ?? 100 });
  const schedule = input.schedules[0]!;
  schedule.bookingOpenAt = new Date(Date.now() + (opts.openInMs ?? 60 * 60_000)).toISOString();
  if (opts.closeInMs !== undefined) {
    schedule.bookingCloseAt = new Date(Date.now() + opts.closeInMs).toISOString();
  }
  const res = await t.call('POST', '/api/v1/admin/concerts', { token: admin, body: input });
  if (res.status !== 201) throw new Error(`concert not created: ${JSON.stringify(res.body)}`);
  return res.body.data.concertId;
}

export interface TestFan {
  id: string;
  tier: 'vip' | 'normal';
  token: string;
}

export async function createFans(t: TestServer, count: number, tier: 'vip' | 'normal' = 'normal') {
  return Promise.all(
    Array.from({ length: count }, async (): Promise<TestFan> => {
      const id = uniqueId(tier);
      return { id, tier, token: await t.token({ id, tier }) };
    }),
  );
}

export async function enter(t: TestServer, concertId: number, fan: TestFan) {
  return t.call('POST', `/api/v1/concerts/${concertId}/queue`, { token: fan.token });
}

export async function statusOf(t: TestServer, concertId: number, fan: TestFan): Promise<QueueStatus> {
  const res = await t.call('GET', `/api/v1/concerts/${concertId}/queue/me`, { token: fan.token });
  if (res.status !== 200) throw new Error(`status ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body.data;
}

export { eventually } from '../../test/harness.ts';
