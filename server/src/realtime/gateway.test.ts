import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Ack, ClientToServerEvents, QueueStatus, ServerToClientEvents } from '@frontrow/client/protocol';
import { seats } from '@frontrow/db';
import { eq } from 'drizzle-orm';
import { SignJWT } from 'jose';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  concertInput,
  createTestServer,
  eventually,
  grantAccess,
  type TestServer,
  uniqueId,
} from '../../test/harness.ts';
import { AppError } from '../http/errors.ts';
import { seatLabel } from '../inventory/seat-map.ts';
import { createSocketSink } from './emitter-sink.ts';
import { createGateway, type Gateway, type GatewayDeps } from './gateway.ts';

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

let t: TestServer;
const nodes: Array<{ http: HttpServer; gateway: Gateway; url: string }> = [];
const clients: Client[] = [];
let concertId: number;
let scheduleId: number;

function statusOf(concert: number, userId: string): QueueStatus {
  return {
    concertId: concert,
    concertTitle: 'test',
    status: 'WAITING',
    lane: 'normal',
    ticket: 1,
    position: 1,
    aheadCount: 0,
    totalWaiting: 1,
    estimatedWaitSeconds: null,
    estimatedEnterAt: null,
    canEnter: userId.length < 0,
  };
}

/** Schedule lookups the gateway asked for (MySQL in production). */
let scheduleLookups = 0;

async function startNode(overrides: Partial<GatewayDeps> = {}): Promise<void> {
  const http = createServer();
  const deps: GatewayDeps = {
    logger: t.services.logger,
    connections: t.services.connections,
    channel: t.services.keys.socketChannel,
    userTokens: t.services.userTokens,
    accessTokens: t.services.accessTokens,
    queueStatus: async (concert, user) => statusOf(concert, user.id),
    concertOfSchedule: async (schedule) => {
      scheduleLookups++;
      if (schedule !== scheduleId) throw new AppError('NOT_FOUND', 'Schedule not found');
      return concertId;
    },
    seatSnapshot: async (schedule) => {
      const rows = await t.services.database.db.select().from(seats).where(eq(seats.scheduleId, schedule));
      if (rows.length === 0) throw new AppError('NOT_FOUND', 'Schedule not found');
      return {
        scheduleId: schedule,
        concertId,
        seats: rows.map((s) => ({
          seatId: s.id,
          label: seatLabel(s.section, s.row, s.number),
          section: s.section,
          row: s.row,
          number: s.number,
          grade: s.grade,
          price: s.price,
          status: s.status,
        })),
      };
    },
    ...overrides,
  };
  const gateway = createGateway(http, deps);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  nodes.push({ http, gateway, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}` });
}

function client(node: number, token: unknown): Client {
  const socket: Client = connect(nodes[node]!.url, {
    path: '/socket.io',
    transports: ['websocket'],
    auth: { token },
    reconnection: false,
    forceNew: true,
  });
  clients.push(socket);
  return socket;
}

/** Resolves once the socket is connected, including when it connected before this was called. */
function connected(socket: Client): Promise<void> {
  if (socket.connected) return Promise.resolve();
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
}

function refused(socket: Client): Promise<string> {
  return new Promise((resolve) => socket.once('connect_error', (err) => resolve(err.message)));
}

function emitAck<T>(socket: Client, event: keyof ClientToServerEvents, payload: unknown): Promise<Ack<T>> {
  return new Promise((resolve) => (socket.emit as (...a: unknown[]) => void)(event, payload, resolve));
}

beforeAll(async () => {
  t = await createTestServer();
  for (let i = 0; i < 3; i++) await startNode();
  // Node 3: tight connection caps.
  await startNode({ connectionLimits: { perUser: 2, perAddress: 3 } });
  const admin = await t.token({ role: 'admin' });
  const created = await t.call('POST', '/api/v1/admin/concerts', { token: admin, body: concertInput() });
  concertId = created.body.data.concertId;
  scheduleId = created.body.data.schedules[0].scheduleId;
});

afterAll(async () => {
  for (const c of clients) c.disconnect();
  for (const node of nodes) {
    await node.gateway.close();
    await new Promise<void>((resolve) => node.http.close(() => resolve()));
  }
  await t.close();
});

describe('handshake', () => {
  it('accepts a valid user token', async () => {
    const socket = client(0, await t.token({}));
    await connected(socket);
    expect(socket.connected).toBe(true);
  });

  it('refuses missing, forged and expired tokens with UNAUTHENTICATED', async () => {
    const forged = await new SignJWT({ sub: 'x' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('not-the-secret-not-the-secret-not-the-secret'));
    const expired = await new SignJWT({ sub: 'x' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime(Math.floor(Date.now() / 1000) - 5)
      .sign(new TextEncoder().encode(t.config.auth.jwtSecret!));
    expect(await refused(client(0, undefined))).toBe('UNAUTHENTICATED');
    expect(await refused(client(1, forged))).toBe('UNAUTHENTICATED');
    expect(await refused(client(2, expired))).toBe('TOKEN_EXPIRED');
  });

  it('drops a socket when its token expires', async () => {
    const shortLived = await new SignJWT({ sub: uniqueId() })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime(Math.floor(Date.now() / 1000) + 2)
      .sign(new TextEncoder().encode(t.config.auth.jwtSecret!));
    const socket = client(1, shortLived);
    await connected(socket);
    const reason = await new Promise<string>((resolve) => socket.once('disconnect', resolve));
    expect(reason).toBe('io server disconnect');
  });
});

describe('connection caps', () => {
  it('refuse a user’s or an address’s socket past the cap with a RATE_LIMITED connect_error, and free it on disconnect', async () => {
    const alice = await t.token({});
    const first = client(3, alice);
    await connected(first);
    await connected(client(3, alice));
    const third = client(3, alice);
    const error = await new Promise<Error & { data?: unknown }>((resolve) =>
      third.once('connect_error', resolve),
    );
    expect(error.message).toBe('RATE_LIMITED');
    expect(error.data).toMatchObject({ code: 'RATE_LIMITED', details: { limit: 2, per: 'user' } });
    // Another replica counts its own sockets.
    await connected(client(0, alice));

    // Same address, another user: the third socket from 127.0.0.1 fits, the fourth does not.
    await connected(client(3, await t.token({})));
    const crowd = client(3, await t.token({}));
    const byAddress = await new Promise<Error & { data?: unknown }>((resolve) =>
      crowd.once('connect_error', resolve),
    );
    expect(byAddress.data).toMatchObject({ code: 'RATE_LIMITED', details: { limit: 3, per: 'address' } });

    const open = () => nodes[3]!.gateway.io.of('/').sockets.size;
    const before = open();
    first.disconnect();
    await until(() => open() === before - 1, 'the socket to close');
    const again = client(3, alice);
    await connected(again);
    expect(again.connected).toBe(true);
  });
});

describe('events', () => {
  it('seats:watch checks the access token before it looks the schedule up', async () => {
    const socket = client(0, await t.token({}));
    await connected(socket);
    const before = scheduleLookups;
    for (const scheduleId of [123_456_789, 123_456_790, 123_456_791]) {
      expect(
        await emitAck(socket, 'seats:watch', { scheduleId, accessToken: 'made.up.token' }),
      ).toMatchObject({
        ok: false,
        error: { code: 'INVALID_TOKEN' },
      });
    }
    expect(scheduleLookups).toBe(before);
  });

  it('acks queue:watch with the status and answers malformed payloads with an error ack', async () => {
    const userId = uniqueId();
    const socket = client(0, await t.token({ id: userId }));
    await connected(socket);
    const good = await emitAck<QueueStatus>(socket, 'queue:watch', { concertId });
    expect(good).toEqual({ ok: true, data: statusOf(concertId, userId) });
    for (const bad of [undefined, null, 'x', { concertId: 'abc' }, { concertId: -1 }, { concertId: 1.5 }]) {
      const res = await emitAck(socket, 'queue:watch', bad);
      expect(res).toMatchObject({ ok: false, error: { code: 'VALIDATION_ERROR' } });
    }
    // The connection survives bad input, and events without an ack callback do not crash anything.
    (socket.emit as (...a: unknown[]) => void)('queue:watch', { concertId: 'nope' });
    expect((await emitAck(socket, 'queue:unwatch', { concertId })).ok).toBe(true);
    expect(socket.connected).toBe(true);
  });

  it('reaches fans on every node exactly once, from a worker-side emitter', async () => {
    const tokens = await Promise.all([0, 1, 2].map(() => t.token({})));
    const sockets = [0, 1, 2].map((n) => client(n, tokens[n]));
    await Promise.all(sockets.map(connected));
    for (const s of sockets) expect((await emitAck(s, 'queue:watch', { concertId })).ok).toBe(true);

    const received = sockets.map(() => [] as unknown[]);
    sockets.forEach((s, i) => {
      s.on('sale:state', (p) => received[i]!.push(p));
    });
    // A sink built like a worker's: no gateway in its process, only Redis.
    const sink = createSocketSink({
      redis: t.services.redis,
      connections: t.services.connections,
      keys: t.services.keys,
      logger: t.services.logger,
    });
    sink.publish({ type: 'sale.state', concertId, state: 'ON_SALE' });
    await until(() => received.every((r) => r.length >= 1), 'every socket to get the event');
    await new Promise((r) => setTimeout(r, 200));
    for (const r of received) expect(r).toEqual([{ concertId, state: 'ON_SALE' }]);
    await sink.close();
  });

  it('sends personal events only to that fan, wherever it is connected', async () => {
    const fan = uniqueId();
    const mine = client(2, await t.token({ id: fan }));
    const other = client(0, await t.token({}));
    await Promise.all([connected(mine), connected(other)]);
    const got: unknown[] = [];
    const leaked: unknown[] = [];
    mine.on('queue:admitted', (p) => got.push(p));
    other.on('queue:admitted', (p) => leaked.push(p));
    const sink = createSocketSink({
      redis: t.services.redis,
      connections: t.services.connections,
      keys: t.services.keys,
      logger: t.services.logger,
    });
    const readyUntil = new Date(Date.now() + 60_000).toISOString();
    sink.publish({ type: 'queue.admitted', concertId, userId: fan, lane: 'normal', readyUntil });
    await until(() => got.length === 1, 'the admission event');
    expect(got).toEqual([{ concertId, readyUntil }]);
    expect(leaked).toEqual([]);
    await sink.close();
  });

  it('seats:watch needs an access token of that concert, then pushes seat changes', async () => {
    const fan = uniqueId();
    const socket = client(1, await t.token({ id: fan }));
    await connected(socket);
    const wrong = await grantAccess(t, fan, concertId + 1_000_000);
    expect(await emitAck(socket, 'seats:watch', { scheduleId, accessToken: wrong })).toMatchObject({
      ok: false,
      error: { code: 'WRONG_CONCERT' },
    });
    const someoneElses = await grantAccess(t, uniqueId(), concertId);
    expect(await emitAck(socket, 'seats:watch', { scheduleId, accessToken: someoneElses })).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
    expect(
      await emitAck(socket, 'seats:watch', { scheduleId: 999_999_999, accessToken: wrong }),
    ).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
    const right = await grantAccess(t, fan, concertId);
    const snapshot = await emitAck<{ seats: Array<{ seatId: number }> }>(socket, 'seats:watch', {
      scheduleId,
      accessToken: right,
    });
    expect(snapshot.ok).toBe(true);
    const seatId = snapshot.ok ? snapshot.data.seats[0]!.seatId : 0;
    const changes: unknown[] = [];
    socket.on('seats:changed', (p) => changes.push(p));
    const sink = createSocketSink({
      redis: t.services.redis,
      connections: t.services.connections,
      keys: t.services.keys,
      logger: t.services.logger,
    });
    sink.publish({ type: 'seats.changed', concertId, scheduleId, seats: [{ seatId, status: 'HELD' }] });
    await until(() => changes.length === 1, 'the seat change');
    expect(changes).toEqual([{ scheduleId, seats: [{ seatId, status: 'HELD' }] }]);
    await sink.close();
  });
});

/** Polls a synchronous condition with a deadline. */
const until = (condition: () => boolean, what: string) =>
  eventually(async () => (condition() ? true : undefined), 5_000, what);
