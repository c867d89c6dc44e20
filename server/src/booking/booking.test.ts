import { reservations } from '@frontrow/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import { recordingSink } from '../events/index.ts';
import {
  bookingHeaders,
  createConcert,
  createFan,
  type Fan,
  holdSeats,
  seatStatuses,
  seatViolations,
  type TestConcert,
} from './testing.ts';

const sink = recordingSink();
let t: TestServer;
let concert: TestConcert;
let other: TestConcert;
beforeAll(async () => {
  t = await createTestServer({}, { events: sink });
  concert = await createConcert(t, { rows: 2, seatsPerRow: 10, price: 30_000 });
  other = await createConcert(t);
});
afterAll(() => t.close());

const seatMapPath = (c: TestConcert) => `/api/v1/concerts/${c.concertId}/schedules/${c.scheduleId}/seats`;

describe('seat map', () => {
  it('lists every seat with its place, grade, price and status, for an admitted fan', async () => {
    const fan = await createFan(t, [concert.concertId]);
    const res = await t.call('GET', seatMapPath(concert), {
      token: fan.token,
      headers: bookingHeaders(fan, concert.concertId),
    });
    expect(res.status).toBe(200);
    expect(res.body.data.scheduleInfo).toMatchObject({
      scheduleId: concert.scheduleId,
      concertId: concert.concertId,
      totalSeats: 20,
      status: 'OPEN',
    });
    expect(res.body.data.seats).toHaveLength(20);
    expect(res.body.data.seats[0]).toEqual({
      seatId: concert.seatIds[0],
      label: 'A-A1',
      section: 'A',
      row: 'A',
      number: 1,
      grade: 'R',
      price: 30_000,
      status: expect.stringMatching(/^(AVAILABLE|HELD|SOLD)$/),
    });
  });

  it('needs the access token of this concert and the user token', async () => {
    const fan = await createFan(t, [other.concertId]);
    const missing = await t.call('GET', seatMapPath(concert), { token: fan.token });
    expect(missing.status).toBe(401);
    expect(missing.body.error.code).toBe('UNAUTHENTICATED');
    const wrong = await t.call('GET', seatMapPath(concert), {
      token: fan.token,
      headers: bookingHeaders(fan, other.concertId),
    });
    expect(wrong.status).toBe(403);
    expect(wrong.body.error.code).toBe('WRONG_CONCERT');
    const noUser = await t.call('GET', seatMapPath(other), { headers: bookingHeaders(fan, other.concertId) });
    expect(noUser.status).toBe(401);
    // Queue-Token is accepted as an alias of X-Queue-Token.
    const alias = await t.call('GET', seatMapPath(other), {
      token: fan.token,
      headers: { 'queue-token': fan.access.get(other.concertId)! },
    });
    expect(alias.status).toBe(200);
  });

  it('answers 404 for a schedule of another concert and 400 for malformed ids', async () => {
    const fan = await createFan(t, [concert.concertId]);
    const init = { token: fan.token, headers: bookingHeaders(fan, concert.concertId) };
    const res = await t.call(
      'GET',
      `/api/v1/concerts/${concert.concertId}/schedules/${other.scheduleId}/seats`,
      init,
    );
    expect(res.status).toBe(404);
    const bad = await t.call('GET', `/api/v1/concerts/${concert.concertId}/schedules/x1/seats`, init);
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('VALIDATION_ERROR');
  });
});

describe('POST /api/v1/reservations', () => {
  it('holds all requested seats, with a reservation number, and shows them HELD at once', async () => {
    const fan = await createFan(t, [concert.concertId]);
    const seatIds = [concert.seatIds[3]!, concert.seatIds[2]!];
    const res = await holdSeats(t, fan, concert, seatIds);
    expect(res.status).toBe(201);
    const r = res.body.data;
    expect(r).toMatchObject({
      userId: fan.userId,
      concertId: concert.concertId,
      scheduleId: concert.scheduleId,
      status: 'HELD',
      totalAmount: 60_000,
      extended: false,
      paidAt: null,
      closedAt: null,
      seats: [
        { seatId: concert.seatIds[2], label: 'A-A3', price: 30_000 },
        { seatId: concert.seatIds[3], label: 'A-A4', price: 30_000 },
      ],
    });
    expect(r.reservationNumber).toMatch(/^FR-\d{6}-[0-9A-HJKMNP-TV-Z]{8}$/);
    const held = Date.parse(r.expiresAt) - Date.parse(r.reservedAt);
    expect(held).toBe(t.config.sale.holdMinutes * 60_000);

    const map = await t.call('GET', seatMapPath(concert), {
      token: fan.token,
      headers: bookingHeaders(fan, concert.concertId),
    });
    const status = new Map(
      map.body.data.seats.map((s: { seatId: number; status: string }) => [s.seatId, s.status]),
    );
    expect(status.get(seatIds[0]!)).toBe('HELD');
    expect(status.get(seatIds[1]!)).toBe('HELD');
    expect(sink.events).toContainEqual({
      type: 'seats.changed',
      concertId: concert.concertId,
      scheduleId: concert.scheduleId,
      seats: [
        { seatId: concert.seatIds[2], status: 'HELD' },
        { seatId: concert.seatIds[3], status: 'HELD' },
      ],
    });
    expect(await seatViolations(t, concert.scheduleId)).toEqual([]);
  });

  it('takes none when one is taken, and names the taken seats', async () => {
    const a = await createFan(t, [concert.concertId]);
    const b = await createFan(t, [concert.concertId]);
    const [s1, s2, s3] = [concert.seatIds[5]!, concert.seatIds[6]!, concert.seatIds[7]!];
    expect((await holdSeats(t, a, concert, [s2])).status).toBe(201);
    const before = await seatStatuses(t, concert.scheduleId);
    const res = await holdSeats(t, b, concert, [s1, s2, s3]);
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'SEAT_UNAVAILABLE', details: { seatIds: [s2] } });
    expect(await seatStatuses(t, concert.scheduleId)).toEqual(before);
    const mine = await t.services.database.db
      .select()
      .from(reservations)
      .where(eq(reservations.userId, b.userId));
    expect(mine).toEqual([]);
  });

  it('refuses more than MAX_SEATS_PER_USER held or bought per schedule', async () => {
    const fan = await createFan(t, [concert.concertId, other.concertId]);
    const limit = t.config.sale.maxSeatsPerUser;
    const [a, b, c, d, e] = concert.seatIds.slice(10, 15) as [number, number, number, number, number];
    expect((await holdSeats(t, fan, concert, [a, b, c])).status).toBe(201);
    const over = await holdSeats(t, fan, concert, [d, e]);
    expect(over.status).toBe(422);
    expect(over.body.error).toMatchObject({
      code: 'SEAT_LIMIT_EXCEEDED',
      details: { limit, held: 3, requested: 2 },
    });
    expect((await holdSeats(t, fan, concert, [d])).status).toBe(201);
    const tooMany = await holdSeats(t, fan, other, other.seatIds.slice(0, limit + 1));
    expect(tooMany.status).toBe(422);
  });

  const badBodies: Array<[string, unknown]> = [
    ['an empty seat list', { scheduleId: 1, seatIds: [] }],
    ['duplicate seat ids', { scheduleId: 1, seatIds: [5, 5] }],
    ['string ids', { scheduleId: '1', seatIds: ['5'] }],
    ['a fractional id', { scheduleId: 1.5, seatIds: [5] }],
    ['a negative id', { scheduleId: 1, seatIds: [-5] }],
    ['no body fields', {}],
    ['a string body', 'seats'],
    ['malformed JSON', '{"scheduleId": '],
  ];
  it.each(badBodies)('answers 400 for %s', async (_name, body) => {
    const fan = await createFan(t, [concert.concertId]);
    const res = await t.call('POST', '/api/v1/reservations', {
      token: fan.token,
      body,
      headers: bookingHeaders(fan, concert.concertId),
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
  });

  it('answers 404 for seats of another schedule and for an unknown schedule', async () => {
    const fan = await createFan(t, [concert.concertId]);
    const res = await holdSeats(t, fan, concert, [concert.seatIds[19]!, other.seatIds[0]!]);
    expect(res.status).toBe(404);
    expect(res.body.error.details.seatIds).toEqual([other.seatIds[0]]);
    const unknown = await holdSeats(t, fan, { ...concert, scheduleId: 999_999_999 }, [concert.seatIds[19]!]);
    expect(unknown.status).toBe(404);
    expect((await seatStatuses(t, concert.scheduleId)).get(concert.seatIds[19]!)).toBe('AVAILABLE');
  });

  it('needs an access token: missing 401, another concert 403, another fan 403', async () => {
    const fan = await createFan(t, [other.concertId]);
    const missing = await holdSeats(t, fan, concert, [concert.seatIds[18]!]);
    expect(missing.status).toBe(401);
    const wrong = await holdSeats(
      t,
      fan,
      concert,
      [concert.seatIds[18]!],
      bookingHeaders(fan, other.concertId),
    );
    expect(wrong.status).toBe(403);
    expect(wrong.body.error.code).toBe('WRONG_CONCERT');
    const stranger = await createFan(t, [concert.concertId]);
    const borrowed = await holdSeats(
      t,
      fan,
      concert,
      [concert.seatIds[18]!],
      bookingHeaders(stranger, concert.concertId),
    );
    expect(borrowed.status).toBe(403);
    expect(borrowed.body.error.code).toBe('FORBIDDEN');
    expect((await seatStatuses(t, concert.scheduleId)).get(concert.seatIds[18]!)).toBe('AVAILABLE');
  });

  it('decides a batch in order, each hold seeing what the earlier ones took (holdMany)', async () => {
    const c = await createConcert(t, { rows: 1, seatsPerRow: 8 });
    const [a, b, f] = await Promise.all([1, 2, 3].map(() => createFan(t, [c.concertId])));
    const s = c.seatIds;
    const ask = (fan: Fan, seatIds: number[]) => ({ userId: fan.userId, scheduleId: c.scheduleId, seatIds });
    const outcomes = await t.services.booking.holdMany([
      ask(a!, [s[0]!, s[1]!]),
      ask(b!, [s[1]!, s[2]!]), // s1 went to a just before: refused whole
      ask(b!, [s[2]!]), // so s2 is still free
      ask(a!, [s[3]!, s[4]!, s[5]!]), // 2 + 3 > MAX_SEATS_PER_USER (4)
      ask(f!, [other.seatIds[0]!]), // a seat of another schedule
      ask(f!, [s[3]!]), // free: a's second hold was refused
    ]);
    const seen = outcomes.map((o) => (o.ok ? o.reservation.seats.map((x) => x.seatId) : o.error.code));
    expect(seen).toEqual([
      [s[0], s[1]],
      'SEAT_UNAVAILABLE',
      [s[2]],
      'SEAT_LIMIT_EXCEEDED',
      'NOT_FOUND',
      [s[3]],
    ]);
    const refusals = outcomes.flatMap((o) => (o.ok ? [] : [o.error.details]));
    expect(refusals[0]).toEqual({ seatIds: [s[1]] });
    expect(refusals[1]).toMatchObject({ held: 2, requested: 3 });
    const rows = await t.services.database.db
      .select({ userId: reservations.userId, status: reservations.status })
      .from(reservations)
      .where(eq(reservations.scheduleId, c.scheduleId))
      .orderBy(reservations.id);
    expect(rows).toEqual([a, b, f].map((fan) => ({ userId: fan!.userId, status: 'HELD' })));
    const statuses = await seatStatuses(t, c.scheduleId);
    expect(s.map((id) => statuses.get(id))).toEqual([
      ...Array(4).fill('HELD'),
      ...Array(4).fill('AVAILABLE'),
    ]);
    expect(await seatViolations(t, c.scheduleId)).toEqual([]);
  });

  it('is idempotent per queued request id (holdMany, as the v2 worker decides its batches)', async () => {
    const fan = await createFan(t, [other.concertId]);
    const input = {
      userId: fan.userId,
      scheduleId: other.scheduleId,
      seatIds: [other.seatIds[9]!],
      requestId: 'req-1x',
    };
    const held = async () => {
      const [outcome] = await t.services.booking.holdMany([input]);
      if (!outcome?.ok) throw new Error(`hold refused: ${JSON.stringify(outcome)}`);
      return outcome.reservation;
    };
    const [a, b] = await Promise.all([held(), held()]);
    expect(b.reservationId).toBe(a.reservationId);
    expect(await held()).toMatchObject({ reservationId: a.reservationId });
  });
});

describe('reading, extending and cancelling reservations', () => {
  let owner: Fan;
  let stranger: Fan;
  let id: number;
  beforeAll(async () => {
    owner = await createFan(t, [concert.concertId]);
    stranger = await createFan(t, [concert.concertId]);
    const res = await holdSeats(t, owner, concert, [concert.seatIds[16]!]);
    id = res.body.data.reservationId;
  });

  it('lists and gets my reservations; someone else’s is a 404', async () => {
    const list = await t.call('GET', '/api/v1/reservations', { token: owner.token });
    expect(list.body.data.map((r: { reservationId: number }) => r.reservationId)).toContain(id);
    expect(
      (await t.call('GET', `/api/v1/reservations/${id}`, { token: owner.token })).body.data,
    ).toMatchObject({
      reservationId: id,
      status: 'HELD',
    });
    const theirs = await t.call('GET', `/api/v1/reservations/${id}`, { token: stranger.token });
    expect(theirs.status).toBe(404);
    expect((await t.call('GET', '/api/v1/reservations', { token: stranger.token })).body.data).toEqual([]);
    expect((await t.call('GET', '/api/v1/reservations/abc', { token: owner.token })).status).toBe(400);
    expect((await t.call('GET', '/api/v1/reservations')).status).toBe(401);
  });

  it('extends once by HOLD_MINUTES; a second time is a 409', async () => {
    const path = `/api/v1/reservations/${id}/extend`;
    const before = (await t.call('GET', `/api/v1/reservations/${id}`, { token: owner.token })).body.data;
    const headers = bookingHeaders(owner, concert.concertId);
    expect(
      (
        await t.call('POST', path, {
          token: stranger.token,
          headers: bookingHeaders(stranger, concert.concertId),
        })
      ).status,
    ).toBe(404);
    expect((await t.call('POST', path, { token: owner.token })).status).toBe(401);
    const once = await t.call('POST', path, { token: owner.token, headers });
    expect(once.status).toBe(200);
    expect(once.body.data.extended).toBe(true);
    expect(Date.parse(once.body.data.expiresAt) - Date.parse(before.expiresAt)).toBe(
      t.config.sale.holdMinutes * 60_000,
    );
    const twice = await t.call('POST', path, { token: owner.token, headers });
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('ALREADY_EXTENDED');
    expect(await seatViolations(t, concert.scheduleId)).toEqual([]);
  });

  it('cancels a hold: CANCELLED, seats AVAILABLE at once; someone else’s 404; twice 409', async () => {
    const path = `/api/v1/reservations/${id}/cancel`;
    expect((await t.call('POST', path, { token: stranger.token })).status).toBe(404);
    const res = await t.call('POST', path, { token: owner.token });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ reservationId: id, status: 'CANCELLED' });
    expect(res.body.data.closedAt).not.toBeNull();
    const map = await t.call('GET', seatMapPath(concert), {
      token: owner.token,
      headers: bookingHeaders(owner, concert.concertId),
    });
    const seat = map.body.data.seats.find((s: { seatId: number }) => s.seatId === concert.seatIds[16]);
    expect(seat.status).toBe('AVAILABLE');
    expect(sink.events).toContainEqual({
      type: 'seats.changed',
      concertId: concert.concertId,
      scheduleId: concert.scheduleId,
      seats: [{ seatId: concert.seatIds[16], status: 'AVAILABLE' }],
    });
    const again = await t.call('POST', path, { token: owner.token });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('ALREADY_CANCELLED');
    const extend = await t.call('POST', `/api/v1/reservations/${id}/extend`, {
      token: owner.token,
      headers: bookingHeaders(owner, concert.concertId),
    });
    expect(extend.status).toBe(409);
    expect(await seatViolations(t, concert.scheduleId)).toEqual([]);
    // The seat sells again.
    expect((await holdSeats(t, stranger, concert, [concert.seatIds[16]!])).status).toBe(201);
  });
});

describe('OpenAPI', () => {
  it('documents the booking routes and the statuses each answers (docs/api.md)', async () => {
    const doc = (await t.call('GET', '/openapi.json')).body;
    for (const [method, path, statuses] of [
      ['get', '/api/v1/concerts/{concertId}/schedules/{scheduleId}/seats', [200, 400, 401, 403, 404]],
      ['post', '/api/v1/reservations', [201, 400, 401, 403, 404, 409, 422]],
      ['get', '/api/v1/reservations', [200, 401]],
      ['get', '/api/v1/reservations/{id}', [200, 400, 401, 404]],
      ['post', '/api/v1/reservations/{id}/extend', [200, 400, 401, 403, 404, 409]],
      ['post', '/api/v1/reservations/{id}/cancel', [200, 400, 401, 404, 409, 422]],
    ] as const) {
      const documented = Object.keys(doc.paths[path]?.[method]?.responses ?? {}).map(Number);
      expect(documented, `${method} ${path}`).toEqual(expect.arrayContaining([...statuses]));
    }
  });
});
