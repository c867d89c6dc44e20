import { FrontrowError } from './errors.ts';
import type { Envelope } from './protocol.ts';

/** A user token, or a function that returns one (called again once when the server answers 401). */
export type TokenSource =
  | string
  | null
  | undefined
  | (() => string | null | undefined | Promise<string | null | undefined>);

export interface RequestInit {
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  /** Send the user token (default true; the catalog and dev tokens do not need one). */
  auth?: boolean;
  /** Concert access token, sent as `X-Queue-Token`. */
  accessToken?: string | undefined;
  idempotencyKey?: string | undefined;
  signal?: AbortSignal | undefined;
}

export interface Transport {
  request<T>(method: string, path: string, init?: RequestInit): Promise<T>;
  /** The current user token, fetched from the source when not cached. */
  token(): Promise<string | undefined>;
  /** Forgets the cached token and asks the source again (single-flight). Undefined for a fixed token. */
  refreshToken(): Promise<string | undefined> | undefined;
}

/**
 * One function for every REST call: builds the URL, sends the tokens, unwraps the envelope and turns a failure
 * into a FrontrowError. A 401 re-asks a token function once (every request that failed at the same time waits for
 * the same refresh) and retries; a 401 means the server did nothing, so the retry is safe even for writes.
 */
export function createTransport(opts: {
  baseUrl: string;
  token?: TokenSource;
  fetch?: typeof globalThis.fetch;
}): Transport {
  const base = opts.baseUrl.replace(/\/+$/, '');
  const doFetch = opts.fetch ?? ((...args: Parameters<typeof fetch>) => globalThis.fetch(...args));
  const source = opts.token;
  let cached: Promise<string | undefined> | undefined;

  const ask = async () =>
    typeof source === 'function' ? ((await source()) ?? undefined) : (source ?? undefined);
  const token = () => {
    cached ??= ask().catch((err) => {
      cached = undefined; // a failed token function is asked again next time
      throw err;
    });
    return cached;
  };
  const refreshToken = () => {
    if (typeof source !== 'function') return undefined;
    cached = undefined;
    return token();
  };

  async function send(method: string, path: string, init: RequestInit, bearer: string | undefined) {
    const url = new URL(base + path, base === '' ? globalThis.location?.href : undefined);
    for (const [k, v] of Object.entries(init.query ?? {}))
      if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { accept: 'application/json' };
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    if (init.accessToken) headers['x-queue-token'] = init.accessToken;
    if (init.idempotencyKey) headers['idempotency-key'] = init.idempotencyKey;
    let body: string | undefined;
    if (init.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.body);
    }
    try {
      return await doFetch(url, { method, headers, body, ...(init.signal ? { signal: init.signal } : {}) });
    } catch (err) {
      if ((err as Error)?.name === 'AbortError') throw err;
      throw new FrontrowError('NETWORK_ERROR', `${method} ${path} failed: ${(err as Error)?.message}`, {
        cause: err,
      });
    }
  }

  async function request<T>(method: string, path: string, init: RequestInit = {}): Promise<T> {
    const auth = init.auth ?? true;
    const sent = auth ? await token() : undefined;
    let res = await send(method, path, init, sent);
    if (res.status === 401 && auth && typeof source === 'function') {
      // Another request may have refreshed meanwhile: only ask again if the token we sent is still the cached one.
      const current = await token();
      const fresh = current !== sent ? current : await refreshToken();
      res = await send(method, path, init, fresh);
    }
    return unwrap<T>(res, method, path);
  }

  return { request, token, refreshToken };
}

async function unwrap<T>(res: Response, method: string, path: string): Promise<T> {
  const requestId = res.headers.get('x-request-id') ?? undefined;
  const retry = Number(res.headers.get('retry-after'));
  const meta = {
    status: res.status,
    ...(requestId ? { requestId } : {}),
    ...(retry > 0 ? { retryAfter: retry } : {}),
  };
  const text = await res.text();
  let envelope: Envelope<T> | undefined;
  try {
    envelope = JSON.parse(text) as Envelope<T>;
  } catch {
    envelope = undefined;
  }
  if (envelope && typeof envelope === 'object' && 'success' in envelope) {
    if (envelope.success) return envelope.data;
    throw FrontrowError.fromBody(envelope.error, meta);
  }
  // Not our envelope: a proxy's error page, an HTML 404 from a wrong baseUrl, a body cut short.
  throw new FrontrowError('NETWORK_ERROR', `${method} ${path}: unexpected ${res.status} response`, meta);
}
