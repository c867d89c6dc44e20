import { reservations, seats } from '@frontrow/db';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import { selectRows } from '../db/tx.ts';
import { recordingSink } from '../events/index.ts';
import { holdJobId } from './expiry-jobs.ts';
import {
  bookingHeaders,
  createConcert,
  createFan,
  eventually,
  type Fan,
  holdSeats,
  seatViolations,
  type TestConcert,
} from './testing.ts';

// Holds last 1.2 s here. `idle` runs no workers, so whatever it sees comes from the database clock alone.
const SHORT = { HOLD_MINUTES: '0.02' };
const sink = recordingSink();
let idle: TestServer;
let working: TestServer;
beforeAll(async () => {
  idle = await createTestServer(SHORT);
  working = await createTestServer(SHORT, { events: sink });
  await working.startWorkers();
});
afterAll(async () => {
  await idle?.close();
  await working?.close();
});

async function lapsed(t: TestServer, reservationId: number): Promise<true | undefined> {
  const [row] = await selectRows<{ due: number }>(
    t.services.database.db,
    sql`SELECT expires_at <= UTC_TIMESTAMP(3) AS due FROM reservations WHERE id = ${reservationId}`,
  );
  return row?.due ? true : undefined;
}

async function reservationRow(t: TestServer, id: number) {
  const [row] = await t.services.database.db.select().from(reservations).where(eq(reservations.id, id));
  return row!;
}

async function seatRow(t: TestServer, id: number) {
  const [row] = await t.services.database.db.select().from(seats).where(eq(seats.id, id));
  return row!;
}

async function seatOnMap(t: TestServer, fan: Fan, concert: TestConcert, seatId: number): Promise<string> {
  const res = await t.call(
    'GET',
    `/api/v1/concerts/${concert.concertId}/schedules/${concert.scheduleId}/seats`,
    {
      token: fan.token,
      headers: bookingHeaders(fan, concert.concertId),
    },
  );
  return res.body.data.seats.find((s: { seatId: number }) => s.seatId === seatId).status;
}

describe('expiry by the database clock, before any job', () => {
  it('reads a lapsed hold as AVAILABLE and its reservation as EXPIRED at once', async () => {
    const concert = await createConcert(idle);
    const fan = await createFan(idle, [concert.concertId]);
    const seat = concert.seatIds[0]!;
    const hold = (await holdSeats(idle, fan, concert, [seat])).body.data;
    expect(await seatOnMap(idle, fan, concert, seat)).toBe('HELD');
    await eventually(() => lapsed(idle, hold.reservationId));
    expect(await seatOnMap(idle, fan, concert, seat)).toBe('AVAILABLE');
    const read = await idle.call('GET', `/api/v1/reservations/${hold.reservationId}`, { token: fan.token });
    expect(read.body.data.status).toBe('EXPIRED');
    const schedules = await idle.call('GET', `/api/v1/concerts/${concert.concertId}/schedules`);
    expect(schedules.body.data[0].availableSeats).toBe(10);
    // Extending or cancelling a lapsed hold is too late.
    const extend = await idle.call('POST', `/api/v1/reservations/${hold.reservationId}/extend`, {
      token: fan.token,
      headers: bookingHeaders(fan, concert.concertId),
    });
    expect(extend.body.error.code).toBe('RESERVATION_EXPIRED');
  });

  it('lets another fan take over a lapsed hold, and a stale expiry job for it then frees nothing', async () => {
    const concert = await createConcert(idle);
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => createFan(idle, [concert.concertId])));
    const [s1, s2] = [concert.seatIds[1]!, concert.seatIds[2]!];
    const holdA = (await holdSeats(idle, a!, concert, [s1, s2])).body.data;
    await eventually(() => lapsed(idle, holdA.reservationId));

    const holdB = await holdSeats(idle, b!, concert, [s1]);
    expect(holdB.status).toBe(201);
    expect((await reservationRow(idle, holdA.reservationId)).status).toBe('EXPIRED');
    // A's other seat still reads AVAILABLE and sells: A gave up every live seat id, not just s1.
    expect((await holdSeats(idle, c!, concert, [s2])).status).toBe(201);

    // The late job for A, run now and again: it names hold A, and A holds nothing any more.
    expect(await idle.services.booking.expire(holdA.reservationId)).toEqual({
      state: 'released',
      seatIds: [],
    });
    expect(await idle.services.booking.expire(holdA.reservationId)).toEqual({
      state: 'released',
      seatIds: [],
    });
    expect(await seatRow(idle, s1)).toMatchObject({ status: 'HELD', holdId: holdB.body.data.reservationId });
    expect((await seatRow(idle, s2)).status).toBe('HELD');
    expect(await seatViolations(idle, concert.scheduleId)).toEqual([]);
  });

  it('has the sweeper expire holds whose job was lost, and release seats left by a takeover', async () => {
    const concert = await createConcert(idle);
    const [a, b] = await Promise.all([1, 2].map(() => createFan(idle, [concert.concertId])));
    const [s1, s2, s3] = [concert.seatIds[4]!, concert.seatIds[5]!, concert.seatIds[6]!];
    const lost = (await holdSeats(idle, a!, concert, [s1])).body.data;
    const partial = (await holdSeats(idle, b!, concert, [s2, s3])).body.data;
    await eventually(() => lapsed(idle, partial.reservationId));
    expect((await holdSeats(idle, a!, concert, [s2])).status).toBe(201); // takes s2 over, leaves s3 HELD-lapsed

    await idle.services.booking.sweep();
    expect((await reservationRow(idle, lost.reservationId)).status).toBe('EXPIRED');
    expect(await seatRow(idle, s1)).toMatchObject({ status: 'AVAILABLE', holdId: null, heldUntil: null });
    expect(await seatRow(idle, s3)).toMatchObject({ status: 'AVAILABLE', holdId: null, heldUntil: null });
    expect((await seatRow(idle, s2)).status).toBe('HELD');
    expect(await seatViolations(idle, concert.scheduleId)).toEqual([]);
  });
});

describe('expiry jobs written for concurrent holds', () => {
  it('give every hold of a burst its own delayed job, due after its end', async () => {
    const concert = await createConcert(idle);
    const fans = await Promise.all(
      concert.seatIds.slice(0, 8).map(() => createFan(idle, [concert.concertId])),
    );
    // Eight holds at once: their jobs go to Redis together, and each answer comes before its job is written.
    const holds = await Promise.all(
      fans.map(async (fan, i) => (await holdSeats(idle, fan, concert, [concert.seatIds[i]!])).body.data),
    );
    const queue = idle.services.holdQueue.queue;
    for (const hold of holds) {
      const job = await eventually(
        async () => (await queue.getJob(holdJobId(hold.reservationId))) ?? undefined,
      );
      expect(job.data).toEqual({ reservationId: hold.reservationId });
      expect(await job.getState()).toBe('delayed');
      // Due no sooner than the hold's end (idle runs no worker, so it is still waiting).
      expect(job.timestamp + (job.opts.delay ?? 0)).toBeGreaterThanOrEqual(Date.parse(hold.expiresAt));
    }
  });
});

describe('expiry jobs (worker role running)', () => {
  it('expire a hold durably when its time passes and announce the seats', async () => {
    const concert = await createConcert(working);
    const fan = await createFan(working, [concert.concertId]);
    const seat = concert.seatIds[0]!;
    const hold = (await holdSeats(working, fan, concert, [seat])).body.data;
    const row = await eventually(async () => {
      const r = await reservationRow(working, hold.reservationId);
      return r.status === 'EXPIRED' ? r : undefined;
    });
    // Never before its time.
    expect(row.closedAt!.getTime()).toBeGreaterThanOrEqual(row.expiresAt.getTime());
    expect(await seatRow(working, seat)).toMatchObject({ status: 'AVAILABLE', holdId: null });
    // The event goes out right after the commit that the row above already shows: wait for it too.
    const released = {
      type: 'seats.changed',
      concertId: concert.concertId,
      scheduleId: concert.scheduleId,
      seats: [{ seatId: seat, status: 'AVAILABLE' }],
    };
    await eventually(async () =>
      JSON.stringify(sink.events).includes(JSON.stringify(released)) ? true : undefined,
    );
    expect(sink.events).toContainEqual(released);
  });

  it('keep an extended hold until its new end: the first job moves itself back', async () => {
    const concert = await createConcert(working);
    const fan = await createFan(working, [concert.concertId]);
    const hold = (await holdSeats(working, fan, concert, [concert.seatIds[1]!])).body.data;
    const extended = await working.call('POST', `/api/v1/reservations/${hold.reservationId}/extend`, {
      token: fan.token,
      headers: bookingHeaders(fan, concert.concertId),
    });
    expect(extended.status).toBe(200);
    const row = await eventually(async () => {
      const r = await reservationRow(working, hold.reservationId);
      return r.status === 'EXPIRED' ? r : undefined;
    });
    expect(row.expiresAt.toISOString()).toBe(extended.body.data.expiresAt);
    expect(row.closedAt!.getTime()).toBeGreaterThanOrEqual(row.expiresAt.getTime());
  });
});
