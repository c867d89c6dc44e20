import { createAccessStore } from './access.ts';
import { adminApi } from './admin-api.ts';
import { paymentsApi, pointsApi, reservationsApi, seatsApi } from './booking-api.ts';
import { authApi, catalogApi } from './catalog-api.ts';
import { fairnessApi } from './fairness-api.ts';
import { createTransport, type TokenSource } from './http.ts';
import { queueApi } from './queue-api.ts';
import { createRealtime, type SocketConfig } from './realtime.ts';

export interface FrontrowOptions {
  /** Where the server is, e.g. `http://localhost:3000`; `''` in a page served by the server itself. */
  baseUrl: string;
  /**
   * The user token: a string, or a function returning one (sync or async). A function is called when a token is
   * first needed and once more whenever the server answers 401 (or refuses the socket), so it can refresh.
   */
  token?: TokenSource;
  /** A concert access token to start with (booking calls send it as `X-Queue-Token`). */
  accessToken?: string;
  /** Replaces the global fetch (tests, Node < 18, instrumentation). */
  fetch?: typeof globalThis.fetch;
  /** Socket.IO client options (`url` if sockets are served elsewhere). */
  socket?: SocketConfig;
}

/**
 * Creates a Frontrow client for browsers and Node: typed REST calls, live watches over one lazily opened
 * Socket.IO connection, and `FrontrowError` for every failure.
 *
 * @example
 * import { createFrontrow } from '@frontrow/client';
 *
 * const fr = createFrontrow({ baseUrl: 'http://localhost:3000', token: () => getMyToken() });
 * const [concert] = await fr.concerts.list();
 * await fr.queue.enter(concert.concertId);
 * const stop = fr.queue.watch(concert.concertId, {
 *   onPosition: (p) => console.log(`#${p.position}, about ${p.estimatedWaitSeconds ?? '?'} s`),
 *   onAdmitted: async () => {
 *     stop();
 *     await fr.queue.claimAccess(concert.concertId);
 *   },
 * });
 */
export function createFrontrow(options: FrontrowOptions) {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const http = createTransport({
    baseUrl,
    ...(options.token !== undefined ? { token: options.token } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const realtime = createRealtime(baseUrl, http, options.socket);
  const access = createAccessStore(options.accessToken);

  return {
    concerts: catalogApi(http, access.lookup),
    queue: queueApi(http, realtime, access),
    seats: seatsApi(realtime, access.lookup),
    reservations: reservationsApi(http, realtime, access.lookup),
    points: pointsApi(http),
    payments: paymentsApi(http, access.lookup),
    admin: adminApi(http),
    auth: authApi(http),
    fairness: fairnessApi(http),
    /**
     * Any REST call by method and path, with the envelope unwrapped and errors typed (for routes newer than the
     * SDK).
     *
     * @example
     * const stats = await fr.request('GET', '/api/v2/queue/stats/1');
     */
    request: http.request,
    /**
     * Sets the access token that booking calls send when none is given (for example one kept in sessionStorage).
     *
     * @example
     * fr.setAccessToken(sessionStorage.getItem('access') ?? undefined);
     */
    setAccessToken: (token: string | undefined) => access.set(token),
    /** Whether the real-time connection is up right now. */
    get connected(): boolean {
      return realtime.connected;
    },
    /**
     * Ends every watch and closes the socket. REST calls keep working; a new watch opens a new socket.
     *
     * @example
     * fr.close();
     */
    close: () => realtime.close(),
  };
}
export type Frontrow = ReturnType<typeof createFrontrow>;
