import type { IncomingMessage, ServerResponse } from 'node:http';
import { Scalar } from '@scalar/hono-api-reference';
import type { Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import type { Logger } from '../logging/logger.ts';
import { type AppEnv, requestLogger } from './context.ts';
import { AppError, asDependencyError } from './errors.ts';
import { createRouter } from './router.ts';

export interface HttpOptions {
  logger: Logger;
  /** Largest request body of any route, in bytes (64 KB when not given). */
  maxBodyBytes?: number;
  /** Counts an answered request by route pattern and status, with its duration (ops/metrics.ts). */
  observeRequest?: (c: Context<AppEnv>, seconds: number) => void;
  /**
   * Feature routers, mounted at the root in order. Each route carries its own security, guards and rate limit
   * (http/presets.ts).
   */
  routers: Array<Hono<AppEnv>>;
  /** Raw (non-OpenAPI) routes added after the API, for example the web demo's static files. */
  extra?: (app: Hono<AppEnv>) => void;
  /** Tags of the OpenAPI document that carry a description. */
  tags?: Array<{ name: string; description: string }>;
}

/**
 * The Hono application: request ids, JSON access logs, the error envelope and the OpenAPI document. Feature
 * routes come in from the composition root; this file knows none of them.
 */
export function createHttpApp({
  logger,
  routers,
  extra,
  observeRequest,
  maxBodyBytes = 64 * 1024,
  tags,
}: HttpOptions) {
  const app = createRouter();

  const debug = logger.isLevelEnabled('debug');
  // Request id, logger, metrics and access log in one layer. A caller's X-Request-Id is kept only when it is short
  // and plain, so logs cannot be forged through it; otherwise the request gets a new one.
  app.use(async (c, next) => {
    const given = c.req.header('x-request-id');
    const id = given && given.length <= 64 && !/[^\w\-=]/.test(given) ? given : crypto.randomUUID();
    c.set('requestId', id);
    // Over HTTP the header goes on Node's response directly: a header set through Hono makes a Fetch Headers
    // object for the response, which @hono/node-server then converts back, on every request.
    const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
    if (outgoing) outgoing.setHeader('X-Request-Id', id);
    else c.header('X-Request-Id', id);
    c.set('baseLogger', logger);
    const started = performance.now();
    await next();
    const ms = performance.now() - started;
    observeRequest?.(c, ms / 1000);
    const status = c.res.status;
    if (status < 500 && !debug) return;
    const line = { method: c.req.method, path: c.req.path, status, ms: Math.round(ms * 10) / 10 };
    if (status >= 500) requestLogger(c).error(line, 'request');
    else requestLogger(c).debug(line, 'request');
  });

  // Every route, known or not, before any guard or parser: a declared Content-Length over the limit is refused
  // unread, a chunked body is counted as it streams in and cut off at the limit. @hono/node-server then drains
  // what is left for a bounded time and closes the connection; closing at once instead would reset it with the
  // client's data unread, and the client would lose the 413.
  const tooLarge = (c: Context<AppEnv>) => {
    const error = new AppError('PAYLOAD_TOO_LARGE', `Request body over ${maxBodyBytes} bytes`, {
      maxBytes: maxBodyBytes,
    });
    return c.json({ success: false, error: error.toBody() }, 413);
  };
  const limitBody = bodyLimit({ maxSize: maxBodyBytes, onError: tooLarge });
  app.use(async (c, next) => {
    // bodyLimit's own first step reads `c.req.raw.body`, which makes @hono/node-server build a full Request for
    // every request. On a request that came in over HTTP/1.1 (its IncomingMessage is `c.env.incoming`), the cases
    // it settles from the headers alone are settled here the same way, without that: GET and HEAD carry no body it
    // looks at, and a request with neither Content-Length nor Transfer-Encoding has none at all (RFC 9112 6.3),
    // nor has one that declares zero bytes.
    // A chunked body, and any request handed to `app.fetch` directly, still go through bodyLimit.
    const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
    if (incoming) {
      const method = c.req.method;
      if (method === 'GET' || method === 'HEAD') return next();
      const { 'content-length': length, 'transfer-encoding': chunked } = incoming.headers;
      if (chunked === undefined) {
        if (length === undefined || length === '0') {
          // No body, so a null one, as a Fetch Request without a body has: @hono/node-server would otherwise build a
          // stream (and a full Request) for it, and the OpenAPI body gate clones it to find it empty.
          Object.defineProperty(c.req.raw, 'body', { value: null, configurable: true });
          return next();
        }
        return Number.parseInt(length, 10) > maxBodyBytes ? tooLarge(c) : next();
      }
    }
    return limitBody(c, next);
  });
  for (const router of routers) app.route('/', router);

  const documentConfig = {
    openapi: '3.1.0',
    info: {
      title: 'Frontrow API',
      version: '0.1.0',
      description:
        'Virtual waiting room and ticketing. Every response is an envelope: `{success: true, data}` or ' +
        '`{success: false, error: {code, message, details?}}`. Times are ISO 8601 UTC; money is integer won.',
    },
    ...(tags?.length ? { tags } : {}),
  };
  app.get('/openapi.json', (c) => c.json(app.getOpenAPI31Document(documentConfig)));
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', { type: 'http', scheme: 'bearer' });
  app.openAPIRegistry.registerComponent('securitySchemes', 'queueToken', {
    type: 'apiKey',
    in: 'header',
    name: 'X-Queue-Token',
  });
  app.get('/docs', Scalar({ url: '/openapi.json', pageTitle: 'Frontrow API' }));

  extra?.(app);

  app.notFound((c) =>
    c.json(
      { success: false, error: { code: 'NOT_FOUND', message: `No route for ${c.req.method} ${c.req.path}` } },
      404,
    ),
  );

  app.onError((err, c) => {
    const appError = toAppError(err);
    if (appError.status >= 500 && appError.code !== 'DEPENDENCY_UNAVAILABLE') {
      (c.get('baseLogger') ? requestLogger(c) : logger).error({ err, path: c.req.path }, 'unhandled error');
    }
    // Every 429 says when to come back (the OpenAPI document promises it); 503s only when they know.
    const retryAfter = appError.retryAfter ?? (appError.status === 429 ? 1 : undefined);
    if (retryAfter !== undefined) c.header('Retry-After', String(Math.max(1, Math.ceil(retryAfter))));
    return c.json({ success: false, error: appError.toBody() }, appError.status);
  });

  return app;
}

function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof HTTPException) {
    // Hono's own 4xx (malformed JSON, body too large, ...) are input errors.
    if (err.status === 415) return new AppError('VALIDATION_ERROR', 'Content-Type must be application/json');
    if (err.status < 500) return new AppError('VALIDATION_ERROR', err.message || 'Invalid request');
  }
  const dependency = asDependencyError(err) ?? asDependencyError((err as { cause?: unknown })?.cause);
  if (dependency) return dependency;
  return new AppError('INTERNAL_ERROR', 'Internal error');
}
