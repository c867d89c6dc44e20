import { randomBytes } from 'node:crypto';
import type { Reservation, Seat, SimulateRequest, Simulation, Tier } from '@frontrow/client/protocol';
import type { UserDirectory } from '../auth/users.ts';
import type { Booking } from '../booking/service.ts';
import type { Catalog } from '../catalog/service.ts';
import { AppError } from '../http/errors.ts';
import type { Logger } from '../logging/logger.ts';
import type { PaymentService } from '../payments/payments.ts';
import type { PointsService } from '../payments/points.ts';
import type { WaitingRoom } from '../waiting-room/service.ts';

export interface SimulatorDeps {
  waitingRoom: Pick<WaitingRoom, 'enter' | 'status' | 'claim' | 'leave'>;
  booking: Pick<Booking, 'seatMap' | 'hold' | 'cancel'>;
  catalog: Pick<Catalog, 'listSchedules'>;
  users: Pick<UserDirectory, 'ensure'>;
  logger: Logger;
  /** Points and payments, for the fans who buy. Without them, would-be buyers keep their holds until they expire. */
  payments?: { points: Pick<PointsService, 'charge'>; payments: Pick<PaymentService, 'pay'> };
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Status checks per second across a simulation's waiting fans. */
  pollBatch?: number;
  /** A simulation stops by itself after this long. */
  maxRunMs?: number;
}

interface SimFan {
  id: string;
  /** The user token's tier: a simulated fan has no access code. */
  lane: Tier;
  state: 'new' | 'waiting' | 'acting' | 'done';
}

const MAX_RUNNING = 3;

/** A simulated fan buys: it charges exactly the hold's price in points, then pays the hold. */
async function buy(payments: NonNullable<SimulatorDeps['payments']>, userId: string, hold: Reservation) {
  await payments.points.charge(userId, hold.totalAmount);
  await payments.payments.pay(userId, hold.reservationId);
}

/**
 * "Simulate a drop" for the organiser dashboard: N synthetic fans join a concert's waiting room through the same
 * services as REST (so every limit, lane and admission rule applies), wait for their turn, then pick seats, hold
 * them and pay or walk away. Fans are polled in small batches rather than each holding a socket, so a simulation
 * of a thousand fans costs the process little; it runs in the API process that started it.
 */
export function createSimulator(deps: SimulatorDeps) {
  const random = deps.random ?? Math.random;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref()));
  const pollBatch = deps.pollBatch ?? 200;
  const maxRunMs = deps.maxRunMs ?? 10 * 60_000;
  const runs = new Map<string, Simulation>();
  let stopped = false;

  const jitter = (min: number, max: number) => min + Math.floor(random() * (max - min));
  const count = (view: Simulation, err: unknown) => {
    const code = err instanceof AppError ? err.code : 'INTERNAL_ERROR';
    view.errors[code] = (view.errors[code] ?? 0) + 1;
    if (code === 'INTERNAL_ERROR')
      deps.logger.warn({ err, simulationId: view.simulationId }, 'simulated fan failed');
  };

  async function act(view: Simulation, fan: SimFan, scheduleIds: number[], buyShare: number) {
    const { concertId } = view;
    try {
      await deps.waitingRoom.claim(concertId, fan.id);
      await deps.users.ensure({
        id: fan.id,
        name: `Simulated ${fan.id.slice(-4)}`,
        tier: fan.lane,
        role: 'user',
      });
      const scheduleId = scheduleIds[jitter(0, scheduleIds.length)] ?? scheduleIds[0]!;
      let hold: Reservation | undefined;
      for (let attempt = 0; attempt < 3 && !hold; attempt++) {
        await sleep(jitter(300, 1_500)); // looking at the map
        const { seats } = await deps.booking.seatMap(concertId, scheduleId);
        const pick = pickSeats(seats, jitter(1, 3), random);
        if (pick.length === 0) break; // sold out
        try {
          hold = await deps.booking.hold({ userId: fan.id, scheduleId, seatIds: pick });
        } catch (err) {
          if (!(err instanceof AppError && err.code === 'SEAT_UNAVAILABLE')) throw err;
          count(view, err); // someone was faster: look again
        }
      }
      if (!hold) {
        view.gaveUp++;
        await deps.waitingRoom.leave(concertId, fan.id).catch(() => undefined);
        return;
      }
      view.held++;
      await sleep(jitter(1_000, 4_000)); // deciding
      if (random() < buyShare && deps.payments) {
        await buy(deps.payments, fan.id, hold);
        view.paid++;
        return;
      }
      view.gaveUp++;
      if (random() < 0.5) await deps.booking.cancel(fan.id, hold.reservationId);
      await deps.waitingRoom.leave(concertId, fan.id).catch(() => undefined);
    } catch (err) {
      count(view, err);
    } finally {
      fan.state = 'done';
    }
  }

  async function run(view: Simulation, fans: SimFan[], input: SimulateRequest) {
    const started = Date.now();
    const { concertId } = view;
    const buyShare = input.buyShare ?? 0.8;
    const scheduleIds = (await deps.catalog.listSchedules(concertId)).map((s) => s.scheduleId);
    // The burst: joins spread over joinSeconds in 20 slices.
    const slice = Math.ceil(fans.length / 20);
    for (let i = 0; i < fans.length && !stopped; i += slice) {
      await Promise.all(
        fans.slice(i, i + slice).map(async (fan) => {
          try {
            await deps.waitingRoom.enter(concertId, { id: fan.id, tier: fan.lane });
            fan.state = 'waiting';
            view.joined++;
          } catch (err) {
            fan.state = 'done';
            count(view, err);
          }
        }),
      );
      await sleep(((input.joinSeconds ?? 3) * 1_000) / 20);
    }
    // Then poll the waiting ones, a batch per second, until each is admitted, gone, or time runs out.
    let cursor = 0;
    while (!stopped && Date.now() - started < maxRunMs) {
      const waiting = fans.filter((f) => f.state === 'waiting');
      if (waiting.length === 0) break;
      const offset = cursor % waiting.length;
      const batch = waiting.slice(offset).concat(waiting.slice(0, offset)).slice(0, pollBatch);
      cursor += batch.length;
      await Promise.all(
        batch.map(async (fan) => {
          try {
            const status = await deps.waitingRoom.status(concertId, fan.id);
            if (fan.state !== 'waiting') return;
            if (status.status === 'READY') {
              fan.state = 'acting';
              view.admitted++;
              void act(view, fan, scheduleIds, buyShare);
            } else if (status.status !== 'WAITING') fan.state = 'done';
          } catch (err) {
            count(view, err);
          }
        }),
      );
      await sleep(1_000);
    }
    while (!stopped && fans.some((f) => f.state === 'acting') && Date.now() - started < maxRunMs)
      await sleep(250);
    view.finishedAt = new Date().toISOString();
  }

  return {
    /** Starts a simulation in the background and returns at once. */
    start(concertId: number, input: SimulateRequest): Simulation {
      const running = [...runs.values()].filter((v) => v.finishedAt === null).length;
      if (running >= MAX_RUNNING) {
        throw new AppError('RATE_LIMITED', `At most ${MAX_RUNNING} simulations at a time`, undefined, 5);
      }
      const simulationId = randomBytes(4).toString('hex');
      const vipShare = input.vipShare ?? 0.1;
      const fans: SimFan[] = Array.from({ length: input.fans }, (_, i) => ({
        id: `sim-${simulationId}-${i}`,
        lane: random() < vipShare ? 'vip' : 'normal',
        state: 'new',
      }));
      const view: Simulation = {
        simulationId,
        concertId,
        fans: input.fans,
        startedAt: new Date().toISOString(),
        finishedAt: null,
        joined: 0,
        admitted: 0,
        held: 0,
        paid: 0,
        gaveUp: 0,
        errors: {},
      };
      runs.set(simulationId, view);
      run(view, fans, input).catch((err) => {
        count(view, err);
        view.finishedAt = new Date().toISOString();
      });
      return view;
    },

    /** The simulations of a concert, newest first (this process only). */
    list(concertId: number): Simulation[] {
      return [...runs.values()].filter((v) => v.concertId === concertId).reverse();
    },

    stop() {
      stopped = true;
    },
  };
}
export type Simulator = ReturnType<typeof createSimulator>;

/** Up to `n` available seats side by side in one row when there are any, else any available ones. */
export function pickSeats(seats: Seat[], n: number, random: () => number): number[] {
  const free = seats.filter((s) => s.status === 'AVAILABLE');
  if (free.length === 0) return [];
  const start = free[Math.floor(random() * free.length)]!;
  const row = free
    .filter((s) => s.section === start.section && s.row === start.row && s.number >= start.number)
    .sort((a, b) => a.number - b.number);
  const together = row.filter((s, i) => s.number === start.number + i).slice(0, n);
  return together.map((s) => s.seatId);
}
