/**
 * Recounts of a concert's seats, asked for by every committed seat change: at most one per concert at a time. A
 * change that arrives while one runs asks for one more, which every change until it starts shares, and which
 * starts `everyMs` after the previous one started: a quiet concert recounts at once, a busy one a few times a
 * second rather than back to back. A failed recount is reported to `onError` and does not stop the next.
 */
export function createRecounts(
  recount: (concertId: number) => Promise<unknown>,
  opts: { everyMs: number; onError: (err: unknown, concertId: number) => void },
) {
  const running = new Map<number, { again: boolean; done: Promise<void> }>();

  return {
    request(concertId: number): void {
      const current = running.get(concertId);
      if (current) {
        current.again = true;
        return;
      }
      const entry = { again: false, done: Promise.resolve() };
      running.set(concertId, entry);
      entry.done = (async () => {
        do {
          entry.again = false;
          const started = performance.now();
          await recount(concertId).catch((err: unknown) => opts.onError(err, concertId));
          const wait = opts.everyMs - (performance.now() - started);
          if (entry.again && wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        } while (entry.again);
        running.delete(concertId);
      })();
    },

    /** Resolves when every recount asked for so far has finished (tests, shutdown). */
    async settled(): Promise<void> {
      while (running.size > 0) await Promise.all([...running.values()].map((e) => e.done));
    },
  };
}
