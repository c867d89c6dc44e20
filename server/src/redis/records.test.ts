import { LANES } from '@frontrow/client/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import { seeded } from '../../test/seeded.ts';
import {
  type FanRecord,
  formatFanRecord,
  formatLogLine,
  type LogLine,
  parseFanRecord,
  parseLogLine,
} from './records.ts';
import { includeFragments, type LuaReply } from './scripts.ts';

/**
 * The Lua fragments (server/src/redis/lua/) and the TypeScript codec (records.ts) read and write the same
 * records: random ones, through real Redis. Seeded: `RECORDS_SEED=<n>` replays a run, and a failure names it.
 */
const SEED = Number(process.env.RECORDS_SEED ?? Math.floor(Math.random() * 2 ** 31));
const seed = `RECORDS_SEED=${SEED}`;

/** Random records from a seeded generator. */
function generator(start: number) {
  const next = seeded(start);
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  const text = (alphabet: string, max: number) =>
    Array.from({ length: int(max + 1) }, () => alphabet[int(alphabet.length)]).join('');
  return { int, pick, text };
}
const rand = generator(SEED);
const ANY = 'abcXYZ09_-:|é\n ';

function randomFan(): FanRecord {
  return {
    status: rand.pick(['W', 'R', 'E', 'X']),
    lane: rand.pick(LANES),
    ticket: rand.int(1_000_000),
    laneSeq: rand.int(1_000_000),
    joinedAtMs: rand.int(2 ** 41),
    untilMs: rand.pick([0, rand.int(2 ** 41)]),
    reason: rand.pick(['', 'SOLD_OUT', 'LEFT', rand.text(ANY, 12)]),
  };
}

function randomLine(): LogLine {
  return {
    kind: rand.pick(['E', 'S', 'A', 'C', 'L', 'X']),
    ticket: rand.int(1_000_000),
    lane: rand.pick(['', ...LANES]),
    joinedAtMs: rand.int(2 ** 41),
    atMs: rand.int(2 ** 41),
    reason: rand.pick(['', 'LEFT', 'PAID', 'CLOSED', 'SOLD_OUT']),
    userId: rand.text(ANY, 16),
  };
}

/** A record that may or may not have the layout: a valid one with one field broken, or noise. */
function randomText(): string {
  const fields = formatFanRecord(randomFan()).split('|');
  const i = rand.int(7);
  fields[i] = rand.pick(['', 'w', 'Vip', '1a', rand.text(ANY, 4), `${fields[i]}|`]);
  return rand.pick([fields.join('|'), rand.text('Wv1|', 14)]);
}

const parseScript = includeFragments(`--- @include "fan-record"
local out = {}
for i = 1, #ARGV do
  local f = parseFan(ARGV[i])
  if f.s then
    out[i] = { f.s, f.lane, f.ticket, f.seq, f.joined, f.untilMs, f.reason, formatFan(f) }
  else
    out[i] = { 'NOMATCH' }
  end
end
return out`);

const logScript = includeFragments(`--- @include "queue-log"
local out = {}
for i = 1, #ARGV, 7 do
  out[#out + 1] = logLine(ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4], ARGV[i + 5], ARGV[i + 6])
end
return out`);

let t: TestServer;
beforeAll(async () => {
  t = await createTestServer();
});
afterAll(() => t.close());

const evalLua = (lua: string, args: Array<string | number>) =>
  t.services.redis.eval(lua, 0, ...args) as Promise<LuaReply>;

describe('the Lua and TypeScript codecs of the fan record and the queue log', () => {
  it('includes each fragment in place of its line', () => {
    expect(parseScript).toContain('local function parseFan(rec)');
    expect(parseScript).not.toMatch(/^--- @include/m);
  });

  it('read and write the same fan records', async () => {
    const fans = Array.from({ length: 300 }, randomFan);
    const texts = fans.map(formatFanRecord);
    const replies = await evalLua(parseScript, texts);
    fans.forEach((fan, i) => {
      const text = texts[i] as string;
      expect(parseFanRecord(text), seed).toEqual(fan);
      const { status, lane, ticket, laneSeq, joinedAtMs, untilMs, reason } = fan;
      const fields = [status, lane, ticket, laneSeq, joinedAtMs, untilMs, reason].map(String);
      expect(replies[i], seed).toEqual([...fields, text]);
    });
  });

  it('refuse the same malformed fan records', async () => {
    const texts = Array.from({ length: 300 }, randomText);
    const replies = await evalLua(parseScript, texts);
    texts.forEach((text, i) => {
      const lua = replies[i] as LuaReply;
      const ts = parseFanRecord(text);
      expect(lua[0] === 'NOMATCH', `${seed} ${JSON.stringify(text)}`).toBe(ts === undefined);
      if (!ts) return;
      const numbers = lua.slice(2, 6).map(Number);
      expect([lua[0], lua[1], ...numbers, lua[6], lua[7]], seed).toEqual([
        ts.status,
        ts.lane,
        ts.ticket,
        ts.laneSeq,
        ts.joinedAtMs,
        ts.untilMs,
        ts.reason,
        text,
      ]);
    });
  });

  it('write the same queue-log lines, which the TypeScript side reads back', async () => {
    const lines = Array.from({ length: 300 }, randomLine);
    const replies = await evalLua(
      logScript,
      lines.flatMap((l) => [l.kind, l.ticket, l.lane, l.joinedAtMs, l.atMs, l.reason, l.userId]),
    );
    lines.forEach((line, i) => {
      expect(replies[i], seed).toBe(formatLogLine(line));
      expect(parseLogLine(String(replies[i])), seed).toEqual(line);
    });
  });
});
