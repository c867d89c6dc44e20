import { constants, PerformanceObserver } from 'node:perf_hooks';

/**
 * Loaded into the processes under test (`--import`, with `--expose-gc`), for the memory figures. Over IPC:
 * `{type: 'memory'}` runs two full collections and answers the heap and RSS left; `{type: 'gc-log'}` answers the
 * heap measured just after each major collection the process ran by itself since it started (the low points of
 * its sawtooth), without forcing any.
 */

export interface MemoryReading {
  at: number;
  heapUsed: number;
  rss: number;
}

const majors: MemoryReading[] = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const kind = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
    if (kind !== constants.NODE_PERFORMANCE_GC_MAJOR) continue;
    const m = process.memoryUsage();
    majors.push({ at: Date.now(), heapUsed: m.heapUsed, rss: m.rss });
  }
}).observe({ entryTypes: ['gc'] });

process.on('message', (msg: { type?: string; id?: number }) => {
  if (msg?.type === 'memory') {
    const gc = (globalThis as { gc?: () => void }).gc;
    if (gc) {
      gc();
      gc();
    }
    const m = process.memoryUsage();
    process.send?.({
      type: 'memory',
      id: msg.id,
      forced: !!gc,
      at: Date.now(),
      heapUsed: m.heapUsed,
      rss: m.rss,
    });
  } else if (msg?.type === 'gc-log') {
    process.send?.({ type: 'gc-log', id: msg.id, majors });
  }
});
// The channel must not keep a server alive that is shutting down.
process.channel?.unref();
