import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { HonoAdapter } from '@bull-board/hono';
import { serveStatic } from '@hono/node-server/serve-static';
import type { Queue } from 'bullmq';
import { Hono, type MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { type AuthGuards, bearerToken } from '../auth/middleware.ts';
import type { UserTokens } from '../auth/user-tokens.ts';
import type { AppEnv } from '../http/context.ts';
import { AppError } from '../http/errors.ts';

export const QUEUES_DASHBOARD_PATH = '/admin/queues';
const COOKIE = 'frontrow_queues_token';

export interface QueuesDashboardDeps {
  /** The queues to show, listed again at every page or API call (per-concert queues come and go). */
  queues: () => Promise<readonly Queue[]>;
  guards: AuthGuards;
  userTokens: UserTokens;
}

/**
 * Who may open the dashboard: an admin, by the usual bearer header (the admin guard), or, because a browser
 * cannot send that header when it follows a link, by `?token=<user token>` once. The token is verified like the
 * header's, then kept in an HttpOnly, SameSite=Strict cookie scoped to the dashboard (its page fetches its API
 * with no header), and the browser is sent back to the URL without the token so it leaves no trace in history.
 */
export function dashboardGuard(
  deps: Pick<QueuesDashboardDeps, 'guards' | 'userTokens'>,
): MiddlewareHandler<AppEnv> {
  const adminGuard = deps.guards.admin();
  return async (c, next) => {
    if (bearerToken(c.req.header('authorization'))) return adminGuard(c, next);
    const fromQuery = c.req.query('token');
    const token = fromQuery ?? getCookie(c, COOKIE);
    if (!token)
      throw new AppError('UNAUTHENTICATED', 'An admin token is required (Authorization or ?token=)');
    const user = await deps.userTokens.verify(token);
    if (user.role !== 'admin') throw new AppError('FORBIDDEN', 'Admin role required');
    if (fromQuery !== undefined) {
      const url = new URL(c.req.url);
      url.searchParams.delete('token');
      const maxAge = user.expiresAt ? Math.floor((user.expiresAt.getTime() - Date.now()) / 1000) : 3_600;
      setCookie(c, COOKIE, token, {
        path: QUEUES_DASHBOARD_PATH,
        httpOnly: true,
        sameSite: 'Strict',
        secure: url.protocol === 'https:',
        maxAge: Math.max(1, Math.min(maxAge, 12 * 3_600)),
      });
      return c.redirect(`${url.pathname}${url.search}`, 302);
    }
    c.set('user', user);
    await next();
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
  for (const path of [QUEUES_DASHBOARD_PATH, `${QUEUES_DASHBOARD_PATH}/*`]) router.use(path, guard, refresh);
  router.route(QUEUES_DASHBOARD_PATH, serverAdapter.registerPlugin() as unknown as Hono<AppEnv>);
  return router;
}
