import { reservations } from '@frontrow/db';
import { and, eq, inArray, sql } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import { createConcert, createFan, seatViolations } from '../booking/testing.ts';
import { AppError } from '../http/errors.ts';
import { moneyViolations } from './testing.ts';

/**
 * Random sequences of charge, hold, pay, cancel and expire across a few fans and a handful of seats, through the
 * same service functions the routes and workers call. After every step: no seat in two live reservations, no
 * balance below 0 (or above the cap), every balance equal to its ledger, and the SOLD seats exactly the seats of
 * PAID reservations (seatViolations checks both directions).
 */
let t: TestServer;
beforeAll(async () => {
  t = await createTestServer({ MAX_CHARGE: '30000', MAX_BALANCE: '50000', MAX_SEATS_PER_USER: '3' });
});
afterAll(() => t.close());

const FANS = 3;
const SEATS = 6;

type Action =
  | { kind: 'charge'; fan: number; amount: number }
  | { kind: 'hold'; fan: number; seats: number[] }
  | { kind: 'pay'; fan: number; pick: number; live: boolean }
  | { kind: 'cancel'; fan: number; pick: number; live: boolean }
  | { kind: 'expire'; pick: number; runJob: boolean };

const fan = fc.integer({ min: 0, max: FANS - 1 });
const action: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('charge' as const),
      fan,
      amount: fc.integer({ min: 1, max: 35_000 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('hold' as const),
      fan,
      seats: fc.uniqueArray(fc.integer({ min: 0, max: SEATS - 1 }), { minLength: 1, maxLength: 3 }),
    }),
  },
  // Mostly a live reservation (so payments and refunds happen), sometimes any (so refusals do too).
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('pay' as const), fan, pick: fc.nat(), live: fc.boolean() }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('cancel' as const), fan, pick: fc.nat(), live: fc.boolean() }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('expire' as const), pick: fc.nat(), runJob: fc.boolean() }),
  },
);

describe('property: money and seats stay consistent under any sequence', () => {
  it('holds the invariants after every step', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 5, maxLength: 30, size: 'max' }), async (actions) => {
        const concert = await createConcert(t, { rows: 1, seatsPerRow: SEATS, price: 5_000 });
        const fans = await Promise.all(Array.from({ length: FANS }, () => createFan(t, [concert.concertId])));
        const userIds = fans.map((f) => f.userId);
        // Everyone starts with some points, so payments happen from the first steps.
        for (const userId of userIds) await t.services.payments.points.charge(userId, 20_000);
        const db = t.services.database.db;
        const { booking, payments } = t.services;

        const reservationsOf = async (userId?: string, status?: Array<'HELD' | 'PAID'>) => {
          const rows = await db
            .select({ id: reservations.id })
            .from(reservations)
            .where(
              and(
                eq(reservations.scheduleId, concert.scheduleId),
                userId ? eq(reservations.userId, userId) : undefined,
                status ? inArray(reservations.status, status) : undefined,
              ),
            )
            .orderBy(reservations.id);
          return rows.map((r) => r.id);
        };

        for (const a of actions) {
          try {
            switch (a.kind) {
              case 'charge':
                await payments.points.charge(userIds[a.fan]!, a.amount);
                break;
              case 'hold':
                await booking.hold({
                  userId: userIds[a.fan]!,
                  scheduleId: concert.scheduleId,
                  seatIds: a.seats.map((i) => concert.seatIds[i]!),
                });
                break;
              case 'pay':
              case 'cancel': {
                const live: Array<'HELD' | 'PAID'> = a.kind === 'pay' ? ['HELD'] : ['HELD', 'PAID'];
                const ids = await reservationsOf(userIds[a.fan], a.live ? live : undefined);
                const id = ids[a.pick % Math.max(1, ids.length)];
                if (id === undefined) break;
                if (a.kind === 'pay') await payments.payments.pay(userIds[a.fan]!, id);
                else await payments.payments.cancel(userIds[a.fan]!, id);
                break;
              }
              case 'expire': {
                // Time passes for one live hold; its job runs now, or never (lost) and the clock alone decides.
                const ids = await reservationsOf(undefined, ['HELD']);
                const id = ids[a.pick % Math.max(1, ids.length)];
                if (id === undefined) break;
                await db.execute(
                  sql`UPDATE reservations SET expires_at = UTC_TIMESTAMP(3) - INTERVAL 1 SECOND WHERE id = ${id} AND status = 'HELD'`,
                );
                await db.execute(
                  sql`UPDATE seats SET held_until = UTC_TIMESTAMP(3) - INTERVAL 1 SECOND WHERE hold_id = ${id} AND status = 'HELD'`,
                );
                if (a.runJob) await booking.expire(id);
                break;
              }
            }
          } catch (err) {
            // Refusals (402, 409, 422...) are legitimate outcomes; anything else is a bug.
            if (!(err instanceof AppError) || err.status >= 500) throw err;
          }
          const seatProblems = await seatViolations(t, concert.scheduleId);
          const moneyProblems = await moneyViolations(t, userIds);
          if (seatProblems.length + moneyProblems.length > 0) {
            throw new Error(`after ${JSON.stringify(a)}:\n${[...seatProblems, ...moneyProblems].join('\n')}`);
          }
        }
        // Whatever happened, the fans' paid reservations account for every debit not refunded.
        const paid = await db
          .select({ total: sql<number>`CAST(COALESCE(SUM(${reservations.totalAmount}), 0) AS SIGNED)` })
          .from(reservations)
          .where(and(inArray(reservations.userId, userIds), eq(reservations.status, 'PAID')));
        const [used] = await db.execute(
          sql`SELECT CAST(COALESCE(SUM(total_used), 0) AS SIGNED) AS used FROM users WHERE id IN (${sql.join(
            userIds.map((id) => sql`${id}`),
            sql`, `,
          )})`,
        );
        expect(Number((used as unknown as Array<{ used: number }>)[0]?.used)).toBe(Number(paid[0]?.total));
      }),
      { numRuns: 40 },
    );
  }, 120_000);
});
