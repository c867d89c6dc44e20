import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { LoadResult } from './load.ts';

/**
 * Closed-loop load from wrk (Debian's package), for the rows whose ratio depends on the load generator not being
 * the bottleneck: one wrk thread keeps `connections` requests in flight with a fraction of the CPU autocannon needs
 * per request. wrk runs as its own process and inherits this process's affinity (the load core under `--pin`).
 *
 * Each request carries the next token of `tokens` in turn (cycling when they run out), so a run of fresh fans is as
 * long as the list. Statuses are counted per code by the script and printed as JSON when wrk ends.
 */

export interface WrkSpec {
  url: string;
  method?: 'GET' | 'POST';
  connections: number;
  durationSeconds: number;
  /** Bearer tokens, one per request in turn; none means no Authorization header. */
  tokens?: string[];
}

const SCRIPT = `
local method, tokens, n, i = "GET", {}, 0, 0
statuses = {}
init = function(args)
  method = args[1]
  if args[2] then
    for line in io.lines(args[2]) do n = n + 1; tokens[n] = "Bearer " .. line end
  end
end
request = function()
  local headers = {}
  if n > 0 then
    i = i % n + 1
    headers["Authorization"] = tokens[i]
  end
  return wrk.format(method, nil, headers, nil)
end
response = function(status)
  statuses[status] = (statuses[status] or 0) + 1
end
local threads = {}
setup = function(thread) table.insert(threads, thread) end
done = function(summary, latency)
  local counts = {}
  for _, thread in ipairs(threads) do
    for code, count in pairs(thread:get("statuses")) do counts[code] = (counts[code] or 0) + count end
  end
  local parts = {}
  for code, count in pairs(counts) do table.insert(parts, string.format('"%d":%d', code, count)) end
  local e = summary.errors
  io.write(string.format(
    '\\nWRK_RESULT {"requests":%d,"durationUs":%d,"p50":%d,"p97_5":%d,"p99":%d,"errors":%d,"statuses":{%s}}\\n',
    summary.requests, summary.duration, math.floor(latency:percentile(50)), math.floor(latency:percentile(97.5)),
    math.floor(latency:percentile(99)),
    e.connect + e.read + e.write + e.timeout, table.concat(parts, ",")))
end
`;

export async function wrk(spec: WrkSpec): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'frontrow-wrk-'));
  try {
    const script = join(dir, 'load.lua');
    writeFileSync(script, SCRIPT);
    const args: string[] = [spec.method ?? 'GET'];
    if (spec.tokens?.length) {
      const file = join(dir, 'tokens.txt');
      writeFileSync(file, `${spec.tokens.join('\n')}\n`);
      args.push(file);
    }
    const { stdout } = await promisify(execFile)(
      'wrk',
      [
        '-t1',
        `-c${spec.connections}`,
        `-d${spec.durationSeconds}s`,
        '--timeout',
        '30s',
        '-s',
        script,
        spec.url,
        '--',
        ...args,
      ],
      { maxBuffer: 16 * 1024 * 1024 },
    );
    const line = stdout.split('\n').find((l) => l.startsWith('WRK_RESULT '));
    if (!line) throw new Error(`wrk printed no result:\n${stdout}`);
    const r = JSON.parse(line.slice('WRK_RESULT '.length)) as {
      requests: number;
      durationUs: number;
      p50: number;
      p97_5: number;
      p99: number;
      errors: number;
      statuses: Record<string, number>;
    };
    const durationSeconds = r.durationUs / 1e6;
    return {
      rps: r.requests / durationSeconds,
      // wrk reports microseconds; the bench reports milliseconds.
      p50: r.p50 / 1000,
      p97_5: r.p97_5 / 1000,
      p99: r.p99 / 1000,
      total: r.requests,
      errors: r.errors,
      statuses: r.statuses,
      durationSeconds,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Whether wrk is installed (`apt-get install wrk`); the bench falls back to autocannon without it. */
export async function hasWrk(): Promise<boolean> {
  try {
    await promisify(execFile)('wrk', ['--version']);
    return true;
  } catch (err) {
    // wrk --version prints its banner and exits with status 1.
    return (err as { code?: unknown }).code === 1;
  }
}
