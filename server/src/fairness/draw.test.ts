import { randomBytes } from 'node:crypto';
import {
  drawOrder,
  drawOrderText,
  drawStream,
  drawCommitment as sdkCommitment,
  drawOrderHash as sdkOrderHash,
  verifyDraw,
} from '@frontrow/client/draw';
import { type DrawLanes, LANES } from '@frontrow/client/protocol';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createAdmissionScripts } from '../admission/scripts.ts';
import { createKeys } from '../redis/keys.ts';
import { drawCommitment, drawOrderHash, drawWords, recordedDrawSeed, seedFromRecord } from './draw.ts';

const redis = new Redis(inject('redisUrl'));
afterAll(() => redis.quit());

/** docs/fairness.md's worked example, checked there against an independent Python reimplementation. */
const VECTOR = {
  seed: '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f',
  commitment: '630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd',
  firstWords: [
    '9f0cd9b9',
    '4097fe49',
    '29918d2b',
    '8942b344',
    '39574261',
    'a35dc501',
    '63f06c67',
    'd4e48899',
    'c432e059',
  ],
  preQueue: { vip: [2, 5, 9], presale: [3, 7, 11], normal: [1, 4, 6, 8, 10, 12, 13] },
  drawn: { vip: [9, 5, 2], presale: [11, 3, 7], normal: [13, 6, 8, 12, 1, 4, 10] },
  orderHash: '775ffe9db8b2470d8d6bb5f74e18fe5bf1b94d37f6f5ca5dc76710592fe82f62',
};

const seedArb = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex'));
/** Distinct positive tickets, as a lane's pre-queue holds them (gaps where fans left before the open). */
const laneArb = (max: number) => fc.uniqueArray(fc.integer({ min: 1, max: 1_000_000 }), { maxLength: max });

describe('frontrow-draw v1', () => {
  it('gives the published test vector', () => {
    const stream = drawStream(Buffer.from(VECTOR.seed, 'hex'));
    const words = VECTOR.firstWords.map(() => stream.word().toString(16).padStart(8, '0'));
    expect(words).toEqual(VECTOR.firstWords);
    expect(drawWords(VECTOR.seed, 9).toString('hex')).toBe(VECTOR.firstWords.join(''));
    expect(drawCommitment(VECTOR.seed)).toBe(VECTOR.commitment);
    expect(drawOrder(VECTOR.seed, VECTOR.preQueue)).toEqual(VECTOR.drawn);
    expect(drawOrderHash(VECTOR.drawn)).toBe(VECTOR.orderHash);
    expect(verifyDraw({ ...VECTOR }, { commitment: VECTOR.commitment, entryTicket: 6 })).toMatchObject({
      valid: true,
      problems: [],
      place: { lane: 'normal', place: 2 },
    });
    expect(verifyDraw({ ...VECTOR }, { entryTicket: 3 }).place).toEqual({ lane: 'presale', place: 2 });
    expect(verifyDraw({ ...VECTOR }, { entryTicket: 99 }).place).toBeNull();
    expect(drawOrderText(VECTOR.drawn)).toBe('vip:9,5,2\npresale:11,3,7\nnormal:13,6,8,12,1,4,10\n');
    expect(verifyDraw({ ...VECTOR, drawn: { ...VECTOR.drawn, presale: [3, 11, 7] } })).toMatchObject({
      valid: false,
    });
  });

  it("the server's stream (Node's HMAC) and the SDK's (plain TypeScript) agree for any seed", () => {
    fc.assert(
      fc.property(seedArb, fc.integer({ min: 1, max: 300 }), (seed, count) => {
        const stream = drawStream(Buffer.from(seed, 'hex'));
        const sdk = Buffer.alloc(count * 4);
        for (let i = 0; i < count; i++) sdk.writeUInt32BE(stream.word(), 4 * i);
        expect(drawWords(seed, count).toString('hex')).toBe(sdk.toString('hex'));
        expect(drawCommitment(seed)).toBe(sdkCommitment(seed));
      }),
    );
  });

  it('open-sale.lua draws the order the SDK recomputes, for any seed and pre-queue', async () => {
    const keys = createKeys(`${inject('redisPrefix')}:draw-${randomBytes(3).toString('hex')}`);
    let concertId = 0;
    await fc.assert(
      fc.asyncProperty(
        seedArb,
        laneArb(40),
        laneArb(40),
        laneArb(120),
        async (seed, vip, presale, normal) => {
          concertId += 1;
          const preQueue = distinctLanes(vip, presale, normal);
          await seedRoom(keys, concertId, seed, preQueue);
          const reply = await openSale(keys, concertId, seed, drawWords(seed, 250));
          expect(reply[0]).toBe('OK');
          expect(reply.slice(4, 7)).toEqual(LANES.map((l) => preQueue[l].length));
          const expected = drawOrder(seed, preQueue);
          const order = await redis.hmget(keys.drawOrder(concertId), ...LANES);
          const published = { vip: csv(order[0]), presale: csv(order[1]), normal: csv(order[2]) };
          expect(published).toEqual(expected);
          expect(await redis.hget(keys.sale(concertId), 'seed')).toBe(seed);
          // Each fan's record: its entry ticket, its place, and the ticket of that place (the place-th smallest).
          for (const lane of LANES) {
            const sorted = [...preQueue[lane]].sort((a, b) => a - b);
            for (const [i, ticket] of expected[lane].entries()) {
              const rec = await redis.hget(keys.draw(concertId), `u${ticket}`);
              expect(rec).toBe(`${lane}|${ticket}|${i + 1}|${sorted[i]}`);
            }
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('asks for a longer stream when fans outnumber the words, and writes nothing until it has one', async () => {
    const keys = createKeys(`${inject('redisPrefix')}:draw-${randomBytes(3).toString('hex')}`);
    const seed = VECTOR.seed;
    const preQueue = { vip: [1, 2, 3], presale: [4, 5], normal: Array.from({ length: 50 }, (_, i) => i + 6) };
    await seedRoom(keys, 1, seed, preQueue);
    const short = await openSale(keys, 1, seed, drawWords(seed, 10));
    expect(short[0]).toBe('MORE');
    expect(Number(short[1])).toBeGreaterThanOrEqual(2 + 1 + 49);
    expect(await redis.hget(keys.sale(1), 'state')).toBe('QUEUE_OPEN');
    expect(await redis.exists(keys.drawOrder(1), keys.draw(1), keys.queueLog(1))).toBe(0);
    expect((await openSale(keys, 1, 'ab'.repeat(32), drawWords(seed, 100)))[0]).toBe('STALE');
    expect((await openSale(keys, 1, seed, drawWords(seed, Number(short[1]))))[0]).toBe('OK');
    expect(await redis.hget(keys.drawOrder(1), 'normal')).toBe(drawOrder(seed, preQueue).normal.join(','));
  });

  it('changes the order hash when the seed, the list or one ticket changes', () => {
    fc.assert(
      fc.property(seedArb, seedArb, laneArb(30), laneArb(30), laneArb(60), (seed, other, v, p, n) => {
        const lanes = distinctLanes(v, p, n);
        const { vip, presale, normal } = lanes;
        fc.pre(seed !== other && vip.length + presale.length + normal.length >= 2);
        const hash = (s: string, l: DrawLanes) => drawOrderHash(drawOrder(s, l));
        const base = hash(seed, lanes);
        expect(sdkOrderHash(drawOrder(seed, lanes))).toBe(base);
        // A different seed can give the same order for a tiny pre-queue (2 tickets: 1 in 2), never by design.
        if (vip.length + presale.length + normal.length >= 12) expect(hash(other, lanes)).not.toBe(base);
        const all = [...vip, ...presale, ...normal];
        const fresh = Math.max(...all) + 1;
        expect(hash(seed, { ...lanes, normal: [...normal, fresh] })).not.toBe(base);
        // The same ticket in another lane is another draw.
        expect(hash(seed, { ...lanes, presale: [...presale, fresh] })).not.toBe(
          hash(seed, { ...lanes, normal: [...normal, fresh] }),
        );
        const changed =
          normal.length > 0
            ? { ...lanes, normal: [fresh, ...normal.slice(1)] }
            : presale.length > 0
              ? { ...lanes, presale: [fresh, ...presale.slice(1)] }
              : { ...lanes, vip: [fresh, ...vip.slice(1)] };
        expect(hash(seed, changed)).not.toBe(base);
      }),
    );
  });

  it('records the seed in queue_shuffles within its 64 characters, and reads it back', () => {
    fc.assert(
      fc.property(seedArb, (seed) => {
        const recorded = recordedDrawSeed(seed);
        expect(recorded.length).toBeLessThanOrEqual(64);
        expect(seedFromRecord(recorded)).toBe(seed);
      }),
    );
    expect(seedFromRecord('xorshift32-fisher-yates:0badcafe')).toBeUndefined();
  });
});

const csv = (s: string | null | undefined) => (s ? s.split(',').map(Number) : []);

/** Three lanes with no ticket in two of them (a fan holds one ticket, in one lane). */
function distinctLanes(vip: number[], presale: number[], normal: number[]): DrawLanes {
  const p = presale.filter((t) => !vip.includes(t));
  return { vip, presale: p, normal: normal.filter((t) => !vip.includes(t) && !p.includes(t)) };
}

/** A concert's room in QUEUE_OPEN with `seed` committed and the pre-queue waiting (fan `u<ticket>`, laneSeq 1..n). */
async function seedRoom(
  keys: ReturnType<typeof createKeys>,
  concertId: number,
  seed: string,
  pre: DrawLanes,
) {
  const multi = redis.multi().hset(keys.sale(concertId), { state: 'QUEUE_OPEN', drawSeed: seed });
  for (const lane of LANES) {
    [...pre[lane]]
      .sort((a, b) => a - b)
      .forEach((ticket, i) => {
        multi.hset(keys.fans(concertId), `u${ticket}`, `W|${lane}|${ticket}|${i + 1}|1000|0|`);
        multi.zadd(keys.lane(concertId, lane), i + 1, `u${ticket}`);
      });
  }
  await multi.exec();
}

function openSale(keys: ReturnType<typeof createKeys>, concertId: number, seed: string, words: Buffer) {
  return createAdmissionScripts(redis, keys).openSale(concertId, [Date.now(), words, '1', seed]);
}
