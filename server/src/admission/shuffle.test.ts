import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { newShuffleSeed, replayShuffle, xorshift32 } from './shuffle.ts';

const redis = new Redis(inject('redisUrl'));
afterAll(() => redis.quit());

/** open-sale.lua's generator, alone, so its bit arithmetic can be compared with the TypeScript replay. */
const LUA_XORSHIFT = `
local x = tonumber(ARGV[1], 16)
local out = {}
for i = 1, tonumber(ARGV[2]) do
  x = bit.bxor(x, bit.lshift(x, 13))
  x = bit.bxor(x, bit.rshift(x, 17))
  x = bit.bxor(x, bit.lshift(x, 5))
  out[i] = tostring(x % 4294967296)
end
return out`;

describe('the pre-queue shuffle', () => {
  it('uses xorshift32 (Marsaglia): the reference sequence from seed 1', () => {
    const next = xorshift32(1);
    expect([next(), next(), next()]).toEqual([270_369, 67_634_689, 2_647_435_461]);
  });

  it('draws the same numbers in Redis Lua as in TypeScript, for any seed', async () => {
    for (const seed of ['00000001', 'deadbeef', 'ffffffff', '80000000', newShuffleSeed()]) {
      const lua = (await redis.eval(LUA_XORSHIFT, 0, seed, 200)) as string[];
      const next = xorshift32(Number.parseInt(seed, 16));
      expect(lua.map(Number), seed).toEqual(Array.from({ length: 200 }, () => next()));
    }
  });

  it('is a permutation of each lane, reproducible from its seed, and differs between seeds', () => {
    const vip = Array.from({ length: 50 }, (_, i) => `v${i}`);
    const normal = Array.from({ length: 500 }, (_, i) => `n${i}`);
    const a = replayShuffle('0badcafe', { vip, normal });
    expect([...a.vip].sort()).toEqual([...vip].sort());
    expect([...a.normal].sort()).toEqual([...normal].sort());
    expect(a.normal).not.toEqual(normal);
    expect(replayShuffle('0badcafe', { vip, normal })).toEqual(a);
    expect(replayShuffle('0badcaff', { vip, normal }).normal).not.toEqual(a.normal);
    expect(replayShuffle('12345678', { vip: [], normal: ['only'] })).toEqual({ vip: [], normal: ['only'] });
  });

  it('draws fresh 8-hex-digit seeds, never 0', () => {
    const seeds = Array.from({ length: 100 }, newShuffleSeed);
    for (const s of seeds) expect(s).toMatch(/^[0-9a-f]{8}$/);
    expect(seeds).not.toContain('00000000');
    expect(new Set(seeds).size).toBeGreaterThan(95);
  });
});
