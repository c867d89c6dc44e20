import { roundSeatsLeft } from '@frontrow/client/wait-range';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer, uniqueId } from '../../test/harness.ts';
import { seeded } from '../../test/seeded.ts';
import { seatStatuses, seatViolations } from '../booking/testing.ts';
import { statements } from '../db/tx.ts';
import { type DomainEvent, recordingSink } from '../events/index.ts';
import { AppError } from '../http/errors.ts';
import { createFans, enter, QUIET, statusOf } from '../waiting-room/testing.ts';
import { countSeats } from './counts.ts';
import { buySeat, createBuyer, createOpenConcert, holdSeat } from './testing.ts';

const sink = recordingSink();
let t: TestServer;
let admin: string;
beforeAll(async () => {
  // Admission steps are driven by hand (no worker role); holds last 1.2 s, READY windows and sessions 6 s.
  t = await createTestServer(
    {
      ...QUIET,
      ADMIT_GROUP_SIZE: '4',
      MAX_ACTIVE_USERS: '1000',
      ADMIT_INTERVAL_SECONDS: '3600',
      HOLD_MINUTES: '0.02',
      READY_WINDOW_MINUTES: '0.1',
      SESSION_MINUTES: '0.1',
    },
    { events: sink },
  );
  admin = await t.token({ role: 'admin' });
});
afterAll(() => t.close());

const eventsOf = <T extends DomainEvent['type']>(type: T, concertId: number) =>
  sink.events.filter((e) => e.type === type && 'concertId' in e && e.concertId === concertId) as Array<
    Extract<DomainEvent, { type: T }>
  >;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('inventory-aware admission', () => {
  it('never admits more fans than seats are left while holds, expiries, payments and cancels change the count', {
    timeout: 120_000,
  }, async () => {
    const seed = Number(process.env.TEST_SEED ?? Date.now() % 1_000_000);
    const random = seeded(seed);
    const why = `seed ${seed}`;
    const SEATS = 12;
    const FANS = 40;
    const concert = await createOpenConcert(t, SEATS);
    const { concertId } = concert;
    const fans: string[] = [];
    for (let i = 0; i < FANS; i++) {
      const id = await createBuyer(t);
      fans.push(id);
      await t.services.waitingRoom.enter(concertId, { id, tier: 'normal' });
    }

    const capViolations: string[] = [];
    const noSeat: string[] = [];
    const errors: string[] = [];
    const actors: Promise<void>[] = [];

    /** An admitted fan: claims, holds one AVAILABLE seat (retrying when another fan wins it), then acts. */
    async function act(userId: string, choice: number) {
      await t.services.waitingRoom.claim(concertId, userId);
      let held: number | undefined;
      for (let attempt = 0; attempt < 50 && held === undefined; attempt++) {
        const free = [...(await seatStatuses(t, concert.scheduleId))]
          .filter(([, status]) => status === 'AVAILABLE')
          .map(([id]) => id);
        if (free.length === 0) {
          noSeat.push(userId);
          return;
        }
        const seatId = free[Math.floor(random() * free.length)]!;
        try {
          held = (await holdSeat(t, userId, concert, seatId)).reservationId;
        } catch (err) {
          if (!(err instanceof AppError && err.code === 'SEAT_UNAVAILABLE')) throw err;
        }
      }
      if (held === undefined) throw new Error(`${userId} never got a seat`);
      if (choice < 0.5) {
        await t.services.payments.payments.pay(userId, held);
      } else if (choice < 0.75) {
        await t.services.payments.payments.cancel(userId, held);
        await t.services.waitingRoom.leave(concertId, userId);
      }
      // else: walks away; the hold and then the session run out.
    }

    const deadline = Date.now() + 90_000;
    let soldOut = false;
    while (!soldOut && Date.now() < deadline) {
      const outcomes = await Promise.all(
        [0, 1].map(() => t.services.admission.tick(concertId, uniqueId('tick'))),
      );
      for (const o of outcomes) {
        if (o.admitted.length > 0 && o.active > o.seatCap)
          capViolations.push(`active ${o.active} > seat cap ${o.seatCap}`);
        for (const fan of o.admitted) {
          actors.push(act(fan.userId, random()).catch((err: Error) => void errors.push(err.message)));
        }
      }
      soldOut = (await t.services.sales.view(concertId)).soldOut;
      const waiting = await t.services.redis.zcard(t.services.keys.lane(concertId, 'normal'));
      if (waiting === 0 && (await Promise.race([Promise.all(actors).then(() => true), sleep(100)]))) {
        // Nobody waits and every admitted fan is done: what is left are holds running out.
        if ((await countSeats(t.services.database.db, concertId)).held === 0) break;
      }
      await sleep(100);
    }
    await Promise.all(actors);
    // The loop may stop right after the last payment, before the recount its seats.changed started has ended.
    await t.services.inventory.settled();
    soldOut ||= (await t.services.sales.view(concertId)).soldOut;

    expect(capViolations, why).toEqual([]);
    expect(noSeat, why).toEqual([]);
    expect(errors, why).toEqual([]);
    expect(await seatViolations(t, concert.scheduleId), why).toEqual([]);
    const count = await countSeats(t.services.database.db, concertId);
    expect(count.sold, why).toBeLessThanOrEqual(SEATS);
    // Either every seat sold (and the sale said so), or the fans ran out first.
    if (count.sold === SEATS) expect(soldOut, why).toBe(true);
    expect(actors.length, why).toBeGreaterThan(SEATS);
  });

  it('keeps seatsLeft and seatsHeld in ticks equal to MySQL within one tick', async () => {
    const SEATS = 120;
    const concert = await createOpenConcert(t, SEATS);
    const { concertId } = concert;
    const tickMatches = async () => {
      const [tick, count] = await Promise.all([
        t.services.waitingRoom.tick(concertId),
        countSeats(t.services.database.db, concertId),
      ]);
      return {
        tick: [tick?.seatsLeft, tick?.seatsHeld],
        mysql: [roundSeatsLeft(count.available), count.held],
      };
    };
    const held: Array<{ userId: string; id: number }> = [];
    for (let i = 0; i < 30; i++) {
      // A new buyer each step stays below MAX_SEATS_PER_USER.
      const userId = await createBuyer(t);
      const step = i % 5;
      if (step === 0 || step === 1) {
        held.push({ userId, id: (await holdSeat(t, userId, concert, concert.seatIds[i]!)).reservationId });
      } else if (step === 2) {
        await buySeat(t, userId, concert, concert.seatIds[i]!);
      } else if (step === 3 && held.length > 0) {
        const h = held.pop()!;
        await t.services.payments.payments.cancel(h.userId, h.id);
      } else {
        const h = held.pop();
        if (h) await t.services.payments.payments.pay(h.userId, h.id);
      }
      // Every committed change recounts at once (no admission tick needed).
      await t.services.inventory.settled();
      const { tick, mysql } = await tickMatches();
      expect(tick, `after step ${i}`).toEqual(mysql);
    }
    expect(eventsOf('queue.moved', concertId).length).toBeGreaterThan(0);

    // A hold that runs out unannounced (no expiry job ran): the next admission tick's count sees it.
    const live = await holdSeat(t, await createBuyer(t), concert, concert.seatIds[SEATS - 1]!);
    await t.services.inventory.settled();
    await statements(
      t.services.database.db,
      sql`UPDATE seats SET held_until = UTC_TIMESTAMP(3) - INTERVAL 1 SECOND WHERE hold_id = ${live.reservationId}`,
    );
    expect((await tickMatches()).tick).not.toEqual((await tickMatches()).mysql);
    await t.services.admission.tick(concertId, uniqueId('tick'));
    const after = await tickMatches();
    expect(after.tick).toEqual(after.mysql);
  });

  it('reopens the room when seats come back after a sell-out only if the sale says so, never silently', async () => {
    const run = async (reopenOnReturns: boolean) => {
      const concert = await createOpenConcert(t, 1, { reopenOnReturns });
      const [fan] = await createFans(t, 1);
      expect((await enter(t, concert.concertId, fan!)).status).toBe(201);
      const userId = await createBuyer(t);
      const reservationId = await buySeat(t, userId, concert, concert.seatIds[0]!);
      await t.services.inventory.settled();
      expect((await statusOf(t, concert.concertId, fan!)).status).toBe('SOLD_OUT');
      expect(eventsOf('sale.soldout', concert.concertId)).toHaveLength(1);

      await t.services.payments.payments.cancel(userId, reservationId); // a refund
      await t.services.inventory.settled();
      const [late] = await createFans(t, 1);
      return { concert, fan: fan!, entered: await enter(t, concert.concertId, late!) };
    };

    const open = await run(true);
    expect(eventsOf('sale.reopened', open.concert.concertId)).toEqual([
      { type: 'sale.reopened', concertId: open.concert.concertId, seatsLeft: 1 },
    ]);
    expect(open.entered.status).toBe(201);
    expect(open.entered.body.data).toMatchObject({ status: 'WAITING', seatsLeft: 1, seatsHeld: 0 });
    expect((await t.services.sales.view(open.concert.concertId)).soldOut).toBe(false);

    const shut = await run(false);
    expect(eventsOf('sale.reopened', shut.concert.concertId)).toEqual([]);
    expect(shut.entered.status).toBe(409);
    expect(shut.entered.body.error.code).toBe('SOLD_OUT');
    expect(await statusOf(t, shut.concert.concertId, shut.fan)).toMatchObject({
      status: 'SOLD_OUT',
      seatsLeft: 1,
    });
    expect(await t.services.sales.view(shut.concert.concertId)).toMatchObject({
      soldOut: true,
      reopenOnReturns: false,
      inventory: { available: 1, held: 0, sold: 0 },
    });
  });
});

describe('organiser notices', () => {
  it('stores a notice as plain text, pushes it, shows it in every status until cleared, and refuses bad input', async () => {
    const concert = await createOpenConcert(t, 5);
    const { concertId } = concert;
    const [fan] = await createFans(t, 1);
    await enter(t, concertId, fan!);
    const path = `/api/v1/admin/concerts/${concertId}/notice`;
    const markup = '<img src=x onerror="alert(1)"> Doors open &amp; 19:00';

    const posted = await t.call('POST', path, { token: admin, body: { message: markup, level: 'warning' } });
    expect(posted.status).toBe(200);
    expect(posted.body.data).toMatchObject({ concertId, message: markup, level: 'warning' });
    expect((await statusOf(t, concertId, fan!)).notice).toMatchObject({ message: markup, level: 'warning' });
    expect(
      sink.events.filter((e) => e.type === 'sale.notice' && e.notice.concertId === concertId),
    ).toHaveLength(1);

    for (const body of [
      { message: 'x'.repeat(281) },
      { message: 'bell\u0007' },
      { message: 'hi', level: 'danger' },
      { message: 'hi', extra: 1 },
    ]) {
      const res = await t.call('POST', path, { token: admin, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_ERROR');
    }
    expect((await t.call('POST', path, { token: fan!.token, body: { message: 'hi' } })).status).toBe(403);
    expect(
      (
        await t.call('POST', `/api/v1/admin/concerts/999999999/notice`, {
          token: admin,
          body: { message: 'hi' },
        })
      ).status,
    ).toBe(404);
    expect((await statusOf(t, concertId, fan!)).notice?.message).toBe(markup);

    expect((await t.call('DELETE', path, { token: admin })).status).toBe(200);
    expect((await statusOf(t, concertId, fan!)).notice).toBeNull();
  });

  it('shows the reason of a pause to fans until the sale resumes, and the reason of a close', async () => {
    const concert = await createOpenConcert(t, 5);
    const { concertId } = concert;
    const [fan] = await createFans(t, 1);
    await enter(t, concertId, fan!);
    const base = `/api/v1/admin/concerts/${concertId}/sale`;
    const paused = await t.call('POST', `${base}/pause`, {
      token: admin,
      body: { reason: 'Payment provider down' },
    });
    expect(paused.status).toBe(200);
    expect(await statusOf(t, concertId, fan!)).toMatchObject({ stateReason: 'Payment provider down' });
    expect(eventsOf('sale.state', concertId).at(-1)).toMatchObject({
      state: 'PAUSED',
      reason: 'Payment provider down',
    });
    expect((await t.call('POST', `${base}/resume`, { token: admin })).status).toBe(200);
    expect((await statusOf(t, concertId, fan!)).stateReason).toBeNull();
    // A pause without a body still works.
    expect((await t.call('POST', `${base}/pause`, { token: admin })).status).toBe(200);

    // The reason of a close reaches the fans too, and stays.
    const closed = await t.call('POST', `${base}/close`, { token: admin, body: { reason: 'Venue flooded' } });
    expect(closed.status).toBe(200);
    expect(eventsOf('sale.state', concertId).at(-1)).toMatchObject({
      state: 'CLOSED',
      reason: 'Venue flooded',
    });
    expect(await statusOf(t, concertId, fan!)).toMatchObject({ stateReason: 'Venue flooded' });
    const tooLong = await t.call('POST', `${base}/close`, {
      token: admin,
      body: { reason: 'x'.repeat(281) },
    });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error.code).toBe('VALIDATION_ERROR');
  });
});
