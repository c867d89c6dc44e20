import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import { scheduleDirectory } from './context.ts';
import { createConcert } from './testing.ts';

let t: TestServer;
beforeAll(async () => {
  t = await createTestServer();
});
afterAll(() => t.close());

describe('schedule directory', () => {
  it('answers a flood of made-up schedule ids from memory for a few seconds, then asks MySQL again', async () => {
    const db = t.services.database.db;
    const select = vi.spyOn(db, 'select');
    let clock = 1_000_000;
    const scheduleOf = scheduleDirectory(db, { unknownTtlMs: 5_000, now: () => clock });
    try {
      for (let i = 0; i < 50; i++) {
        await expect(scheduleOf(1_999_999_999)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      }
      expect(select).toHaveBeenCalledTimes(1);
      clock += 5_001;
      await expect(scheduleOf(1_999_999_999)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      expect(select).toHaveBeenCalledTimes(2);

      // A real schedule is found, and then remembered.
      const concert = await createConcert(t);
      select.mockClear();
      for (let i = 0; i < 5; i++) {
        expect((await scheduleOf(concert.scheduleId)).concertId).toBe(concert.concertId);
      }
      expect(select).toHaveBeenCalledTimes(1);
    } finally {
      select.mockRestore();
    }
  });
});
