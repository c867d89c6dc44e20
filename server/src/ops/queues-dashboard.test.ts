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
    expect((await get('/admin/queues?code=not-a-code')).status).toBe(401);
    // A token in the URL is not a way in: proxies and browsers log query strings.
    expect((await get(`/admin/queues?token=${admin}`)).status).toBe(401);
    const fanCode = await t.app.request('/admin/queues/code', {
      method: 'POST',
      headers: { authorization: `Bearer ${fan}` },
    });
    expect(fanCode.status).toBe(403);
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

  it('lets a browser in with a one-time code exchanged for an HttpOnly session cookie', async () => {
    const code = await newCode(t, admin);
    expect(await t.services.redis.pttl(t.services.keys.dashboardCode(code))).toBeLessThanOrEqual(60_000);
    const first = await get(`/admin/queues?code=${code}`);
    expect(first.status).toBe(302);
    expect(first.headers.get('location')).toBe('/admin/queues');
    const cookie = first.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(cookie).toMatch(/Path=\/admin\/queues/);
    expect(cookie).not.toMatch(/Secure/);
    expect(cookie).not.toContain(admin);
    const jar = cookie.split(';')[0]!;
    expect((await get('/admin/queues', { cookie: jar })).status).toBe(200);
    expect((await get('/admin/queues/api/queues', { cookie: jar })).status).toBe(200);
    const js = readdirSync(
      fileURLToPath(new URL('../../../node_modules/@bull-board/ui/dist/static/js', import.meta.url)),
    ).find((f) => f.endsWith('.js'));
    const asset = await get(`/admin/queues/static/js/${js}`, { cookie: jar });
    expect(asset.status).toBe(200);
    // Single use.
    expect((await get(`/admin/queues?code=${code}`)).status).toBe(401);
  });

  it('marks the cookie Secure behind a TLS-terminating proxy only when the proxy is trusted', async () => {
    const proxied = await createTestServer({ TRUST_PROXY: 'true' });
    try {
      const code = await newCode(proxied, await proxied.token({ role: 'admin' }));
      const res = await proxied.app.request(`/admin/queues?code=${code}`, {
        headers: { 'x-forwarded-proto': 'https' },
      });
      expect(res.status).toBe(302);
      expect(res.headers.get('set-cookie')).toMatch(/Secure/);
    } finally {
      await proxied.close();
    }
    const code = await newCode(t, admin);
    const direct = await get(`/admin/queues?code=${code}`, { 'x-forwarded-proto': 'https' });
    expect(direct.headers.get('set-cookie')).not.toMatch(/Secure/);
  });
});

async function newCode(server: TestServer, adminToken: string): Promise<string> {
  const res = await server.app.request('/admin/queues/code', {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}` },
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { data: { code: string; expiresAt: string } };
  expect(Date.parse(body.data.expiresAt) - Date.now()).toBeLessThanOrEqual(60_000);
  return body.data.code;
}
