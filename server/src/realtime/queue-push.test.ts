import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { positionFromTick } from '@frontrow/client/position';
import type {
  Ack,
  ClientToServerEvents,
  QueueStatus,
  QueueTick,
  ServerToClientEvents,
} from '@frontrow/client/protocol';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer, uniqueId } from '../../test/harness.ts';
import { createRealtime } from '../compose.ts';
import {
  createFans,
  createSale,
  eventually,
  QUIET,
  statusOf,
  type TestFan,
} from '../waiting-room/testing.ts';
import type { Gateway } from './gateway.ts';

/**
 * The waiting room's pushes end to end: three gateway replicas, each with its own services and Redis adapter on
 * one Redis prefix, fans spread over them, admissions and leaves made through the REST API of one replica.
 */
type Client = Socket<ServerToClientEvents, ClientToServerEvents>;
interface Watcher {
  fan: TestFan;
  socket: Client;
  status: QueueStatus;
  ticks: QueueTick[];
  admitted: unknown[];
}

const prefix = `${uniqueId('push')}`;
const nodes: Array<{ t: TestServer; http: HttpServer; gateway: Gateway; url: string }> = [];
const sockets: Client[] = [];
let concertId: number;
let admin: string;
const watchers: Watcher[] = [];

async function startNode() {
  const t = await createTestServer({ ...QUIET, REDIS_PREFIX: prefix, ADMIT_INTERVAL_SECONDS: '3600' });
  const http = createServer();
  const gateway = createRealtime(http, t.services);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  nodes.push({ t, http, gateway, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}` });
}

function open(node: number, token: string): Promise<Client> {
  const socket: Client = connect(nodes[node]!.url, {
    transports: ['websocket'],
    auth: { token },
    forceNew: true,
  });
  sockets.push(socket);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

function watch(socket: Client): Promise<Ack<QueueStatus>> {
  return new Promise((resolve) => socket.emit('queue:watch', { concertId }, resolve));
}

async function watchAs(fan: TestFan, node: number): Promise<Watcher> {
  const socket = await open(node, fan.token);
  const ack = await watch(socket);
  if (!ack.ok) throw new Error(JSON.stringify(ack.error));
  const watcher: Watcher = { fan, socket, status: ack.data, ticks: [], admitted: [] };
  socket.on('queue:tick', (tick) => watcher.ticks.push(tick));
  socket.on('queue:admitted', (p) => watcher.admitted.push(p));
  return watcher;
}

const api = () => nodes[0]!.t;

/** Every still-waiting fan's server position next to the one it computes from the latest tick. */
async function compare(tick: QueueTick) {
  const rows: Array<{ truth: number; computed: number | undefined }> = [];
  for (const w of watchers) {
    const truth = await statusOf(api(), concertId, w.fan);
    if (truth.status !== 'WAITING') continue;
    rows.push({
      truth: truth.position!,
      computed: positionFromTick(tick, w.status.lane!, w.status.laneSeq!),
    });
  }
  return rows;
}

beforeAll(async () => {
  for (let i = 0; i < 3; i++) await startNode();
  admin = await api().token({ role: 'admin' });
  concertId = await createSale(api(), admin);
  const fans = [...(await createFans(api(), 30, 'normal')), ...(await createFans(api(), 12, 'vip'))];
  for (const fan of fans) {
    const res = await api().call('POST', `/api/v1/concerts/${concertId}/queue`, { token: fan.token });
    expect(res.status).toBe(201);
  }
  const opened = await api().call('POST', `/api/v1/admin/concerts/${concertId}/sale/open`, {
    token: admin,
    body: {},
  });
  expect(opened.status).toBe(200);
  for (const [i, fan] of fans.entries()) watchers.push(await watchAs(fan, i % 3));
});

afterAll(async () => {
  for (const s of sockets) s.disconnect();
  for (const node of nodes) {
    await node.gateway.close();
    await new Promise<void>((resolve) => node.http.close(() => resolve()));
    await node.t.close();
  }
});

describe('queue pushes across replicas', () => {
  it('ack every watch with the exact status the REST API gives', async () => {
    for (const w of watchers) {
      const rest = await statusOf(api(), concertId, w.fan);
      expect(w.status).toMatchObject({ status: 'WAITING', position: rest.position, lane: w.fan.tier });
      expect(w.status.laneSeq).toBeGreaterThan(0);
    }
  });

  it('deliver one tick per movement to every watcher, with exact positions after admissions', async () => {
    for (const w of watchers) w.ticks.length = 0;
    const res = await api().call('POST', `/api/v1/admin/concerts/${concertId}/admit`, {
      token: admin,
      body: { count: 15 },
    });
    expect(res.status).toBe(200);
    await eventually(
      async () => (watchers.every((w) => w.ticks.length >= 1) ? true : undefined),
      10_000,
      'ticks',
    );
    await new Promise((r) => setTimeout(r, 1_500)); // would reveal a duplicate or a tick per replica
    const tickTimes = watchers.map((w) => w.ticks.map((tk) => tk.at).join(','));
    expect(new Set(tickTimes).size).toBe(1);
    expect(watchers[0]!.ticks).toHaveLength(1);

    const tick = watchers[0]!.ticks[0]!;
    expect(tick.lanes.vip.waiting).toBe(0); // 12 VIPs admitted first, then 3 normal fans
    expect(tick.lanes.normal.waiting).toBe(27);
    expect(JSON.stringify(tick).length).toBeLessThan(2_000);
    const rows = await compare(tick);
    expect(rows).toHaveLength(27);
    for (const row of rows) expect(row.computed).toBe(row.truth);

    // Admitted fans heard of it on whichever replica they are connected to.
    const admitted = watchers.filter((w) => w.admitted.length > 0);
    expect(admitted).toHaveLength(15);
    expect(admitted.filter((w) => w.fan.tier === 'vip')).toHaveLength(12);
  });

  it('never promise a better place than the truth after leaves from the middle', async () => {
    const waiting = [];
    for (const w of watchers)
      if ((await statusOf(api(), concertId, w.fan)).status === 'WAITING') waiting.push(w);
    const leaving = waiting.filter((_, i) => i % 4 === 2);
    for (const w of watchers) w.ticks.length = 0;
    for (const w of leaving) {
      const res = await api().call('DELETE', `/api/v1/concerts/${concertId}/queue/me`, {
        token: w.fan.token,
      });
      expect(res.status).toBe(200);
    }
    const stayer = waiting.find((w) => !leaving.includes(w))!;
    await eventually(async () => {
      const last = stayer.ticks.at(-1);
      return last && last.lanes.normal.waiting === waiting.length - leaving.length ? last : undefined;
    });
    const tick = stayer.ticks.at(-1)!;
    const rows = await compare(tick);
    expect(rows).toHaveLength(waiting.length - leaving.length);
    for (const { truth, computed } of rows) {
      expect(computed).toBeGreaterThanOrEqual(truth);
      expect(computed! - truth).toBeLessThanOrEqual(Math.max(10, 0.02 * truth));
    }
  });

  it('move every normal fan back one place when a VIP joins', async () => {
    const stayer = watchers.find((w) => w.fan.tier === 'normal' && w.admitted.length === 0)!;
    const before = stayer.ticks.at(-1)!;
    const [vip] = await createFans(api(), 1, 'vip');
    expect(
      (await api().call('POST', `/api/v1/concerts/${concertId}/queue`, { token: vip!.token })).status,
    ).toBe(201);
    const tick = await eventually(async () => {
      const last = stayer.ticks.at(-1);
      return last && last.lanes.vip.waiting === before.lanes.vip.waiting + 1 ? last : undefined;
    });
    const rows = await compare(tick);
    for (const { truth, computed } of rows) expect(computed).toBeGreaterThanOrEqual(truth);
    const mine = await statusOf(api(), concertId, stayer.fan);
    expect(positionFromTick(tick, 'normal', stayer.status.laneSeq!)).toBeGreaterThanOrEqual(mine.position!);
    expect(positionFromTick(tick, 'normal', stayer.status.laneSeq!)! - 1).toBe(
      positionFromTick(before, 'normal', stayer.status.laneSeq!),
    );
  });

  it('give a reconnecting fan its exact state again', async () => {
    const w = watchers.find((x) => x.fan.tier === 'normal' && x.admitted.length === 0)!;
    w.socket.disconnect();
    const again = await open(2, w.fan.token);
    const ack = await watch(again);
    const rest = await statusOf(api(), concertId, w.fan);
    expect(ack.ok).toBe(true);
    // Everything but the estimate's timestamp, which is computed from the clock at each read.
    const { estimatedEnterAt: _a, ...pushed } = ack.ok ? ack.data : rest;
    const { estimatedEnterAt: _b, ...truth } = rest;
    expect(pushed).toEqual(truth);
  });
});
