import { setTimeout as sleep } from 'node:timers/promises';
import { createConcert, openSale, seatsFor } from './api.ts';
import type { Ctx } from './context.ts';

/**
 * A concert in its join window with a seat for each of `admissions`, its sale open for `driveAdmissions`.
 * Returns the concert's id.
 */
export async function createDrivenSale(ctx: Ctx, admissions: number): Promise<number> {
  // Admission stops when the fans let in could take every seat left, so the hall has a seat for each admission.
  const { concertId } = await createConcert(ctx.api, ctx.admin, {
    bookingOpensInMs: 3_600_000,
    ...seatsFor(admissions),
  });
  // Open first (nobody to shuffle), with a scheduler too slow to matter: the bench drives admission itself.
  await openSale(ctx.api, ctx.admin, concertId, {
    groupSize: 1,
    intervalSeconds: 3_600,
    maxActive: 1_000_000,
  });
  return concertId;
}

/**
 * Admits `perSecond` fans every second for `seconds` through the admin API (the queue moves: ticks flow).
 */
export async function driveAdmissions(ctx: Ctx, concertId: number, perSecond: number, seconds: number) {
  let admitted = 0;
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    const started = Date.now();
    const res = await ctx.api.call('POST', `/api/v1/admin/concerts/${concertId}/admit`, {
      token: ctx.admin,
      body: { count: perSecond },
    });
    if (res.status !== 200) throw new Error(`admit: ${res.status} ${JSON.stringify(res.body)}`);
    admitted += res.body.data.admitted;
    await sleep(Math.max(0, 1000 - (Date.now() - started)));
  }
  return admitted;
}

/** Samples a number every `everyMs` until stopped: server RSS, queue length. */
export function sampler(read: () => Promise<number> | number, everyMs = 1000) {
  const t0 = Date.now();
  const points: Array<[number, number]> = [];
  const timer = setInterval(async () => {
    try {
      points.push([(Date.now() - t0) / 1000, await read()]);
    } catch {
      // a missed sample is not a failure of the system under test
    }
  }, everyMs);
  return {
    points,
    stop() {
      clearInterval(timer);
      return points;
    },
  };
}
