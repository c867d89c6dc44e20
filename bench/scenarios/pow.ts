import { createHash } from 'node:crypto';
import { type BenchFan, type ConcertSetup, createConcert } from '../lib/api.ts';
import { type Ctx, check, type Row, row, type Scenario } from '../lib/context.ts';
import { expectStatuses, type LoadResult, load } from '../lib/load.ts';

/** Difficulty of the gated run: the server's verify cost does not depend on it, the harness's solving does. */
const BITS = 8;

/** The first decimal nonce whose SHA-256(`<challenge>.<nonce>`) starts with `bits` zero bits. */
function solve(challenge: string, bits: number): string {
  const full = bits >> 3;
  const rest = bits & 7;
  for (let nonce = 0; ; nonce++) {
    const d = createHash('sha256').update(`${challenge}.${nonce}`).digest();
    let ok = true;
    for (let i = 0; i < full && ok; i++) ok = d[i] === 0;
    if (ok && rest > 0) ok = d[full]! >> (8 - rest) === 0;
    if (ok) return String(nonce);
  }
}

/** Two runs of the same route as one: answers over the summed time; each latency percentile the two runs' mean. */
function combine(a: LoadResult, b: LoadResult): LoadResult {
  const mean = (k: 'p50' | 'p97_5' | 'p99') => (a[k] + b[k]) / 2;
  const statuses: Record<string, number> = { ...a.statuses };
  for (const [code, n] of Object.entries(b.statuses)) statuses[code] = (statuses[code] ?? 0) + n;
  return {
    rps: (a.total + b.total) / (a.durationSeconds + b.durationSeconds),
    p50: mean('p50'),
    p97_5: mean('p97_5'),
    p99: mean('p99'),
    total: a.total + b.total,
    errors: a.errors + b.errors,
    statuses,
    durationSeconds: a.durationSeconds + b.durationSeconds,
  };
}

/**
 * Proof-of-work at the door: the enter route with the gate on (every request carries a solved challenge that the
 * server verifies: an HMAC, one SHA-256, one Redis SET NX) beside the same route with the gate off, in the same
 * run, fresh fans each time (so every answer is a new entry), the same number of requests. Also the challenge
 * route. Checks that every solved challenge let its fan in once and that a replayed one is refused.
 */
export const pow: Scenario = {
  name: 'pow',
  title: 'enter with proof-of-work beside enter without it',
  async run(ctx) {
    const amount = ctx.quick ? 20_000 : 50_000;
    const sale = await setUpSales(ctx, amount);
    await warmUp(ctx, sale);
    // Gate off: each request a new fan. Half before the gated run and half after it, so a drift of the shared
    // machine's load during the run weighs on both sides alike.
    const enterOffHalf = enterWithoutProof(ctx, sale);
    const offBefore = await enterOffHalf();
    const { issue, challenges } = await issueChallenges(ctx, sale);
    const solveStarted = performance.now();
    const nonces = challenges.map((c) => solve(c, BITS));
    const solveSeconds = (performance.now() - solveStarted) / 1000;
    const enterOn = await enterWithProof(ctx, sale, challenges, nonces);
    const offAfter = await enterOffHalf();
    for (const r of [offBefore, offAfter]) expectStatuses('enter without proof-of-work', r, [201]);
    const enterOff = combine(offBefore, offAfter);
    await checkEntries(ctx, sale, challenges, nonces);
    return toRows(amount, { enterOn, enterOff, issue, solveSeconds });
  },
};

const CONNECTIONS = 64;

/** Three concerts in their join window (one gated) and a set of fresh fans for each. */
interface PowSales {
  amount: number;
  plain: ConcertSetup;
  gated: ConcertSetup;
  warmUp: ConcertSetup;
  plainFans: BenchFan[];
  gatedFans: BenchFan[];
  warmFans: BenchFan[];
}

const auth = (f: BenchFan) => ({
  authorization: `Bearer ${f.token}`,
  'content-type': 'application/json',
});
const queuePath = (id: number) => `/api/v1/concerts/${id}/queue`;

async function setUpSales(ctx: Ctx, amount: number): Promise<PowSales> {
  const open = { bookingOpensInMs: 3_600_000 };
  const plain = await createConcert(ctx.api, ctx.admin, open);
  const gated = await createConcert(ctx.api, ctx.admin, open);
  const warmUp = await createConcert(ctx.api, ctx.admin, open);
  await ctx.api.expect(200, 'PUT', `/api/v1/admin/concerts/${gated.concertId}/proof-of-work`, {
    token: ctx.admin,
    body: { difficultyBits: BITS },
  });
  const [plainFans, gatedFans, warmFans] = await Promise.all([
    ctx.api.fans(`pow-off-${ctx.runId}`, amount),
    ctx.api.fans(`pow-on-${ctx.runId}`, amount),
    ctx.api.fans(`pow-warm-${ctx.runId}`, 2_000),
  ]);
  return { amount, plain, gated, warmUp, plainFans, gatedFans, warmFans };
}

/** Warm-up on the enter route of a third concert, and of the gated one (no proof: 403 REQUIRED, no entry). */
async function warmUp(ctx: Ctx, { warmUp, gated, warmFans }: PowSales): Promise<void> {
  let warm = 0;
  for (const id of [warmUp.concertId, gated.concertId]) {
    await load({
      url: ctx.url + queuePath(id),
      method: 'POST',
      connections: CONNECTIONS,
      amount: 1_000,
      next: () => ({ headers: auth(warmFans[warm++ % warmFans.length]!), body: '{}' }),
    });
  }
}

/** Enters half of the plain concert's fans per call, the next half on the next call. */
function enterWithoutProof(ctx: Ctx, { plain, plainFans, amount }: PowSales): () => Promise<LoadResult> {
  let off = 0;
  return () =>
    load({
      url: ctx.url + queuePath(plain.concertId),
      method: 'POST',
      connections: CONNECTIONS,
      amount: amount / 2,
      next: () => ({ headers: auth(plainFans[off++ % amount]!), body: '{}' }),
    });
}

/** The challenges, one per fan, through the route (autocannon keeps each answer with its fan). */
async function issueChallenges(
  ctx: Ctx,
  { gated, gatedFans, amount }: PowSales,
): Promise<{ issue: LoadResult; challenges: string[] }> {
  const challenges: string[] = new Array(amount);
  let asked = 0;
  const issue = await load({
    url: `${ctx.url}${queuePath(gated.concertId)}/challenge`,
    connections: CONNECTIONS,
    amount,
    next: (_, context) => {
      context.fan = asked % amount;
      return { headers: auth(gatedFans[asked++ % amount]!) };
    },
    onResponse: (status, body, context) => {
      if (status === 200) challenges[context.fan as number] = JSON.parse(body).data.challenge;
    },
  });
  expectStatuses('challenge', issue, [200]);
  check(
    challenges.every((c) => typeof c === 'string'),
    'every fan got a challenge',
  );
  return { issue, challenges };
}

/** Gate on: each request a new fan with its solved challenge (they are valid for two minutes). */
async function enterWithProof(
  ctx: Ctx,
  { gated, gatedFans, amount }: PowSales,
  challenges: string[],
  nonces: string[],
): Promise<LoadResult> {
  let on = 0;
  const enterOn = await load({
    url: ctx.url + queuePath(gated.concertId),
    method: 'POST',
    connections: CONNECTIONS,
    amount,
    next: () => {
      const i = on++ % amount;
      return {
        headers: auth(gatedFans[i]!),
        body: JSON.stringify({ challenge: challenges[i], nonce: nonces[i] }),
      };
    },
  });
  expectStatuses('enter with proof-of-work', enterOn, [201]);
  return enterOn;
}

/** Every fan of both concerts was queued, and a solved challenge works only once. */
async function checkEntries(
  ctx: Ctx,
  { plain, gated, gatedFans, amount }: PowSales,
  challenges: string[],
  nonces: string[],
): Promise<void> {
  const lane = (id: number) => `${ctx.redisPrefix}:{c:${id}}:lane:normal`;
  const [queuedOff, queuedOn] = [
    await ctx.redis.zcard(lane(plain.concertId)),
    await ctx.redis.zcard(lane(gated.concertId)),
  ];
  check(queuedOff === amount, `${queuedOff} of ${amount} fans queued without proof-of-work`);
  check(queuedOn === amount, `${queuedOn} of ${amount} fans queued with proof-of-work`);
  // A challenge works once: the same proof again (a new fan could not use it: it names its fan) is refused.
  // The last one issued, which is surely not expired yet.
  const last = amount - 1;
  const again = await ctx.api.call('POST', queuePath(gated.concertId), {
    token: gatedFans[last]!.token,
    body: { challenge: challenges[last], nonce: nonces[last] },
  });
  check(
    again.status === 403 && again.body.error?.details?.reason === 'USED',
    `a replayed challenge answered ${again.status} ${JSON.stringify(again.body)}`,
  );
}

function toRows(
  amount: number,
  {
    enterOn,
    enterOff,
    issue,
    solveSeconds,
  }: { enterOn: LoadResult; enterOff: LoadResult; issue: LoadResult; solveSeconds: number },
): Row[] {
  const s = 'pow';
  const rps = (metric: string, r: LoadResult, baseline?: LoadResult): Row =>
    row({
      scenario: s,
      metric,
      value: r.rps,
      unit: 'req/s',
      ...(baseline ? { baseline: baseline.rps } : {}),
    });
  const latency = (metric: string, p: 'p50' | 'p99', r: LoadResult, baseline?: LoadResult): Row =>
    row({ scenario: s, metric, value: r[p], unit: 'ms', ...(baseline ? { baseline: baseline[p] } : {}) });
  const note =
    `${amount} new entries each (off: half before, half after the gated run; percentiles: the halves' mean); ` +
    `gate on: ${BITS} bits (the verify cost does not depend on it)`;
  return [
    { ...rps('enter, proof-of-work on (64 conn; baseline: off)', enterOn, enterOff), note },
    latency('enter, proof-of-work on p50 (baseline: off)', 'p50', enterOn, enterOff),
    latency('enter, proof-of-work on p99 (baseline: off)', 'p99', enterOn, enterOff),
    rps('enter, proof-of-work off (64 conn)', enterOff),
    rps('challenge issue (64 conn)', issue),
    latency('challenge issue p99', 'p99', issue),
    row({
      scenario: s,
      metric: `harness solve, ${BITS} bits, per challenge`,
      value: (solveSeconds * 1e6) / amount,
      unit: 'µs',
    }),
  ];
}
