import type { AddressInfo } from 'node:net';
import { connect, type Socket } from 'node:net';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/harness.ts';

const TWENTY_MB = 20 * 1024 * 1024;

let t: TestServer;
let server: ReturnType<typeof serve>;
let port: number;
beforeAll(async () => {
  // The dev-token issuer is off, so its route answers 404 once it has read a body: the limit must come first.
  t = await createTestServer({ DEV_TOKENS: 'false' });
  server = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await t.close();
});

const sockets: Socket[] = [];

/** A raw HTTP/1.1 exchange: what the server answered, and whether it closed the connection. */
function rawRequest(head: string) {
  const socket: Socket = connect(port, '127.0.0.1');
  sockets.push(socket);
  socket.on('error', () => undefined); // writes after the server closed are expected
  let received = '';
  let closed = false;
  socket.on('data', (d) => {
    received += d.toString('utf8');
  });
  const closedPromise = new Promise<void>((resolve) =>
    socket.once('close', () => {
      closed = true;
      resolve();
    }),
  );
  socket.write(head);
  return {
    socket,
    answered: () => received.includes('\r\n\r\n'),
    closed: () => closed,
    /** Resolves once the server closed the connection; rejects after `ms` (the server kept reading). */
    async whenClosed(ms = 10_000) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        closedPromise,
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer and no close within ${ms} ms`)), ms);
        }),
      ]).finally(() => clearTimeout(timer));
      const status = Number(received.split(' ')[1]);
      const body = JSON.parse(received.slice(received.indexOf('{'), received.lastIndexOf('}') + 1));
      return { status, body };
    },
  };
}

describe('request body limit', () => {
  it('refuses a declared 20 MB body from its Content-Length, before reading it, and closes', async () => {
    const req = rawRequest(
      'POST /api/v1/auth/dev-token HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
        `Content-Length: ${TWENTY_MB}\r\n\r\n{"userId":"`,
    );
    // Only a few bytes of the 20 MB are ever sent.
    const { status, body } = await req.whenClosed();
    expect(status).toBe(413);
    expect(body).toMatchObject({ success: false, error: { code: 'PAYLOAD_TOO_LARGE' } });
  });

  it('stops a chunked body without Content-Length once it passes the limit, and closes', async () => {
    const req = rawRequest(
      'POST /api/v1/auth/dev-token HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
        'Transfer-Encoding: chunked\r\n\r\n',
    );
    const chunk = Buffer.alloc(64 * 1024, 'a');
    let sent = 0;
    while (sent < TWENTY_MB && !req.answered() && !req.closed()) {
      const flushed = req.socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
      sent += chunk.length;
      if (!flushed) {
        await new Promise<void>((resolve) => {
          req.socket.once('drain', resolve);
          req.socket.once('close', resolve);
        });
      }
      await new Promise((r) => setImmediate(r));
    }
    const { status, body } = await req.whenClosed();
    expect(status).toBe(413);
    expect(body.error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(sent).toBeLessThan(TWENTY_MB);
  });

  it('is configurable, and lets bodies under the limit through to validation', async () => {
    const small = await createTestServer({ MAX_BODY_BYTES: '1024' });
    try {
      const big = await small.call('POST', '/api/v1/auth/dev-token', {
        body: { userId: 'fan', name: 'n'.repeat(2_000) },
      });
      expect([big.status, big.body.error?.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
      const fits = await small.call('POST', '/api/v1/auth/dev-token', { body: { userId: 'a b' } });
      expect([fits.status, fits.body.error?.code]).toEqual([400, 'VALIDATION_ERROR']);
      // Routes that never read a body are covered too: the limit runs before any route.
      const unknown = await small.call('POST', '/no/such/route', { body: 'x'.repeat(2_000) });
      expect(unknown.status).toBe(413);
    } finally {
      await small.close();
    }
  });
});

describe('requests without a body, over a socket', () => {
  it('reach the route when they declare none or zero bytes; a body without a content type is still refused', async () => {
    const withTokens = await createTestServer();
    const wire = serve({ fetch: withTokens.app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise<void>((resolve) => wire.once('listening', () => resolve()));
    const base = `http://127.0.0.1:${(wire.address() as AddressInfo).port}`;
    try {
      const token = await withTokens.token({ id: 'no-body-fan' });
      // A concert that does not exist: a request that got past the body gate meets the route's 404.
      const enter = (headers: Record<string, string>, body?: string | Blob) =>
        fetch(`${base}/api/v1/concerts/987654321/queue`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, ...headers },
          body,
        }).then(async (res) => [
          res.status,
          ((await res.json()) as { error?: { code?: string } }).error?.code,
        ]);
      expect(await enter({})).toEqual([404, 'NOT_FOUND']);
      expect(await enter({ 'content-length': '0' })).toEqual([404, 'NOT_FOUND']);
      expect(await enter({ 'content-type': 'application/json' }, '{}')).toEqual([404, 'NOT_FOUND']);
      // Bytes with no Content-Type: the OpenAPI body gate's 415, in the envelope as VALIDATION_ERROR.
      expect(await enter({}, new Blob(['{}']))).toEqual([400, 'VALIDATION_ERROR']);
      expect(await enter({ 'content-type': 'application/json' }, '{')).toEqual([400, 'VALIDATION_ERROR']);
    } finally {
      await new Promise<void>((resolve) => wire.close(() => resolve()));
      await withTokens.close();
    }
  });
});
