import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createRealtime } from '../src/compose.ts';
import type { Gateway } from '../src/realtime/gateway.ts';
import { createTestServer, type TestServer } from './harness.ts';

export interface LiveServer {
  t: TestServer;
  url: string;
  gateway: Gateway;
  close(): Promise<void>;
}

/**
 * The real server on a real port, the way `main.ts` runs it: the app of `createTestServer` (API and the web
 * demo's static files) and the Socket.IO gateway on the same HTTP server.
 */
export async function startLiveServer(
  opts: { env?: Record<string, string>; workers?: boolean } = {},
): Promise<LiveServer> {
  const t = await createTestServer(opts.env ?? {});
  const http = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' }) as HttpServer;
  await new Promise<void>((resolve) =>
    http.listening ? resolve() : http.once('listening', () => resolve()),
  );
  const gateway = createRealtime(http, t.services);
  if (opts.workers) await t.startWorkers();
  return {
    t,
    gateway,
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    async close() {
      await gateway.close();
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      });
      await t.close();
    },
  };
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `ms`. */
export async function until<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  ms = 10_000,
) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
