import type { AccessLookup } from './access.ts';
import type { Transport } from './http.ts';
import { seg } from './ids.ts';
import type { Concert, DevTokenRequest, DevTokenResponse, Schedule, SeatMap } from './protocol.ts';

export function catalogApi(http: Transport, access: AccessLookup) {
  return {
    /**
     * Every concert with its sale state. Public: no token needed.
     *
     * @example
     * const concerts = await fr.concerts.list();
     * console.log(concerts.map((c) => `${c.title}: ${c.saleState}`));
     */
    list: (): Promise<Concert[]> => http.request('GET', '/api/v1/concerts', { auth: false }),

    /**
     * One concert (404 NOT_FOUND when unknown).
     *
     * @example
     * const concert = await fr.concerts.get(1);
     */
    get: (concertId: number): Promise<Concert> =>
      http.request('GET', `/api/v1/concerts/${seg(concertId)}`, { auth: false }),

    /**
     * Performances of a concert, optionally between two dates (YYYY-MM-DD, inclusive, UTC).
     *
     * @example
     * const [first] = await fr.concerts.schedules(1, { fromDate: '2030-01-01' });
     */
    schedules: (concertId: number, range: { fromDate?: string; toDate?: string } = {}): Promise<Schedule[]> =>
      http.request('GET', `/api/v1/concerts/${seg(concertId)}/schedules`, { auth: false, query: range }),

    /**
     * The seat map of a schedule. Needs the concert's access token (from `queue.claimAccess`, remembered by the
     * client, or passed here).
     *
     * @example
     * const { seats } = await fr.concerts.seats(concertId, scheduleId);
     * const free = seats.filter((s) => s.status === 'AVAILABLE');
     */
    seats: (concertId: number, scheduleId: number, opts: { accessToken?: string } = {}): Promise<SeatMap> =>
      http.request('GET', `/api/v1/concerts/${seg(concertId)}/schedules/${seg(scheduleId)}/seats`, {
        accessToken: access(opts.accessToken, concertId),
      }),
  };
}

export function authApi(http: Transport) {
  return {
    /**
     * A development user token (the server's dev issuer; off in production).
     *
     * @example
     * const { token } = await fr.auth.devToken({ userId: 'fan-1', tier: 'vip' });
     * const me = createFrontrow({ baseUrl, token });
     */
    devToken: (input: DevTokenRequest): Promise<DevTokenResponse> =>
      http.request('POST', '/api/v1/auth/dev-token', { auth: false, body: input }),
  };
}
