import type { AddressInfo } from 'node:net';
import { ERROR_CODES } from '@frontrow/client/protocol';
import { serve } from '@hono/node-server';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../logging/logger.ts';
import { createHttpApp } from './app.ts';
import { AppError, httpStatus } from './errors.ts';
import { createRouter } from './router.ts';

const expected: Record<string, number> = {
  VALIDATION_ERROR: 400,
  PAYLOAD_TOO_LARGE: 413,
  UNAUTHENTICATED: 401,
  INVALID_TOKEN: 401,
  TOKEN_EXPIRED: 401,
  INSUFFICIENT_POINTS: 402,
  FORBIDDEN: 403,
  NOT_ADMITTED: 403,
  WRONG_CONCERT: 403,
  NOT_FOUND: 404,
  SEAT_UNAVAILABLE: 409,
  ALREADY_PAID: 409,
  RESERVATION_EXPIRED: 409,
  QUEUE_NOT_OPEN: 409,
  BOOKING_CLOSED: 409,
  SESSION_ENDED: 409,
  ALREADY_PROCESSING: 409,
  QUEUE_LIVE: 409,
  ALREADY_EXTENDED: 409,
  ALREADY_CANCELLED: 409,
  ALREADY_IN_QUEUE: 409,
  REFUND_WINDOW_CLOSED: 409,
  SOLD_OUT: 409,
  SEAT_LIMIT_EXCEEDED: 422,
  CHARGE_LIMIT_EXCEEDED: 422,
  IDEMPOTENCY_KEY_REUSED: 422,
  RATE_LIMITED: 429,
  QUEUE_FULL: 503,
  DEPENDENCY_UNAVAILABLE: 503,
  INTERNAL_ERROR: 500,
  INVALID_ACCESS_CODE: 403,
  INVALID_PROOF_OF_WORK: 403,
};

function appThrowingRouter(err: () => unknown) {
  const router = createRouter();
  router.get('/boom', () => {
    throw err();
  });
  return router;
}

function appThrowing(err: () => unknown) {
  return createHttpApp({ logger: createLogger('silent'), routers: [appThrowingRouter(err)] });
}

describe('error envelope', () => {
  it.each(ERROR_CODES.map((c) => [c]))('%s maps to its status (docs/api.md) and envelope', async (code) => {
    expect(httpStatus(code)).toBe(expected[code]);
    const app = appThrowing(() => new AppError(code, `because ${code}`, { hint: 1 }));
    const res = await app.request('/boom');
    expect(res.status).toBe(expected[code]);
    expect(await res.json()).toEqual({
      success: false,
      error: { code, message: `because ${code}`, details: { hint: 1 } },
    });
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sets Retry-After on errors that know when to come back', async () => {
    const res = await appThrowing(() => new AppError('RATE_LIMITED', 'slow down', undefined, 2.2)).request(
      '/boom',
    );
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('3');
  });

  it('hides unknown errors behind a generic 500', async () => {
    const res = await appThrowing(() => new Error('secret internals at /etc/passwd')).request('/boom');
    expect(res.status).toBe(500);
    const body = await res.json();
    expect(body).toEqual({ success: false, error: { code: 'INTERNAL_ERROR', message: 'Internal error' } });
  });

  it('turns a lost connection into 503 DEPENDENCY_UNAVAILABLE, not a 500', async () => {
    const res = await appThrowing(() =>
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    ).request('/boom');
    expect(res.status).toBe(503);
    expect((await res.json()).error.code).toBe('DEPENDENCY_UNAVAILABLE');
  });

  it('answers unknown routes with a 404 envelope', async () => {
    const res = await appThrowing(() => undefined).request('/nope', { method: 'DELETE' });
    expect(res.status).toBe(404);
    expect((await res.json()).error.code).toBe('NOT_FOUND');
  });

  it('keeps a plain caller-supplied request id and replaces a hostile one', async () => {
    const app = appThrowing(() => new AppError('NOT_FOUND', 'x'));
    const kept = await app.request('/boom', { headers: { 'x-request-id': 'abc-123' } });
    expect(kept.headers.get('x-request-id')).toBe('abc-123');
    const replaced = await app.request('/boom', { headers: { 'x-request-id': 'a'.repeat(300) } });
    expect(replaced.headers.get('x-request-id')).not.toBe('a'.repeat(300));
  });

  it('gives every answer over a socket its request id and one Content-Type, errors and unknown routes included', async () => {
    const ok = createRouter();
    ok.get('/fine', (c) => c.json({ success: true, data: 1 }));
    const observed: number[] = [];
    const app = createHttpApp({
      logger: createLogger('silent'),
      routers: [ok, appThrowingRouter(() => new AppError('SEAT_UNAVAILABLE', 'taken'))],
      observeRequest: (c) => observed.push(c.res.status),
    });
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      for (const [path, status] of [
        ['/fine', 200],
        ['/boom', 409],
        ['/nope', 404],
      ] as const) {
        const res = await fetch(base + path, {
          headers: path === '/fine' ? { 'x-request-id': 'abc-123' } : {},
        });
        expect(res.status, path).toBe(status);
        expect(res.headers.get('content-type'), path).toBe('application/json');
        expect(res.headers.get('x-request-id'), path).toMatch(
          path === '/fine' ? /^abc-123$/ : /^[0-9a-f-]{36}$/,
        );
        expect((await res.json()).success, path).toBe(status === 200);
      }
      expect(observed).toEqual([200, 409, 404]);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
