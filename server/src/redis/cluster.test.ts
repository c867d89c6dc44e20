import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer, type Server, type Socket } from 'node:net';
import type { ClientToServerEvents, QueueTick, ServerToClientEvents } from '@frontrow/client/protocol';
import calculateSlot from 'cluster-key-slot';
import { Cluster } from 'ioredis';
import { type Socket as ClientSocket, io as connect } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import { createConcert } from '../booking/testing.ts';
import { createRealtime } from '../compose.ts';
import type { Gateway } from '../realtime/gateway.ts';
import { createFan, submit } from '../reservation-requests/testing.ts';
import { createFans, createSale, enter, eventually, QUIET } from '../waiting-room/testing.ts';

/**
 * Runs only in the `cluster` project (vitest.config.ts): the services on a three-primary Redis Cluster, with
 * REDIS_URL pointing at a listener that counts every connection made to it.
 */
let listener: Server;
let urlConnections = 0;
const opened: Socket[] = [];
let t: TestServer;
let http: HttpServer;
let gateway: Gateway;
let admin: string;

beforeAll(async () => {
  listener = createServer((socket) => {
    urlConnections++;
    opened.push(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const port = (listener.address() as AddressInfo).port;
  t = await createTestServer({
    ...QUIET,
    REDIS_URL: `redis://127.0.0.1:${port}`,
    ADMIT_INTERVAL_SECONDS: '3600',
  });
  await t.startWorkers();
  http = createHttpServer();
  gateway = createRealtime(http, t.services);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  admin = await t.token({ role: 'admin' });
});

afterAll(async () => {
  await gateway?.close();
  http?.close();
  await t?.close();
  for (const s of opened) s.destroy();
  await new Promise((resolve) => listener.close(resolve));
});

describe('on a Redis Cluster', () => {
  it('enters, pushes over sockets and decides queued reservations without ever contacting REDIS_URL', async () => {
    expect(inject('redisClusterNodes')).toBeTruthy();
    expect(t.services.connections.cluster).toBe(true);
    const concertId = await createSale(t, admin, { openInMs: 60 * 60_000 });
    const [first, second] = await createFans(t, 2);

    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    const socket: ClientSocket<ServerToClientEvents, ClientToServerEvents> = connect(url, {
      transports: ['websocket'],
      auth: { token: first!.token },
      forceNew: true,
    });
    try {
      await new Promise((resolve, reject) => {
        socket.once('connect', () => resolve(undefined));
        socket.once('connect_error', reject);
      });
      expect((await enter(t, concertId, first!)).status).toBe(201);
      const ticks: QueueTick[] = [];
      socket.on('queue:tick', (tick) => ticks.push(tick));
      const ack = await new Promise<{ ok: boolean }>((resolve) =>
        socket.emit('queue:watch', { concertId }, resolve),
      );
      expect(ack.ok).toBe(true);
      expect((await enter(t, concertId, second!)).status).toBe(201);
      await eventually(
        async () => (ticks.some((k) => k.lanes.normal.waiting === 2) ? true : undefined),
        10_000,
        'a tick',
      );
    } finally {
      socket.disconnect();
    }

    // A queued reservation goes through the concert's own BullMQ queue and the worker role.
    const concert = await createConcert(t);
    const fan = await createFan(t, concert.concertId, 'normal');
    const submitted = await submit(t, fan, concert.scheduleId, [concert.seatIds[0]!]);
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(202);
    const requestId = submitted.body.data.requestId as string;
    await eventually(
      async () => {
        const res = await t.call('GET', `/api/v2/reservations/${requestId}`, { token: fan.token });
        return res.body.data?.status === 'COMPLETED' ? true : undefined;
      },
      15_000,
      'the queued reservation to be decided',
    );

    expect(urlConnections).toBe(0);
  });

  it('spreads the keys of several concerts, and their BullMQ queues, over more than one primary', async () => {
    const cluster = t.services.redis as Cluster;
    expect(cluster).toBeInstanceOf(Cluster);
    const concerts: number[] = [];
    for (let i = 0; i < 10; i++) {
      const concert = await createConcert(t);
      const fan = await createFan(t, concert.concertId, 'normal');
      expect((await submit(t, fan, concert.scheduleId, [concert.seatIds[0]!])).status).toBe(202);
      concerts.push(concert.concertId);
    }
    // Which primary holds each concert's waiting-room keys and BullMQ keys, asked of the primaries themselves.
    const owners = new Map<number, Set<string>>();
    for (const node of cluster.nodes('master')) {
      const id = `${node.options.host}:${node.options.port}`;
      for (const concertId of concerts) {
        const keys = [
          ...(await node.keys(`${t.services.keys.concert(concertId)}:*`)),
          ...(await node.keys(`${t.services.keys.bullConcert(concertId)}:*`)),
        ];
        if (keys.length === 0) continue;
        // One concert, one slot: its request hash and its BullMQ jobs sit together.
        expect(new Set(keys.map((k) => calculateSlot(k))).size).toBe(1);
        expect(keys.some((k) => k.includes(':bull:'))).toBe(true);
        const set = owners.get(concertId) ?? new Set<string>();
        set.add(id);
        owners.set(concertId, set);
      }
    }
    expect([...owners.values()].every((s) => s.size === 1)).toBe(true);
    expect(owners.size).toBe(concerts.length);
    const primaries = new Set([...owners.values()].flatMap((s) => [...s]));
    expect(primaries.size).toBeGreaterThan(1);
  });
});
