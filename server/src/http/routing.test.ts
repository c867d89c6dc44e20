import { RegExpRouter } from 'hono/router/reg-exp-router';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/harness.ts';

let t: TestServer;
beforeAll(async () => {
  t = await createTestServer();
});
afterAll(() => t.close());

describe('routing', () => {
  // Hono picks its RegExpRouter only when every path pattern of the app fits it; one that does not sends every
  // request through the TrieRouter's slower match. Sub-apps with such patterns (the jobs dashboard) stay apart.
  it('every path pattern of the service app fits the RegExpRouter', () => {
    const router = new RegExpRouter<number>();
    for (const route of t.app.routes) router.add(route.method, route.path, 0);
    expect(() => router.match('GET', '/api/v1/health')).not.toThrow();
  });

  it('the jobs dashboard still answers under its own paths', async () => {
    const res = await t.call('GET', '/admin/queues/api/queues');
    // Behind the dashboard guard: no session cookie, so the guard answers before the board does.
    expect(res.status).toBe(401);
  });
});
