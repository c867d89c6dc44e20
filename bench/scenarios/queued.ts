import { setTimeout as sleep } from 'node:timers/promises';
import { createKeys } from '@frontrow/server/redis/keys';
import { requestQueueName } from '@frontrow/server/reservation-requests/queues';
import { Queue } from 'bullmq';
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
import { type MergedReport, startFans } from '../lib/fans.ts';
import { expectStatuses, type LoadResult, paced } from '../lib/load.ts';
import { summarize } from '../lib/stats.ts';

/**
 * 7. Queued reservations (POST /api/v2/reservations) on distinct seats, each fan with a socket: the time from
 * submit to the `reservation:update` push at a steady 1,000 requests/s, and the decide rate while a backlog stands
 * (at 1,000/s offered, decisions per second can only echo the offered rate). Beside the synchronous holds/s of
 * scenario 5. Skipped (not failed) while the /api/v2 routes answer 404.
 */
export const queued: Scenario = {
  name: 'queued',
  title: 'queued reservations decided/s and submit-to-push p99',
  async run(ctx) {
    const probe = await ctx.api.call('GET', '/api/v2/queue/health');
    if (probe.status === 404) {
      console.log('  skipped: /api/v2 routes answer 404 (queued reservations not built yet)');
      return [
        row({ scenario: 'queued', metric: 'skipped: /api/v2 not available', value: Number.NaN, unit: '' }),
      ];
    }
    const plan = planQueued(ctx);
    const sale = await setUpSale(ctx, plan);
    const fans = await startFans({
      url: ctx.url,
      fans: sale.buyers,
      readyWindowMs: ctx.readyWindowMs,
      logDir: ctx.logDir,
    });
    // The harness's own handle on the concert's request queue, to hold a backlog back (BullMQ pause).
    const queue = new Queue(requestQueueName(sale.setup.concertId), {
      connection: ctx.connections.open('bull-producer'),
      prefix: createKeys(ctx.redisPrefix).bullConcert(sale.setup.concertId),
    });
    try {
      check(
        fans.connected === sale.buyers.length,
        `${fans.connected} of ${sale.buyers.length} sockets connected`,
      );
      const phases = await runPhases(ctx, plan, sale, queue);
      const report = await fans.report();
      const verdicts = await checkVerdicts(ctx, sale.setup, report, phases);
      return toRows(ctx, phases, verdicts);
    } finally {
      await queue.close();
      await fans.close();
    }
  },
};

interface QueuedPlan {
  /** Requests per second offered. */
  rate: number;
  /** Requests in the steady run. */
  total: number;
  fanCount: number;
}

interface QueuedSale {
  setup: ConcertSetup;
  steadySchedule: number;
  otherSchedule: number;
  buyers: BenchFan[];
  steadySeats: number[];
  otherSeats: number[];
}

/** One paced run of requests: the load's figures, and the accepted requests' ids with the time each was due. */
interface Submitted {
  sent: LoadResult;
  submitted: Map<string, number>;
}

interface Phases {
  warm: Submitted;
  steady: Submitted;
  backlog: Submitted;
  /** When the paused queue was resumed with the backlog in it. */
  resumedAt: number;
}

/** A request's decision as its fan's socket got it. */
interface Verdict {
  status: string;
  start: number;
  at: number;
}

function planQueued(ctx: Ctx): QueuedPlan {
  const rate = 1_000;
  const seconds = ctx.quick ? 10 : 20;
  const total = rate * seconds;
  // Five requests per fan in the steady run, one every five seconds: under the per-fan pending limit while
  // decisions keep up. Each fan also makes one warm-up request and three backlog requests. Every request asks for
  // a seat of its own: the steady run on the first schedule, the others on the second (a schedule has at most
  // 20,000 seats).
  return { rate, total, fanCount: total / 5 };
}

/** A concert of two schedules with its sale open, and the buyers admitted with their access tokens. */
async function setUpSale(ctx: Ctx, { total, fanCount }: QueuedPlan): Promise<QueuedSale> {
  const setup = await createConcert(ctx.api, ctx.admin, {
    schedules: 2,
    rows: Math.max(total, 4 * fanCount) / 200,
    seatsPerRow: 200,
  });
  const [steadySchedule, otherSchedule] = setup.scheduleIds as [number, number];
  await openSale(ctx.api, ctx.admin, setup.concertId, { maxActive: 1_000_000 });
  const buyers = await ctx.api.fans(`queued-${ctx.runId}`, fanCount);
  await admitAndClaim(ctx.api, ctx.admin, setup.concertId, buyers);
  const steadySeats = await seatIds(ctx.api, buyers[0]!, setup);
  const otherSeats = await seatIds(ctx.api, buyers[0]!, { ...setup, scheduleId: otherSchedule });
  return { setup, steadySchedule, otherSchedule, buyers, steadySeats, otherSeats };
}

/** Waits until every accepted request's decision has been pushed. */
async function settled(ctx: Ctx, concertId: number): Promise<void> {
  for (let waited = 0; waited < 120; waited++) {
    const stats = await ctx.api.call('GET', `/api/v2/queue/stats/${concertId}`, {
      token: ctx.admin,
    });
    const s = stats.body?.data;
    if (s && s.pending.total === 0 && s.processing === 0) break;
    await sleep(1000);
  }
  await sleep(1500);
}

/** A request a seat, at `rate`, spread over the buyers. */
async function submit(
  ctx: Ctx,
  buyers: BenchFan[],
  rate: number,
  what: string,
  scheduleId: number,
  seats: number[],
  allowed = [202],
): Promise<Submitted> {
  const submitted = new Map<string, number>();
  const sent = await paced({
    url: ctx.url,
    method: 'POST',
    connections: 250,
    amount: seats.length,
    rate,
    next: (i) => {
      const fan = buyers[i % buyers.length]!;
      return {
        path: '/api/v2/reservations',
        headers: bookingHeaders(fan),
        body: JSON.stringify({ scheduleId, seatIds: [seats[i]!] }),
      };
    },
    onResponse: (status, body, _i, dueAt) => {
      if (status === 202) submitted.set(JSON.parse(body).data.requestId, dueAt);
    },
  });
  expectStatuses(what, sent, allowed);
  return { sent, submitted };
}

/** Warm-up, the steady run and the backlog, each waited out until its decisions have been pushed. */
async function runPhases(ctx: Ctx, { rate, total, fanCount }: QueuedPlan, sale: QueuedSale, queue: Queue) {
  const { buyers, steadySchedule, otherSchedule, steadySeats, otherSeats } = sale;
  const concertId = sale.setup.concertId;
  // 1. Warm-up: every fan's first booking request costs what later ones do not (its user row is written, its
  //    access token's signature checked). Measured, all 2,000 first requests would arrive within two seconds:
  //    a burst of first sights that no steady 1,000/s has.
  const warm = await submit(
    ctx,
    buyers,
    rate,
    'queued warm-up submits',
    otherSchedule,
    otherSeats.slice(0, fanCount),
  );
  await settled(ctx, concertId);

  // 2. Latency at a steady 1,000 requests/s, evenly paced.
  const steady = await submit(
    ctx,
    buyers,
    rate,
    'queued submits',
    steadySchedule,
    steadySeats.slice(0, total),
    [202, 429],
  );
  await settled(ctx, concertId);

  // 3. Decide rate with a standing backlog, as right after a drop opens: the queue is paused while three
  //    requests per fan (the pending limit) are queued, then resumed; verdicts are timed from the resume.
  await queue.pause();
  const backlog = await submit(
    ctx,
    buyers,
    rate,
    'queued backlog submits',
    otherSchedule,
    otherSeats.slice(fanCount, 4 * fanCount),
  );
  const resumedAt = Date.now();
  await queue.resume();
  await settled(ctx, concertId);
  return { warm, steady, backlog, resumedAt } satisfies Phases;
}

/**
 * Every accepted request got its `reservation:update`, and the seats HELD are the completed requests'. Returns
 * the steady run's and the backlog's verdicts.
 */
async function checkVerdicts(
  ctx: Ctx,
  setup: ConcertSetup,
  report: MergedReport,
  { warm, steady, backlog }: Phases,
): Promise<{ steady: Verdict[]; backlog: Verdict[] }> {
  const verdicts = (submitted: Map<string, number>) => {
    const out: Verdict[] = [];
    for (const [id, start] of submitted) {
      const update = report.updates[id];
      check(update, `request ${id} never got its reservation:update`);
      out.push({ status: update[0], start, at: update[1] });
    }
    return out;
  };
  const all = [warm, steady, backlog].map((phase) => verdicts(phase.submitted));
  const completed = all.flat().filter((v) => v.status === 'COMPLETED').length;
  const [steadySchedule, otherSchedule] = setup.scheduleIds as [number, number];
  const seatStates = [await checkSeats(ctx.db, steadySchedule), await checkSeats(ctx.db, otherSchedule)];
  const heldSeats = seatStates[0]!.held + seatStates[1]!.held;
  check(heldSeats === completed, `${heldSeats} seats HELD for ${completed} completed requests`);
  const [, steadyVerdicts, backlogVerdicts] = all as [unknown, Verdict[], Verdict[]];
  return { steady: steadyVerdicts, backlog: backlogVerdicts };
}

function toRows(
  ctx: Ctx,
  { steady, resumedAt }: Phases,
  { steady: steadyVerdicts, backlog: backlogVerdicts }: { steady: Verdict[]; backlog: Verdict[] },
): Row[] {
  const p = summarize(steadyVerdicts.map((v) => v.at - v.start));
  const drained = Math.max(...backlogVerdicts.map((v) => v.at)) - resumedAt;
  const decided = (backlogVerdicts.length / drained) * 1000;
  const sync = ctx.shared.get('holds') as { rps: number } | undefined;
  return [
    row({
      scenario: 'queued',
      metric: `decided/s from a backlog of ${backlogVerdicts.length} (baseline: sync holds/s)`,
      value: decided,
      unit: 'req/s',
      ...(sync ? { baseline: sync.rps } : {}),
      target: '≥ 1,000',
      ok: (v) => v >= 1_000,
      note: `drained in ${(drained / 1000).toFixed(1)} s`,
    }),
    row({
      scenario: 'queued',
      metric: `submit-to-push p99 at ${Math.round(steady.sent.rps)}/s offered`,
      value: p.p99,
      unit: 'ms',
      target: '≤ 500 ms',
      ok: (v) => v <= 500,
      note: `${steady.submitted.size} accepted, ${steady.sent.statuses['429'] ?? 0} rate-limited`,
    }),
    row({ scenario: 'queued', metric: 'submit-to-push p50', value: p.p50, unit: 'ms' }),
    row({
      scenario: 'queued',
      metric: 'submit (202) p50 / p99',
      value: steady.sent.p50,
      unit: 'ms',
      note: `p99 ${steady.sent.p99} ms`,
    }),
  ];
}
