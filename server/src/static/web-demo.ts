import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { serveStatic } from '@hono/node-server/serve-static';
import type { Hono } from 'hono';
import type { AppEnv } from '../http/context.ts';

/** Where `npm run build -w @frontrow/web-demo` writes the fan page and the dashboard. */
export const WEB_DEMO_DIST = fileURLToPath(new URL('../../../web-demo/dist', import.meta.url));

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Frontrow</title>
<body style="font-family:system-ui;max-width:40rem;margin:4rem auto;line-height:1.5">
<h1>Frontrow is running</h1>
<p>The web demo has not been built yet. Run <code>npm run build -w @frontrow/web-demo</code> (or restart with
<code>npm start</code>, which builds it when missing), then reload.</p>
<p>The API is up meanwhile: <a href="/docs">/docs</a> · <a href="/openapi.json">/openapi.json</a> ·
<a href="/health">/health</a></p></body>`;

/**
 * The web demo's static files for createHttpApp's `extra` hook: `/` is the fan page, `/admin.html` the organiser
 * dashboard. Vite names assets by content hash, so they are cached for good; pages are revalidated every time.
 */
export function webDemoRoutes(root = WEB_DEMO_DIST) {
  return (app: Hono<AppEnv>) => {
    if (!existsSync(root)) {
      app.get('/', (c) => c.html(NOT_BUILT));
      return;
    }
    app.use('/assets/*', async (c, next) => {
      await next();
      if (c.res.status === 200) c.header('Cache-Control', 'public, max-age=31536000, immutable');
    });
    app.use('*', async (c, next) => {
      await next();
      if (c.res.headers.get('content-type')?.startsWith('text/html')) c.header('Cache-Control', 'no-cache');
    });
    app.use('*', serveStatic({ root }));
  };
}
