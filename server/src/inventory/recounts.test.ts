import { describe, expect, it, vi } from 'vitest';
import { createRecounts } from './recounts.ts';

/** Recounts that each wait until the test lets them finish, recording when each started, by concert. */
function gatedRecounts(everyMs: number) {
  const starts: Array<{ concertId: number; at: number }> = [];
  const gates: Array<() => void> = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const recounts = createRecounts(
    async (concertId: number) => {
      starts.push({ concertId, at: performance.now() });
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise<void>((resolve) => gates.push(resolve));
      inFlight--;
    },
    { everyMs, onError: () => undefined },
  );
  /** Lets the oldest unfinished recount end. */
  const finish = () => gates.shift()?.();
  const started = (n: number) => vi.waitFor(() => expect(starts).toHaveLength(n), { timeout: 5_000 });
  return { recounts, starts, finish, started, maxInFlight: () => maxInFlight };
}

describe('seat recounts', () => {
  it('recount a quiet concert at once, and a burst of changes with one more recount, spaced out', async () => {
    const g = gatedRecounts(100);
    g.recounts.request(1);
    expect(g.starts).toHaveLength(1); // at once, in the same turn
    for (let i = 0; i < 50; i++) g.recounts.request(1); // a burst while it runs
    g.finish();
    await g.started(2);
    // One more for the whole burst, starting no sooner than everyMs after the first (timers may round by 1 ms).
    expect(g.starts[1]!.at - g.starts[0]!.at).toBeGreaterThanOrEqual(99);
    g.finish();
    await g.recounts.settled();
    expect(g.starts).toHaveLength(2);
    expect(g.maxInFlight()).toBe(1);
    // Quiet again: the next change recounts at once.
    g.recounts.request(1);
    expect(g.starts).toHaveLength(3);
    g.finish();
    await g.recounts.settled();
  });

  it('a change that arrives during the last recount of a burst is counted by a later one', async () => {
    const g = gatedRecounts(10);
    g.recounts.request(7);
    g.recounts.request(7); // during the first
    g.finish();
    await g.started(2);
    g.recounts.request(7); // during the second: it must not be lost
    g.finish();
    await g.started(3);
    g.finish();
    await g.recounts.settled();
    expect(g.starts).toHaveLength(3);
  });

  it('concerts recount independently, and a failed recount neither stops the next nor settles early', async () => {
    const errors: number[] = [];
    const calls: number[] = [];
    const recounts = createRecounts(
      async (concertId) => {
        calls.push(concertId);
        if (concertId === 2 && calls.filter((c) => c === 2).length === 1) throw new Error('MySQL away');
      },
      { everyMs: 10, onError: (_err, concertId) => errors.push(concertId) },
    );
    recounts.request(1);
    recounts.request(2);
    recounts.request(2); // asked again while the failing one runs
    expect(calls).toEqual([1, 2]); // both concerts started at once
    await recounts.settled();
    expect(calls).toEqual([1, 2, 2]); // concert 2 ran again after its failure
    expect(errors).toEqual([2]);
  });
});
