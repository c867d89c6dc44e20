import { concerts, seats } from '@frontrow/db';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { concertInput, createTestServer, type TestServer } from '../../test/harness.ts';
import { rowLabel } from './service.ts';

let t: TestServer;
let admin: string;
beforeAll(async () => {
  t = await createTestServer();
  admin = await t.token({ role: 'admin' });
});
afterAll(() => t.close());

describe('POST /api/v1/admin/concerts', () => {
  it('creates the concert, its schedules and every seat in one go', async () => {
    const input = concertInput({ rows: 3, seatsPerRow: 4, price: 77_000 });
    input.schedules[0]!.sections.push({ name: 'B', grade: 'S', price: 40_000, rows: 1, seatsPerRow: 10 });
    const res = await t.call('POST', '/api/v1/admin/concerts', { token: admin, body: input });
    expect(res.status).toBe(201);
    const concert = res.body.data;
    expect(concert).toMatchObject({
      title: input.title,
      venueName: 'Test Hall',
      saleState: 'SCHEDULED',
      scheduleCount: 1,
    });
    expect(concert.schedules[0]).toMatchObject({ availableSeats: 22, totalSeats: 22, status: 'OPEN' });
    const rows = await t.services.database.db
      .select()
      .from(seats)
      .where(eq(seats.scheduleId, concert.schedules[0].scheduleId));
    expect(rows).toHaveLength(22);
    expect(rows.filter((s) => s.section === 'A' && s.price === 77_000)).toHaveLength(12);
    expect(new Set(rows.map((s) => `${s.section}${s.row}${s.number}`)).size).toBe(22);
  });

  const invalid: Array<[string, (i: ReturnType<typeof concertInput>) => unknown]> = [
    ['an empty title', (i) => ({ ...i, title: '' })],
    ['no schedules', (i) => ({ ...i, schedules: [] })],
    ['a bad date', (i) => ({ ...i, schedules: [{ ...i.schedules[0], startsAt: 'tomorrow' }] })],
    [
      'booking that closes before it opens',
      (i) => ({ ...i, schedules: [{ ...i.schedules[0], bookingCloseAt: '2000-01-01T00:00:00Z' }] }),
    ],
    [
      'a negative price',
      (i) => ({
        ...i,
        schedules: [
          { ...i.schedules[0], sections: [{ name: 'A', grade: 'R', price: -1, rows: 1, seatsPerRow: 1 }] },
        ],
      }),
    ],
    [
      'a fractional price',
      (i) => ({
        ...i,
        schedules: [
          { ...i.schedules[0], sections: [{ name: 'A', grade: 'R', price: 9.5, rows: 1, seatsPerRow: 1 }] },
        ],
      }),
    ],
    [
      'duplicate section names',
      (i) => ({
        ...i,
        schedules: [
          {
            ...i.schedules[0],
            sections: [
              { name: 'A', grade: 'R', price: 1, rows: 1, seatsPerRow: 1 },
              { name: 'A', grade: 'S', price: 1, rows: 1, seatsPerRow: 1 },
            ],
          },
        ],
      }),
    ],
    [
      'more seats than a schedule may have',
      (i) => ({
        ...i,
        schedules: [
          {
            ...i.schedules[0],
            sections: [
              { name: 'A', grade: 'R', price: 1, rows: 100, seatsPerRow: 200 },
              { name: 'B', grade: 'R', price: 1, rows: 1, seatsPerRow: 1 },
            ],
          },
        ],
      }),
    ],
    ['a string instead of an object', () => 'concert'],
  ];
  it.each(invalid)('refuses %s with 400 and creates nothing', async (_name, mutate) => {
    const input = concertInput();
    const res = await t.call('POST', '/api/v1/admin/concerts', { token: admin, body: mutate(input) });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ success: false, error: { code: 'VALIDATION_ERROR' } });
    // Other test files create concerts at the same time, so look for this one by its unique title.
    const [row] = await t.services.database.db.select().from(concerts).where(eq(concerts.title, input.title));
    expect(row).toBeUndefined();
  });

  it('refuses malformed JSON with 400', async () => {
    const res = await t.call('POST', '/api/v1/admin/concerts', { token: admin, body: '{"title": ' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
  });
});

describe('public catalog reads', () => {
  let concertId: number;
  beforeAll(async () => {
    const input = concertInput();
    const base = Date.parse('2031-03-10T19:00:00Z');
    input.schedules = [0, 1, 2].map((d) => ({
      ...input.schedules[0]!,
      startsAt: new Date(base + d * 86_400_000).toISOString(),
    }));
    concertId = (await t.call('POST', '/api/v1/admin/concerts', { token: admin, body: input })).body.data
      .concertId;
  });

  it('lists concerts with their sale state and gets one', async () => {
    const list = await t.call('GET', '/api/v1/concerts');
    expect(list.status).toBe(200);
    expect(list.body.data.find((c: { concertId: number }) => c.concertId === concertId)).toMatchObject({
      saleState: 'SCHEDULED',
      scheduleCount: 3,
    });
    const one = await t.call('GET', `/api/v1/concerts/${concertId}`);
    expect(one.body.data.concertId).toBe(concertId);
  });

  it('answers 404 for an unknown concert and 400 for a malformed id', async () => {
    expect((await t.call('GET', '/api/v1/concerts/999999999')).status).toBe(404);
    for (const id of ['abc', '0', '-3', '1.5', '99999999999999999999']) {
      const res = await t.call('GET', `/api/v1/concerts/${id}`);
      expect(res.status, id).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_ERROR');
    }
    expect((await t.call('GET', '/api/v1/concerts/999999999/schedules')).status).toBe(404);
  });

  it('filters schedules by date, inclusive on both ends', async () => {
    const all = await t.call('GET', `/api/v1/concerts/${concertId}/schedules`);
    expect(all.body.data.map((s: { performanceDate: string }) => s.performanceDate)).toEqual([
      '2031-03-10',
      '2031-03-11',
      '2031-03-12',
    ]);
    const some = await t.call(
      'GET',
      `/api/v1/concerts/${concertId}/schedules?fromDate=2031-03-11&toDate=2031-03-11`,
    );
    expect(some.body.data).toHaveLength(1);
    expect(some.body.data[0]).toMatchObject({
      performanceDate: '2031-03-11',
      performanceTime: '19:00',
      concertId,
    });
    expect(Object.keys(some.body.data[0]).sort()).toEqual(
      [
        'availableSeats',
        'bookingCloseAt',
        'bookingOpenAt',
        'concertId',
        'concertTitle',
        'performanceDate',
        'performanceTime',
        'scheduleId',
        'status',
        'totalSeats',
        'venueName',
      ].sort(),
    );
  });

  it('refuses bad dates and a fromDate after toDate', async () => {
    for (const q of ['fromDate=2031-02-30', 'toDate=yesterday', 'fromDate=2031-03-12&toDate=2031-03-10']) {
      const res = await t.call('GET', `/api/v1/concerts/${concertId}/schedules?${q}`);
      expect(res.status, q).toBe(400);
    }
  });

  it('counts a hold whose time has passed as available, by the database clock', async () => {
    const [schedule] = (await t.call('GET', `/api/v1/concerts/${concertId}/schedules`)).body.data;
    const db = t.services.database.db;
    const [first, second] = await db
      .select()
      .from(seats)
      .where(eq(seats.scheduleId, schedule.scheduleId))
      .limit(2);
    await db
      .update(seats)
      .set({ status: 'HELD', heldUntil: sql`UTC_TIMESTAMP(3) - INTERVAL 1 SECOND` })
      .where(eq(seats.id, first!.id));
    await db
      .update(seats)
      .set({ status: 'HELD', heldUntil: sql`UTC_TIMESTAMP(3) + INTERVAL 1 HOUR` })
      .where(eq(seats.id, second!.id));
    const [after] = (await t.call('GET', `/api/v1/concerts/${concertId}/schedules`)).body.data;
    expect(after.availableSeats).toBe(schedule.availableSeats - 1);
  });
});

describe('row labels', () => {
  it('run A..Z then AA, AB', () => {
    expect([0, 1, 25, 26, 27, 51, 52].map(rowLabel)).toEqual(['A', 'B', 'Z', 'AA', 'AB', 'AZ', 'BA']);
  });
});
