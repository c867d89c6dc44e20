import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebhookDelivery, WebhookEvent } from '@frontrow/client/protocol';
import { verifyWebhook } from '@frontrow/client/webhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, eventually, type TestServer } from '../../test/harness.ts';
import { createFans, createSale, enter, QUIET, statusOf } from '../waiting-room/testing.ts';
import { signatureHeader } from './signing.ts';

interface Received {
  body: string;
  signature: string;
  res: ServerResponse;
}

/** A local receiver; `answer` decides each request's fate (a status, or undefined to never answer). */
async function receiver(answer: (n: number) => number | undefined) {
  const received: Received[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      received.push({ body, signature: String(req.headers['frontrow-signature']), res });
      const status = answer(received.length);
      if (status !== undefined) res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return {
    url,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const SECRET = 'whsec_test_0123456789abcdef';

describe('signed webhooks', () => {
  let t: TestServer;
  let admin: string;
  beforeAll(async () => {
    t = await createTestServer(QUIET, { webhooks: { attempts: 4, backoffMs: 200, timeoutMs: 500 } });
    admin = await t.token({ role: 'admin' });
    await t.startWorkers();
  });
  afterAll(() => t.close());

  const register = async (url: string, events: string[]) => {
    const res = await t.call('POST', '/api/v1/admin/webhooks', {
      token: admin,
      body: { url, events, secret: SECRET },
    });
    expect(res.status).toBe(201);
    return res.body.data.webhookId as string;
  };
  const deliveries = async (webhookId: string): Promise<WebhookDelivery[]> =>
    (await t.call('GET', `/api/v1/admin/webhooks/${webhookId}/deliveries`, { token: admin })).body.data;

  it('retries with backoff until the receiver accepts, signed, with one event id', async () => {
    const rx = await receiver((n) => (n <= 2 ? 500 : 204));
    try {
      const webhookId = await register(rx.url, ['sale.opened', 'sale.paused']);
      const concertId = await createSale(t, admin);
      await t.call('POST', `/api/v1/admin/concerts/${concertId}/sale/open`, { token: admin });
      await eventually(async () => (rx.received.length >= 3 ? true : undefined), 15_000, 'three attempts');
      const events = rx.received.map((r) => verifyWebhook(r.body, r.signature, SECRET));
      expect(new Set(events.map((e) => e.id)).size).toBe(1);
      expect(events[0]).toMatchObject({ type: 'sale.opened', data: { concertId } });
      const log = await eventually(async () => {
        const d = await deliveries(webhookId);
        return d.length >= 3 ? d : undefined;
      });
      expect(log.map((d) => [d.attempt, d.outcome, d.httpStatus])).toEqual([
        [3, 'DELIVERED', 204],
        [2, 'RETRYING', 500],
        [1, 'RETRYING', 500],
      ]);
      // Pausing is the next event, with a new id.
      await t.call('POST', `/api/v1/admin/concerts/${concertId}/sale/pause`, { token: admin });
      await eventually(async () => (rx.received.length >= 4 ? true : undefined), 10_000, 'the pause');
      const paused = verifyWebhook(rx.received[3]!.body, rx.received[3]!.signature, SECRET);
      expect(paused).toMatchObject({ type: 'sale.paused', data: { concertId } });
      expect(paused.id).not.toBe(events[0]!.id);
    } finally {
      await rx.close();
    }
  });

  it('a receiver that never answers holds up no fan: its delivery times out in the worker', async () => {
    const rx = await receiver(() => undefined);
    try {
      const webhookId = await register(rx.url, ['sale.opened']);
      const concertId = await createSale(t, admin);
      const opened = await t.call('POST', `/api/v1/admin/concerts/${concertId}/sale/open`, {
        token: admin,
        body: { intervalSeconds: 1, groupSize: 100 },
      });
      expect(opened.status).toBe(200);
      await eventually(async () => (rx.received.length >= 1 ? true : undefined), 10_000, 'the delivery');
      // While the receiver holds the delivery open, the drop goes on: fans enter, and the same worker role's
      // admission ticks admit them.
      const fans = await createFans(t, 50);
      const entered = await Promise.all(fans.map((f) => enter(t, concertId, f)));
      expect(entered.map((r) => r.status)).toEqual(fans.map(() => 201));
      await eventually(
        async () => {
          const statuses = await Promise.all(fans.map((f) => statusOf(t, concertId, f)));
          return statuses.every((x) => x.status === 'READY') ? true : undefined;
        },
        15_000,
        'every fan admitted',
      );
      expect(rx.received.every((r) => !r.res.writableEnded)).toBe(true);
      const [first] = await eventually(async () => {
        const d = await deliveries(webhookId);
        return d.length > 0 ? d.slice(-1) : undefined;
      });
      expect(first).toMatchObject({
        attempt: 1,
        outcome: 'RETRYING',
        httpStatus: null,
        error: 'no answer within 500 ms',
      });
    } finally {
      await rx.close();
    }
  });

  it('lists, pings and deletes webhooks; never shows the secret again', async () => {
    const rx = await receiver(() => 200);
    try {
      const webhookId = await register(rx.url, ['reservation.paid']);
      const listed = (await t.call('GET', '/api/v1/admin/webhooks', { token: admin })).body.data;
      expect(listed.find((w: { webhookId: string }) => w.webhookId === webhookId)).toEqual({
        webhookId,
        url: rx.url,
        events: ['reservation.paid'],
        createdAt: expect.any(String),
      });
      expect(JSON.stringify(listed)).not.toContain(SECRET);
      const ping = await t.call('POST', `/api/v1/admin/webhooks/${webhookId}/ping`, { token: admin });
      expect(ping.status).toBe(202);
      await eventually(async () => (rx.received.length >= 1 ? true : undefined), 10_000, 'the ping');
      const event: WebhookEvent = verifyWebhook(rx.received[0]!.body, rx.received[0]!.signature, SECRET);
      expect(event).toMatchObject({ id: ping.body.data.eventId, type: 'ping', data: { webhookId } });
      const removed = await t.call('DELETE', `/api/v1/admin/webhooks/${webhookId}`, { token: admin });
      expect(removed.status).toBe(200);
      expect((await t.call('DELETE', `/api/v1/admin/webhooks/${webhookId}`, { token: admin })).status).toBe(
        404,
      );
      expect(
        (await t.call('GET', `/api/v1/admin/webhooks/${webhookId}/deliveries`, { token: admin })).status,
      ).toBe(404);
    } finally {
      await rx.close();
    }
  });

  it('answers bad input in the error envelope, and only to admins', async () => {
    const good = { url: 'https://example.com/hook', events: ['sale.opened'], secret: SECRET };
    const bad = [
      { ...good, url: 'ftp://example.com/hook' },
      { ...good, url: 'javascript:alert(1)' },
      { ...good, url: 'file:///etc/passwd' },
      { ...good, url: 'not a url' },
      { ...good, events: [] },
      { ...good, events: ['sale.exploded'] },
      { ...good, secret: 'short' },
      {},
    ];
    for (const body of bad) {
      const res = await t.call('POST', '/api/v1/admin/webhooks', { token: admin, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_ERROR');
    }
    expect((await t.call('DELETE', '/api/v1/admin/webhooks/nope', { token: admin })).status).toBe(400);
    const [fan] = await createFans(t, 1);
    expect((await t.call('POST', '/api/v1/admin/webhooks', { token: fan!.token, body: good })).status).toBe(
      403,
    );
    expect((await t.call('GET', '/api/v1/admin/webhooks')).status).toBe(401);
  });
});

describe('verifyWebhook', () => {
  const body = JSON.stringify({
    id: 'evt_1',
    type: 'sale.opened',
    createdAt: '2030-01-01T00:00:00Z',
    data: {},
  });
  const t = 1_900_000_000;
  const now = () => t * 1000 + 30_000;
  const header = signatureHeader(SECRET, t, body);

  it("accepts the server's signature within the tolerance", () => {
    expect(verifyWebhook(body, header, SECRET, { now }).id).toBe('evt_1');
    expect(verifyWebhook(body, `v1=${'0'.repeat(64)}, ${header}`, SECRET, { now }).id).toBe('evt_1');
  });

  it('refuses a changed body, another secret, an old or future timestamp, and a malformed header', () => {
    expect(() => verifyWebhook(body.replace('opened', 'closed'), header, SECRET, { now })).toThrow(
      /does not match/,
    );
    expect(() => verifyWebhook(body, header, `${SECRET}x`, { now })).toThrow(/does not match/);
    expect(() => verifyWebhook(body, header, SECRET, { now: () => t * 1000 + 301_000 })).toThrow(/tolerance/);
    expect(() => verifyWebhook(body, header, SECRET, { now: () => t * 1000 - 301_000 })).toThrow(/tolerance/);
    expect(() =>
      verifyWebhook(body, header, SECRET, { now: () => t * 1000 + 301_000, toleranceSeconds: 600 }),
    ).not.toThrow();
    const forged = header.replace(/t=\d+/, `t=${t + 10}`);
    expect(() => verifyWebhook(body, forged, SECRET, { now })).toThrow(/does not match/);
    for (const h of [undefined, ''])
      expect(() => verifyWebhook(body, h, SECRET, { now })).toThrow(/no Frontrow-Signature header/);
    for (const h of ['garbage', `t=${t}`, `v1=${'a'.repeat(64)}`])
      expect(() => verifyWebhook(body, h, SECRET, { now }), h).toThrow(/malformed Frontrow-Signature header/);
  });
});
