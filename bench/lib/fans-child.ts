import { positionFromTick } from '@frontrow/client/position';
import type { Lane, QueueTick } from '@frontrow/client/protocol';
import { io, type Socket } from 'socket.io-client';
import { type Histogram, record } from './stats.ts';

/**
 * A child process holding many fan sockets from one local source address (one address has ~28k ports, one
 * process ~18k open files). It records, on this machine's clock, how late each `queue:tick` and
 * `queue:admitted` arrives, and checks the positions the fans compute from each tick (client-sdk/position.ts).
 */

export interface Fan {
  userId: string;
  token?: string;
}
export type ParentMessage =
  | {
      type: 'start';
      url: string;
      localAddress: string;
      fans: Fan[];
      concertId?: number;
      readyWindowMs: number;
    }
  | { type: 'report' }
  | { type: 'close' };

export interface TickSample {
  at: number;
  received: number;
  /** Fans whose computed position is defined, and the sum of those positions (dense 1..n sums to n(n+1)/2). */
  positioned: number;
  positionSum: number;
  waiting: number;
  p99: number;
}
export interface ChildReport {
  type: 'report';
  tickLatency: Histogram;
  admittedLatency: Histogram;
  /** Notifications per second of arrival (epoch seconds). */
  admittedPerSecond: Record<number, number>;
  admitted: number;
  /** Arrival time (ms) of the last `queue:admitted`. */
  lastAdmittedAt: number;
  /** Final `reservation:update` per request id: its status and arrival time (ms). */
  updates: Record<string, [string, number]>;
  ticks: TickSample[];
  /** Each distinct tick once, as the first socket received it (for what fans were shown when). */
  rawTicks: QueueTick[];
  /** Arrival time (ms) of each fan's `queue:admitted`, by user id. */
  admittedAt: Record<string, number>;
  disconnects: number;
}

const send = (msg: unknown) => process.send?.(msg);
const sockets: Socket[] = [];
const seqs = new Map<Socket, { lane: Lane; laneSeq: number }>();
let state = fresh();

function fresh() {
  return {
    tickLatency: {} as Histogram,
    admittedLatency: {} as Histogram,
    admittedPerSecond: {} as Record<number, number>,
    admitted: 0,
    lastAdmittedAt: 0,
    updates: {} as Record<string, [string, number]>,
    ticks: new Map<number, { sample: TickSample; lat: number[] }>(),
    rawTicks: [] as QueueTick[],
    admittedAt: {} as Record<string, number>,
    disconnects: 0,
  };
}

function onTick(socket: Socket, tick: QueueTick) {
  const now = Date.now();
  record(state.tickLatency, now - tick.at);
  let entry = state.ticks.get(tick.at);
  if (!entry) {
    const waiting = tick.lanes.vip.waiting + tick.lanes.normal.waiting;
    entry = { sample: { at: tick.at, received: 0, positioned: 0, positionSum: 0, waiting, p99: 0 }, lat: [] };
    state.ticks.set(tick.at, entry);
    state.rawTicks.push(tick);
  }
  entry.sample.received++;
  entry.lat.push(now - tick.at);
  const mine = seqs.get(socket);
  if (mine) {
    const position = positionFromTick(tick, mine.lane, mine.laneSeq);
    if (position !== undefined) {
      entry.sample.positioned++;
      entry.sample.positionSum += position;
    }
  }
}

async function connect(msg: Extract<ParentMessage, { type: 'start' }>, fan: Fan): Promise<void> {
  const socket = io(msg.url, {
    transports: ['websocket'],
    localAddress: msg.localAddress,
    auth: fan.token ? { token: fan.token } : { userId: fan.userId },
    reconnection: false,
    timeout: 60_000,
  } as Parameters<typeof io>[1]);
  sockets.push(socket);
  socket.on('queue:tick', (tick: QueueTick) => onTick(socket, tick));
  socket.on('queue:admitted', (p: { readyUntil: string }) => {
    const now = Date.now();
    record(state.admittedLatency, now - (Date.parse(p.readyUntil) - msg.readyWindowMs));
    const sec = Math.floor(now / 1000);
    state.admittedPerSecond[sec] = (state.admittedPerSecond[sec] ?? 0) + 1;
    state.admitted++;
    state.admittedAt[fan.userId] = now;
    state.lastAdmittedAt = Math.max(state.lastAdmittedAt, now);
  });
  socket.on('reservation:update', (u: { requestId: string; status: string }) => {
    if (u.status !== 'PENDING' && u.status !== 'PROCESSING')
      state.updates[u.requestId] = [u.status, Date.now()];
  });
  socket.on('disconnect', () => state.disconnects++);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (err) => reject(err));
  });
  if (msg.concertId !== undefined) {
    const ack = (await socket.timeout(60_000).emitWithAck('queue:watch', { concertId: msg.concertId })) as {
      ok: boolean;
      data?: { lane: Lane; laneSeq?: number | null };
      error?: unknown;
    };
    if (!ack.ok) throw new Error(`queue:watch refused: ${JSON.stringify(ack.error)}`);
    if (ack.data?.laneSeq) seqs.set(socket, { lane: ack.data.lane, laneSeq: ack.data.laneSeq });
  }
}

// The harness went away: so do we.
process.on('disconnect', () => process.exit(0));

process.on('message', async (msg: ParentMessage) => {
  if (msg.type === 'start') {
    let failed = 0;
    let firstError = '';
    // A bounded number of handshakes in flight, so the server sees a ramp and not a SYN flood.
    const queue = [...msg.fans];
    const worker = async () => {
      for (let fan = queue.shift(); fan; fan = queue.shift()) {
        await connect(msg, fan).catch((err: Error) => {
          failed++;
          firstError ||= err.message;
        });
      }
    };
    await Promise.all(Array.from({ length: 64 }, worker));
    send({ type: 'ready', connected: sockets.length - failed, failed, firstError });
  } else if (msg.type === 'report') {
    const ticks = [...state.ticks.values()].map(({ sample, lat }) => {
      lat.sort((a, b) => a - b);
      return { ...sample, p99: lat[Math.max(0, Math.ceil(lat.length * 0.99) - 1)] ?? 0 };
    });
    const report: ChildReport = { type: 'report', ...state, ticks };
    state = fresh();
    send(report);
  } else if (msg.type === 'close') {
    for (const s of sockets) s.disconnect();
    setTimeout(() => process.exit(0), 200);
  }
});
