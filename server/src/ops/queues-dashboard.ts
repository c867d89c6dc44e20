import { randomBytes } from 'node:crypto';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { HonoAdapter } from '@bull-board/hono';
import { serveStatic } from '@hono/node-server/serve-static';
import type { Queue } from 'bullmq';
import { Hono, type MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { type AuthGuards, bearerToken } from '../auth/middleware.ts';
import type { AuthUser } from '../auth/user-tokens.ts';
import type { Config } from '../config/index.ts';
import { type AppContext, type AppEnv, currentUser, ok } from '../http/context.ts';
import { AppError } from '../http/errors.ts';
import type { RedisClient } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import { forwardedEntry } from './rate-limit.ts';

export const QUEUES_DASHBOARD_PATH = '/admin/queues';
const COOKIE = 'frontrow_queues_session';
const CODE_TTL_MS = 60_000;
const MAX_SESSION_MS = 12 * 3_600_000;

export interface QueuesDashboardDeps {
  /** The queues to show, listed again at every page or API call (per-concert queues come and go). */
  queues: () => Promise<readonly Queue[]>;
  guards: AuthGuards;
  redis: RedisClient;
  keys: Pick<Keys, 'dashboardCode' | 'dashboardSession'>;
  config: Pick<Config, 'trustProxy' | 'trustProxyHops'>;
}

type Stored = Omit<AuthUser, 'expiresAt'> & { expiresAtMs: number };

const newSecret = () => randomBytes(32).toString('base64url');
const isSecret = (s: string | undefined): s is string => !!s && /^[\w-]{43}$/.test(s);

/** https when the request reached the proxy over TLS (a trusted proxy's X-Forwarded-Proto) or reached us so. */
function isHttps(c: AppContext, config: QueuesDashboardDeps['config']): boolean {
  const forwarded = config.trustProxy
    ? forwardedEntry(c.req.header('x-forwarded-proto'), config.trustProxyHops)
    : undefined;
  return (forwarded ?? new URL(c.req.url).protocol.slice(0, -1)).toLowerCase() === 'https';
}

async function take(redis: RedisClient, key: string, del: boolean): Promise<Stored | undefined> {
  const raw = del ? await redis.getdel(key) : await redis.get(key);
  if (!raw) return undefined;
  const stored = JSON.parse(raw) as Stored;
  return stored.expiresAtMs > Date.now() ? stored : undefined;
}

/**
 * Who may open the dashboard: an admin, by the usual bearer header (the admin guard), or a browser, which cannot
 * send that header when it follows a link. The browser's way in never puts a token in a URL (proxies and
 * histories keep query strings): an admin asks `POST /admin/queues/code` for a one-time code that lives 60 s,
 * opens `/admin/queues?code=<code>`, and the code, taken from Redis once, becomes a random session id in an
 * HttpOnly, SameSite=Strict cookie scoped to the dashboard (its page fetches its API with no header). The
 * browser is then sent back to the URL without the code.
 */
export function dashboardGuard(
  deps: Pick<QueuesDashboardDeps, 'guards' | 'redis' | 'keys' | 'config'>,
): MiddlewareHandler<AppEnv> {
  const adminGuard = deps.guards.admin();
  return async (c, next) => {
    if (bearerToken(c.req.header('authorization'))) return adminGuard(c, next);
    const code = c.req.query('code');
    if (code !== undefined) {
      const user = isSecret(code) ? await take(deps.redis, deps.keys.dashboardCode(code), true) : undefined;
      if (!user) throw new AppError('INVALID_TOKEN', 'This dashboard code is unknown, used or expired');
      const session = newSecret();
      const ttlMs = Math.min(user.expiresAtMs - Date.now(), MAX_SESSION_MS);
      await deps.redis.set(deps.keys.dashboardSession(session), JSON.stringify(user), 'PX', ttlMs);
      setCookie(c, COOKIE, session, {
        path: QUEUES_DASHBOARD_PATH,
        httpOnly: true,
        sameSite: 'Strict',
        secure: isHttps(c, deps.config),
        maxAge: Math.max(1, Math.floor(ttlMs / 1000)),
      });
      const url = new URL(c.req.url);
      url.searchParams.delete('code');
      return c.redirect(`${url.pathname}${url.search}`, 302);
    }
    const session = getCookie(c, COOKIE);
    const user = isSecret(session)
      ? await take(deps.redis, deps.keys.dashboardSession(session), false)
      : undefined;
    if (!user) throw new AppError('UNAUTHENTICATED', 'An admin token or a dashboard code is required');
    const { expiresAtMs, ...rest } = user;
    c.set('user', { ...rest, expiresAt: new Date(expiresAtMs) });
    await next();
  };
}

/** `POST /admin/queues/code` (admin bearer): a one-time code for a browser, valid 60 s. */
function issueCode(deps: Pick<QueuesDashboardDeps, 'redis' | 'keys'>): MiddlewareHandler<AppEnv> {
  return async (c) => {
    const { expiresAt, ...user } = currentUser(c);
    const code = newSecret();
    const expiresAtMs = Math.min(expiresAt?.getTime() ?? Date.now() + 3_600_000, Date.now() + MAX_SESSION_MS);
    const stored: Stored = { ...user, expiresAtMs };
    await deps.redis.set(deps.keys.dashboardCode(code), JSON.stringify(stored), 'PX', CODE_TTL_MS);
    return c.json(
      ok({
        code,
        expiresAt: new Date(Date.now() + CODE_TTL_MS).toISOString(),
        url: `${QUEUES_DASHBOARD_PATH}?code=${code}`,
      }),
      200,
    );
  };
}

/** The BullMQ dashboard (@bull-board) at /admin/queues, over every queue this process produces to. */
export function queuesDashboardRoutes(deps: QueuesDashboardDeps) {
  const serverAdapter = new HonoAdapter(serveStatic).setBasePath(QUEUES_DASHBOARD_PATH);
  const board = createBullBoard({
    queues: [],
    // @bull-board/hono pins its own copy of @bull-board/api: the same classes, declared twice.
    serverAdapter: serverAdapter as unknown as Parameters<typeof createBullBoard>[0]['serverAdapter'],
    options: { uiConfig: { boardTitle: 'Frontrow jobs' } },
  });
  const adapters = new WeakMap<Queue, BullMQAdapter>();
  const adapter = (q: Queue) => {
    const known = adapters.get(q);
    if (known) return known;
    const made = new BullMQAdapter(q);
    adapters.set(q, made);
    return made;
  };
  const refresh: MiddlewareHandler<AppEnv> = async (_c, next) => {
    board.replaceQueues((await deps.queues()).map(adapter));
    await next();
  };
  const router = new Hono<AppEnv>();
  const guard = dashboardGuard(deps);
  router.post(`${QUEUES_DASHBOARD_PATH}/code`, deps.guards.admin(), issueCode(deps));
  for (const path of [QUEUES_DASHBOARD_PATH, `${QUEUES_DASHBOARD_PATH}/*`]) router.use(path, guard, refresh);
  // The board's own routes stay in an app of their own, reached through one wildcard: some of its path patterns
  // are ones Hono's RegExpRouter refuses, and merged into the service's app they would push every request of the
  // API onto the slower TrieRouter.
  const boardApp = new Hono().route(QUEUES_DASHBOARD_PATH, serverAdapter.registerPlugin() as unknown as Hono);
  const forward: MiddlewareHandler<AppEnv> = async (c) => boardApp.fetch(c.req.raw, c.env);
  for (const path of [QUEUES_DASHBOARD_PATH, `${QUEUES_DASHBOARD_PATH}/*`]) router.all(path, forward);
  return router;
}
