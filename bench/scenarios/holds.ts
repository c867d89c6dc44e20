import { randomInt } from 'node:crypto';
import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import {
  admitAndClaim,
  type BenchFan,
  bookingHeaders,
  type ConcertSetup,
  createConcert,
  openSale,
  seatIds,
} from '../lib/api.ts';
import { checkSeats } from '../lib/checks.ts';
import { type Ctx, check, type Row, row, type Scenario } from '../lib/context.ts';
import { expectStatuses, load } from '../lib/load.ts';
import { rawTransactions } from '../lib/raw-sql.ts';
import { summarize } from '../lib/stats.ts';
import { alternate, alternatingNote, asSlice, sliceOf, startTxBaseline } from '../lib/tx-baseline.ts';

/**
 * 5. Seat holds: distinct seats with 48 concurrent clients, then a hot run (2,000 seats, 256 buyers racing for
 * random seats until none is left), beside the raw conditional-update transaction run directly with mysql2.
 * Leaves its fans (with their holds) to the payments scenario.
 */
export const holds: Scenario = {
  name: 'holds',
  title: 'seat holds/s and p99, hot contention, raw transaction baseline',
  async run(ctx) {
    const fanCount = ctx.quick ? 1_000 : 2_000;
    const sale = await setUpHolds(ctx, fanCount);
    const measured = await measureDistinctHolds(ctx, sale);
    ctx.shared.set('holds', { setup: sale.setup, fans: sale.fans, rps: measured.route.rps });

    const raw = await rawBaseline(ctx, sale.fans, fanCount * PER_FAN, CONNECTIONS);
    const hot = await hotRun(ctx);
    return toRows(measured, raw, hot);
  },
};

const PER_FAN = 4;
/** Holds made before the measured run, on seats of their own. */
const WARM = 200;
const CONNECTIONS = 48;
/** Rounds of the measured run, alternating with the baseline. */
const ROUNDS = 4;

/** A concert with its sale open and the fans admitted with their access tokens; a seat for every hold. */
interface HoldSale {
  setup: ConcertSetup;
  fans: BenchFan[];
  ids: number[];
}

async function setUpHolds(ctx: Ctx, fanCount: number): Promise<HoldSale> {
  const seats = fanCount * PER_FAN;
  const setup = await createConcert(ctx.api, ctx.admin, { rows: (seats + WARM) / 200, seatsPerRow: 200 });
  await openSale(ctx.api, ctx.admin, setup.concertId, { maxActive: 1_000_000 });
  const fans = await ctx.api.fans(`hold-${ctx.runId}`, fanCount);
  await admitAndClaim(ctx.api, ctx.admin, setup.concertId, fans);
  const ids = await seatIds(ctx.api, fans[0]!, setup);
  check(ids.length === seats + WARM, `seat map has ${ids.length} seats`);
  return { setup, fans, ids };
}

/**
 * The measured run: one seat per request, every seat a different one, in ROUNDS rounds alternating with the
 * baseline, the server's own hold transaction without HTTP (bench/lib/baseline-tx.ts) on seats of a schedule of
 * its own, by the same fans, with as many concurrent callers. Both warm up with WARM holds first.
 */
async function measureDistinctHolds(ctx: Ctx, { setup, fans, ids }: HoldSale) {
  const fanCount = fans.length;
  const seats = fanCount * PER_FAN;
  const holdOf = (fan: BenchFan, seatId: number) => ({
    path: '/api/v1/reservations',
    headers: bookingHeaders(fan),
    body: JSON.stringify({ scheduleId: setup.scheduleId, seatIds: [seatId] }),
  });
  const spec = { url: ctx.url, method: 'POST' as const, connections: CONNECTIONS };
  expectStatuses(
    'warm-up holds',
    await load({ ...spec, amount: WARM, next: (i) => holdOf(fans[i % fanCount]!, ids[i]!) }),
    [201],
  );

  const base = await createConcert(ctx.api, ctx.admin, { rows: (seats + WARM) / 200, seatsPerRow: 200 });
  const [seatRows] = await ctx.db.query<RowDataPacket[]>(
    'SELECT id FROM seats WHERE schedule_id = ? ORDER BY id',
    [base.scheduleId],
  );
  // Seat j goes to fan j mod F, so every fan ends with exactly PER_FAN holds, as in the measured run.
  const baseHold = (j: number) => ({
    userId: fans[j % fanCount]!.userId,
    scheduleId: base.scheduleId,
    seatId: Number(seatRows[WARM + j]!.id),
  });
  const tx = await startTxBaseline(ctx);
  try {
    const warm = Array.from({ length: WARM }, (_, i) => ({
      ...baseHold(i),
      seatId: Number(seatRows[i]!.id),
    }));
    await tx.run({ kind: 'hold', connections: CONNECTIONS, holds: warm });

    // Request i: fan i mod F takes seat i, so every fan ends with exactly PER_FAN holds.
    const result = await alternate(
      ROUNDS,
      {
        pid: ctx.server.pid,
        run: async (r) => {
          const { from, to } = sliceOf(seats, ROUNDS, r);
          const slice = await load({
            ...spec,
            amount: to - from,
            next: (i) => holdOf(fans[(from + i) % fanCount]!, ids[WARM + from + i]!),
          });
          expectStatuses('holds', slice, [201]);
          return asSlice(slice);
        },
      },
      {
        pid: tx.pid,
        run: (r) => {
          const { from, to } = sliceOf(seats, ROUNDS, r);
          const holds = Array.from({ length: to - from }, (_, k) => baseHold(from + k));
          return tx.run({ kind: 'hold', connections: CONNECTIONS, holds });
        },
      },
    );
    const after = await checkSeats(ctx.db, setup.scheduleId);
    check(after.held === seats + WARM, `${after.held} seats HELD, expected ${seats + WARM}`);
    const baseAfter = await checkSeats(ctx.db, base.scheduleId);
    check(baseAfter.held === seats + WARM, `the baseline held ${baseAfter.held} seats of ${seats + WARM}`);
    return result;
  } finally {
    tx.close();
  }
}

function toRows(
  measured: Awaited<ReturnType<typeof measureDistinctHolds>>,
  raw: { rps: number; p99: number },
  hot: Awaited<ReturnType<typeof hotRun>>,
): Row[] {
  const s = 'holds';
  return [
    row({
      scenario: s,
      metric: `holds/s, distinct seats (${CONNECTIONS} clients; baseline: the same transaction without HTTP)`,
      value: measured.route.rps,
      unit: 'holds/s',
      baseline: measured.baseline.rps,
      note: alternatingNote(ROUNDS, 'hold', measured),
      target: '≥ 0.60×',
      ok: (_v, ratio) => (ratio ?? 0) >= 0.6,
    }),
    row({
      scenario: s,
      metric: 'hold p99, distinct seats (worst round)',
      value: measured.route.p99,
      unit: 'ms',
      baseline: measured.baseline.p99,
      target: '≤ 50 ms',
      ok: (v) => v <= 50,
    }),
    row({
      scenario: s,
      metric: 'holds/s beside a minimal raw hold (4 statements)',
      value: measured.route.rps,
      unit: 'holds/s',
      baseline: raw.rps,
      note: `minimal raw hold p99 ${raw.p99.toFixed(0)} ms`,
    }),
    row({
      scenario: s,
      metric: 'hot run: holds/s (2,000 seats, 256 buyers)',
      value: hot.heldPerSecond,
      unit: 'holds/s',
      note: `${hot.attempts} attempts, ${hot.conflicts} conflicts`,
    }),
    row({ scenario: s, metric: 'hot run: attempt p99', value: hot.p99, unit: 'ms' }),
    row({
      scenario: s,
      metric: 'hot run: seats held at the end',
      value: hot.held,
      unit: 'seats',
      target: '= 2,000, no oversell',
      ok: (v) => v === 2_000,
    }),
  ];
}

/** The hold transaction's core with mysql2 and nothing else: lock the fan, conditional UPDATE, two INSERTs. */
async function rawBaseline(ctx: Ctx, fans: BenchFan[], count: number, connections: number) {
  const setup = await createConcert(ctx.api, ctx.admin, { rows: count / 200, seatsPerRow: 200 });
  const [seatRows] = await ctx.db.query<RowDataPacket[]>(
    'SELECT id FROM seats WHERE schedule_id = ? ORDER BY id',
    [setup.scheduleId],
  );
  const result = await rawTransactions(ctx.db, count, connections, async (conn, i) => {
    const seatId = Number(seatRows[i]!.id);
    const userId = fans[i % fans.length]!.userId;
    await conn.query('SELECT UTC_TIMESTAMP(3) FROM users WHERE id = ? FOR UPDATE', [userId]);
    const [res] = await conn.query<ResultSetHeader>(
      `INSERT INTO reservations (reservation_number, user_id, concert_id, schedule_id, total_amount, expires_at, created_at)
       VALUES (?, ?, ?, ?, 1000, UTC_TIMESTAMP(3) + INTERVAL 5 MINUTE, UTC_TIMESTAMP(3))`,
      [`RAW-${ctx.runId.slice(-6)}-${i}`, userId, setup.concertId, setup.scheduleId],
    );
    const [upd] = await conn.query<ResultSetHeader>(
      `UPDATE seats SET status = 'HELD', hold_id = ?, held_until = UTC_TIMESTAMP(3) + INTERVAL 5 MINUTE
       WHERE id = ? AND (status = 'AVAILABLE' OR (status = 'HELD' AND held_until <= UTC_TIMESTAMP(3)))`,
      [res.insertId, seatId],
    );
    if (upd.affectedRows !== 1) throw new Error(`raw hold of seat ${seatId} took nothing`);
    await conn.query(
      'INSERT INTO reservation_seats (reservation_id, seat_id, live_seat_id, price) VALUES (?, ?, ?, 1000)',
      [res.insertId, seatId, seatId],
    );
  });
  const after = await checkSeats(ctx.db, setup.scheduleId);
  check(after.held === count, `raw baseline held ${after.held} of ${count}`);
  return result;
}

/** 256 buyers pick random seats they have not seen taken until all 2,000 are held; exactly 2,000 must be. */
async function hotRun(ctx: Ctx) {
  const total = 2_000;
  const setup = await createConcert(ctx.api, ctx.admin, { rows: total / 200, seatsPerRow: 200 });
  await openSale(ctx.api, ctx.admin, setup.concertId, { maxActive: 1_000_000 });
  const buyers = await ctx.api.fans(`hot-${ctx.runId}`, 256);
  await admitAndClaim(ctx.api, ctx.admin, setup.concertId, buyers);
  const open = await seatIds(ctx.api, buyers[0]!, setup);
  const won = new Set<number>();
  const latencies: number[] = [];
  let attempts = 0;
  let conflicts = 0;
  const t0 = performance.now();
  const buyer = async (fan: BenchFan) => {
    while (open.length > 0) {
      const seatId = open[randomInt(open.length)]!;
      const start = performance.now();
      const res = await ctx.api.call('POST', '/api/v1/reservations', {
        token: fan.token,
        headers: { 'x-queue-token': fan.accessToken! },
        body: { scheduleId: setup.scheduleId, seatIds: [seatId] },
      });
      latencies.push(performance.now() - start);
      attempts++;
      if (res.status === 201) {
        check(!won.has(seatId), `seat ${seatId} held twice`);
        won.add(seatId);
      } else if (res.status === 409) conflicts++;
      else if (res.status === 422)
        return; // this buyer is at MAX_SEATS_PER_USER
      else throw new Error(`hot hold: ${res.status} ${JSON.stringify(res.body)}`);
      const at = open.indexOf(seatId);
      if (at >= 0) open.splice(at, 1);
    }
  };
  await Promise.all(buyers.map(buyer));
  const seconds = (performance.now() - t0) / 1000;
  const after = await checkSeats(ctx.db, setup.scheduleId);
  check(after.held === won.size, `database holds ${after.held} seats, buyers won ${won.size}`);
  return {
    held: after.held,
    heldPerSecond: won.size / seconds,
    attempts,
    conflicts,
    p99: summarize(latencies).p99,
  };
}
