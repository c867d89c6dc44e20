import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/harness.ts';

let t: TestServer;
let admin: string;
beforeAll(async () => {
  t = await createTestServer();
  admin = await t.token({ role: 'admin' });
});
afterAll(() => t.close());

const get = (path: string, headers: Record<string, string> = {}) => t.app.request(path, { headers });

describe('/admin/queues', () => {
  it('refuses anyone but an admin', async () => {
    expect((await get('/admin/queues')).status).toBe(401);
    expect((await get('/admin/queues/api/queues')).status).toBe(401);
    const fan = await t.token({});
    expect((await get('/admin/queues', { authorization: `Bearer ${fan}` })).status).toBe(403);
    expect((await get(`/admin/queues?token=${fan}`)).status).toBe(403);
    expect((await get('/admin/queues?token=forged.token.here')).status).toBe(401);
  });

  it('serves the dashboard to an admin bearer, listing the BullMQ queues', async () => {
    const page = await get('/admin/queues', { authorization: `Bearer ${admin}` });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/admin/queues/');
    const api = await get('/admin/queues/api/queues', { authorization: `Bearer ${admin}` });
    expect(api.status).toBe(200);
    const names = ((await api.json()) as { queues: Array<{ name: string }> }).queues.map((q) => q.name);
    expect(names).toEqual(expect.arrayContaining(['waiting-room', 'booking-holds']));
  });

  it('lets a browser in with ?token= once, then by an HttpOnly cookie scoped to the dashboard', async () => {
    const first = await get(`/admin/queues?token=${admin}`);
    expect(first.status).toBe(302);
    expect(first.headers.get('location')).toBe('/admin/queues');
    const cookie = first.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(cookie).toMatch(/Path=\/admin\/queues/);
    const jar = cookie.split(';')[0]!;
    expect((await get('/admin/queues', { cookie: jar })).status).toBe(200);
    expect((await get('/admin/queues/api/queues', { cookie: jar })).status).toBe(200);
    const js = readdirSync(
      fileURLToPath(new URL('../../../node_modules/@bull-board/ui/dist/static/js', import.meta.url)),
    ).find((f) => f.endsWith('.js'));
    const asset = await get(`/admin/queues/static/js/${js}`, { cookie: jar });
    expect(asset.status).toBe(200);
  });
});
