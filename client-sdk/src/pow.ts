import { powSearch } from './pow-search.ts';

/** Nonces tried between two progress reports (and between two yields on the main thread). */
const CHUNK = 20_000;

export interface PowProgress {
  /** Nonces tried so far. */
  tried: number;
  /** Nonces a solution takes on average (2^difficultyBits); the real count varies widely around it. */
  expected: number;
}

export interface SolveOptions {
  onProgress?: (progress: PowProgress) => void;
  signal?: AbortSignal;
}

type Message = { tried: number; nonce?: number };

/** The worker's whole program: the search function's source and a loop that reports every CHUNK tries. */
const workerLoop = (post: string) => `
var __name = function (f) { return f; };
var powSearch = (${powSearch.toString()});
function run(prefix, bits) {
  for (var n = 0; ; n += ${CHUNK}) {
    var found = powSearch(prefix, bits, n, ${CHUNK});
    if (found >= 0) { ${post}({ tried: found + 1, nonce: found }); return; }
    ${post}({ tried: n + ${CHUNK} });
  }
}`;

/** The part of Node's `worker_threads` used here (the SDK's types do not assume Node). */
interface NodeThreads {
  Worker: new (
    source: string,
    opts: { eval: boolean; workerData: unknown },
  ) => { on(event: 'message', handler: (m: Message) => void): void; terminate(): Promise<number> };
}

interface Runner {
  onMessage(handler: (m: Message) => void): void;
  stop(): void;
}

async function startWorker(prefix: string, bits: number): Promise<Runner | undefined> {
  const g = globalThis as { Worker?: typeof Worker; Blob?: typeof Blob; URL?: typeof URL; window?: unknown };
  if (g.window !== undefined && g.Worker && g.Blob && g.URL?.createObjectURL) {
    const source = `${workerLoop('postMessage')}\nonmessage = function (e) { run(e.data.prefix, e.data.bits); };`;
    const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
    const worker = new Worker(url);
    worker.postMessage({ prefix, bits });
    return {
      onMessage: (handler) => {
        worker.onmessage = (e: MessageEvent<Message>) => handler(e.data);
      },
      stop: () => {
        worker.terminate();
        URL.revokeObjectURL(url);
      },
    };
  }
  const nodeModule = 'node:worker_threads';
  const threads = (await import(/* @vite-ignore */ nodeModule).catch(() => undefined)) as
    | NodeThreads
    | undefined;
  if (!threads) return undefined;
  const source = `${workerLoop('require("node:worker_threads").parentPort.postMessage')}
var data = require("node:worker_threads").workerData; run(data.prefix, data.bits);`;
  const worker = new threads.Worker(source, { eval: true, workerData: { prefix, bits } });
  return {
    onMessage: (handler) => worker.on('message', handler),
    stop: () => void worker.terminate(),
  };
}

/**
 * Solves a proof-of-work challenge off the main thread (a Web Worker in browsers, a worker thread in Node;
 * small chunks on the main thread where neither exists): returns the decimal nonce whose
 * SHA-256(`${challenge}.${nonce}`) starts with `difficultyBits` zero bits.
 *
 * @example
 * const { challenge, difficultyBits } = await fr.queue.challenge(concertId);
 * const nonce = await solveChallenge(challenge!, difficultyBits, {
 *   onProgress: ({ tried, expected }) => console.log(`${Math.round((100 * tried) / expected)}%`),
 * });
 */
export async function solveChallenge(
  challenge: string,
  difficultyBits: number,
  opts: SolveOptions = {},
): Promise<string> {
  const prefix = `${challenge}.`;
  const expected = 2 ** difficultyBits;
  opts.signal?.throwIfAborted();
  const runner = await startWorker(prefix, difficultyBits);
  if (!runner) {
    for (let n = 0; ; n += CHUNK) {
      opts.signal?.throwIfAborted();
      const found = powSearch(prefix, difficultyBits, n, CHUNK);
      if (found >= 0) return String(found);
      opts.onProgress?.({ tried: n + CHUNK, expected });
      await new Promise((r) => setTimeout(r, 0));
    }
  }
  return new Promise<string>((resolve, reject) => {
    const abort = () => {
      runner.stop();
      reject(opts.signal?.reason);
    };
    opts.signal?.addEventListener('abort', abort, { once: true });
    runner.onMessage((m) => {
      opts.onProgress?.({ tried: m.tried, expected });
      if (m.nonce === undefined) return;
      opts.signal?.removeEventListener('abort', abort);
      runner.stop();
      resolve(String(m.nonce));
    });
  });
}
