/**
 * Test helpers of the queued reservations (never imported by the service): fans of a lane with an access token,
 * submitting through the REST API, a worker with test timings, and the simple model that predicts the outcome of a
 * batch decided in queue order.
 */
import type { Tier } from '@frontrow/client/protocol';
import { type CallResult, grantAccess, type TestServer, uniqueId } from '../../test/harness.ts';
import { seeded } from '../../test/seeded.ts';
import type { DomainEvent } from '../events/index.ts';
import { type RequestWorkerDeps, startRequestWorker } from './worker.ts';

export interface QueueFan {
  userId: string;
  lane: Tier;
  token: string;
  /** The access token of the concert the fan was made for. */
  access: string;
}

/** A fan of `lane` (the user token's tier), its user row, and a booking session for `concertId`. */
export async function createFan(t: TestServer, concertId: number, lane: Tier): Promise<QueueFan> {
  const userId = uniqueId(lane);
  const token = await t.token({ id: userId, tier: lane });
  await t.services.users.ensure({ id: userId, name: userId, tier: lane, role: 'user' });
  return { userId, lane, token, access: await grantAccess(t, userId, concertId) };
}

export function submit(
  t: TestServer,
  fan: QueueFan,
  scheduleId: number,
  seatIds: number[],
  extra: Record<string, unknown> = {},
): Promise<CallResult> {
  return t.call('POST', '/api/v2/reservations', {
    token: fan.token,
    body: { scheduleId, seatIds, ...extra },
    headers: { 'x-queue-token': fan.access },
  });
}

export function requestState(t: TestServer, fan: QueueFan, requestId: string): Promise<CallResult> {
  return t.call('GET', `/api/v2/reservations/${requestId}`, { token: fan.token });
}

/** The request worker of the worker role on the test's services, with timings a test can wait for. */
export function startWorker(t: TestServer, opts: Partial<RequestWorkerDeps> = {}) {
  const s = t.services;
  return startRequestWorker({
    connections: s.connections,
    redis: s.redis,
    keys: s.keys,
    logger: s.logger,
    now: s.now,
    requests: s.reservationRequests,
    holdMany: s.booking.holdMany,
    ...opts,
  });
}

/** The `reservation.update` events among those a recording sink saw. */
export function updates(events: DomainEvent[]) {
  return events.filter(
    (e): e is Extract<DomainEvent, { type: 'reservation.update' }> => e.type === 'reservation.update',
  );
}

export interface Ask {
  fan: QueueFan;
  seatIds: number[];
}
export type Predicted = { status: 'COMPLETED' } | { status: 'FAILED'; code: string };

/**
 * What a batch submitted in this order must come to: decided one at a time, the VIP lane first, each lane in
 * submission order, each decision the hold's rules in the hold's order (the fan's seat limit, then the seats).
 * Returns the decision order (indexes into `asks`) and each ask's outcome.
 */
export function predict(asks: Ask[], maxSeatsPerUser: number) {
  const order = [
    ...asks.flatMap((a, i) => (a.fan.lane === 'vip' ? [i] : [])),
    ...asks.flatMap((a, i) => (a.fan.lane === 'normal' ? [i] : [])),
  ];
  const taken = new Set<number>();
  const heldCount = new Map<string, number>();
  const outcomes = new Map<number, Predicted>();
  for (const i of order) {
    const { fan, seatIds } = asks[i]!;
    const mine = heldCount.get(fan.userId) ?? 0;
    if (mine + seatIds.length > maxSeatsPerUser) {
      outcomes.set(i, { status: 'FAILED', code: 'SEAT_LIMIT_EXCEEDED' });
    } else if (seatIds.some((s) => taken.has(s))) {
      outcomes.set(i, { status: 'FAILED', code: 'SEAT_UNAVAILABLE' });
    } else {
      for (const s of seatIds) taken.add(s);
      heldCount.set(fan.userId, mine + seatIds.length);
      outcomes.set(i, { status: 'COMPLETED' });
    }
  }
  return { order, outcomes };
}

/**
 * A batch of asks in a known, interleaved order: each fan asks `perFan(fan)` times for 1-3 seats drawn from
 * `seatIds`, so asks overlap heavily.
 */
export function batch(
  fans: QueueFan[],
  perFan: (fan: QueueFan, i: number) => number,
  seatIds: number[],
  seed: number,
) {
  const random = seeded(seed);
  const asks: Ask[] = [];
  fans.forEach((fan, i) => {
    for (let k = 0; k < perFan(fan, i); k++) {
      const want = 1 + Math.floor(random() * 3);
      const pick = new Set<number>();
      while (pick.size < want) pick.add(seatIds[Math.floor(random() * seatIds.length)]!);
      asks.push({ fan, seatIds: [...pick] });
    }
  });
  // Fisher-Yates with the same generator: lanes and fans interleave, the order is fixed by the seed.
  for (let i = asks.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [asks[i], asks[j]] = [asks[j]!, asks[i]!];
  }
  return asks;
}
