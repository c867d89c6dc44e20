import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import { CrossSlotError } from '../../test/slot-guard.ts';
import { defineLua, defineScript, headerKeyCount, loadLua } from './scripts.ts';

const src = new URL('..', import.meta.url).pathname;
/** Every script; the fragments of server/src/redis/lua/ are included in scripts, not run alone. */
const luaFiles = readdirSync(src, { recursive: true, encoding: 'utf8' }).filter(
  (f) => f.endsWith('.lua') && !f.startsWith(join('redis', 'lua')),
);

let t: TestServer;
beforeAll(async () => {
  t = await createTestServer();
});
afterAll(() => t.close());

describe('Lua scripts and Redis Cluster slots', () => {
  it('refuses a script call whose keys hash to two slots, before it reaches Redis', async () => {
    const { redis, keys } = t.services;
    defineLua(redis, 'frSlotProbe', new URL('../admission/set-state.lua', import.meta.url), 1);
    const probe = redis as unknown as { frSlotProbe(...a: Array<string | number>): Promise<unknown> };
    // One concert's key: accepted (NO_SALE, as the sale was never loaded).
    await expect(probe.frSlotProbe(keys.sale(1), 'PAUSED', ',ON_SALE,')).resolves.toEqual(['NO_SALE']);

    defineLua(redis, 'frSlotProbe2', new URL('../admission/log-ack.lua', import.meta.url), 2);
    const probe2 = redis as unknown as { frSlotProbe2(...a: Array<string | number>): Promise<unknown> };
    const call = probe2.frSlotProbe2(keys.queueLogInflight(1), keys.queueLogLease(2), 'token');
    await expect(call).rejects.toBeInstanceOf(CrossSlotError);
    await expect(call).rejects.toThrow(/frSlotProbe2 called with keys in 2 slots/);
  });

  it("takes a script's key count from its header and refuses a call with another count", async () => {
    const { redis, keys } = t.services;
    const setState = defineScript(
      redis,
      'frSlotProbe3',
      new URL('../admission/set-state.lua', import.meta.url),
    );
    await expect(setState([keys.sale(1), keys.fans(1)], ['PAUSED', ',ON_SALE,'])).rejects.toThrow(
      'script frSlotProbe3 takes 1 keys, called with 2',
    );
    await expect(setState([keys.sale(1)], ['PAUSED', ',ON_SALE,'])).resolves.toEqual(['NO_SALE']);
    for (const file of luaFiles) {
      const lua = loadLua(new URL(file, new URL('..', import.meta.url)));
      expect(lua, file).not.toMatch(/^--- @include/m);
      const count = headerKeyCount(lua);
      if (count !== undefined) expect(lua, file).toContain(`KEYS[${count}]`);
    }
    expect(headerKeyCount(loadLua(new URL('../waiting-room/enter.lua', import.meta.url)))).toBe(16);
    expect(headerKeyCount(loadLua(new URL('../reservation-requests/claim.lua', import.meta.url)))).toBe(
      undefined,
    );
  });

  it('states the one-slot rule in the header of every script', () => {
    expect(luaFiles.length).toBeGreaterThanOrEqual(16);
    for (const file of luaFiles) {
      const header = readFileSync(join(src, file), 'utf8').split(']]')[0] ?? '';
      expect(header, file).toMatch(
        /Cluster: every key above carries the concert's hash tag \{c:<concertId>\}/,
      );
    }
  });
});
