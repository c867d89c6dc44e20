import type { AccessStore } from './access.ts';
import type { Transport } from './http.ts';
import { seg } from './ids.ts';
import { type PowProgress, solveChallenge } from './pow.ts';
import type { AccessTokenGrant, EnterRequest, PowChallenge, QueueStatus } from './protocol.ts';
import { type QueueWatchHandlers, type QueueWatchOptions, watchQueue } from './queue-watch.ts';
import type { Realtime } from './realtime.ts';

export function queueApi(http: Transport, rt: Realtime, access: AccessStore) {
  const base = (concertId: number) => `/api/v1/concerts/${seg(concertId)}/queue`;
  return {
    /**
     * Joins the concert's waiting room (lane from the user token's tier). Joining again keeps the same place.
     * Throws QUEUE_NOT_OPEN before the join window, BOOKING_CLOSED after the sale, QUEUE_FULL at the cap,
     * INVALID_ACCESS_CODE for a wrong, used or expired code (or none where the sale is codes-only).
     *
     * @example
     * const status = await fr.queue.enter(concertId);
     * console.log(`#${status.position} of ${status.totalWaiting}`);
     * await fr.queue.enter(concertId, { accessCode: '7KQ2-M9XD-0R4T-HHZ8' }); // a presale or VIP code
     */
    enter: (concertId: number, body?: EnterRequest): Promise<QueueStatus> =>
      http.request('POST', base(concertId), body ? { body } : {}),

    /**
     * A proof-of-work challenge for entering (challenge null when the concert asks for none).
     *
     * @example
     * const { challenge, difficultyBits } = await fr.queue.challenge(concertId);
     */
    challenge: (concertId: number): Promise<PowChallenge> =>
      http.request('GET', `${base(concertId)}/challenge`),

    /**
     * Enters the way a fan page should: fetches a challenge, solves it off the main thread where the concert
     * asks for proof-of-work (reporting progress), then enters with it and the access code, if any.
     *
     * @example
     * const status = await fr.queue.join(concertId, {
     *   onProgress: ({ tried, expected }) => bar.style.width = `${Math.min(99, (100 * tried) / expected)}%`,
     * });
     */
    join: async (
      concertId: number,
      opts: { accessCode?: string; onProgress?: (p: PowProgress) => void; signal?: AbortSignal } = {},
    ): Promise<QueueStatus> => {
      const body: EnterRequest = opts.accessCode ? { accessCode: opts.accessCode } : {};
      const pow = await http.request<PowChallenge>('GET', `${base(concertId)}/challenge`);
      if (pow.challenge) {
        body.challenge = pow.challenge;
        body.nonce = await solveChallenge(pow.challenge, pow.difficultyBits, {
          ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
          ...(opts.signal ? { signal: opts.signal } : {}),
        });
      }
      return http.request('POST', base(concertId), { body });
    },

    /**
     * The caller's status in the concert's waiting room (`NOT_IN_QUEUE` when absent).
     *
     * @example
     * const { status, position } = await fr.queue.status(concertId);
     */
    status: (concertId: number): Promise<QueueStatus> => http.request('GET', `${base(concertId)}/me`),

    /**
     * Leaves the waiting room (or gives back an admission or a booking session). 404 when not queued.
     *
     * @example
     * await fr.queue.leave(concertId);
     */
    leave: async (concertId: number): Promise<QueueStatus> => {
      const status = await http.request<QueueStatus>('DELETE', `${base(concertId)}/me`);
      access.forget(concertId);
      return status;
    },

    /**
     * Once admitted (READY), exchanges the admission for the concert's access token. The client remembers it and
     * sends it as `X-Queue-Token` on booking calls. Throws NOT_ADMITTED while still waiting.
     *
     * @example
     * const { accessToken, expiresAt } = await fr.queue.claimAccess(concertId);
     */
    claimAccess: async (concertId: number): Promise<AccessTokenGrant> => {
      const grant = await http.request<AccessTokenGrant>('POST', `${base(concertId)}/access-token`);
      access.remember(concertId, grant.accessToken);
      return grant;
    },

    /**
     * Watches the waiting room live. The position is computed locally from each `queue:tick` (one packet per
     * concert for all watchers); the server's personal pushes bring admission and expiry. Re-watches by itself
     * after a reconnection. Returns the unsubscribe function. With `notifyWithin`, `onNear` fires once when the
     * fan gets that close to the front (computed from the ticks, no server work per fan). A sell-out, a reopened
     * room and the organiser's notices arrive as their own handlers.
     *
     * @example
     * const stop = fr.queue.watch(concertId, {
     *   onPosition: ({ position, estimatedWait }) => console.log(position, estimatedWait?.midSeconds),
     *   onNear: () => new Notification('Almost your turn'),
     *   onSoldOut: () => stop(),
     *   onAdmitted: async () => {
     *     stop();
     *     await fr.queue.claimAccess(concertId);
     *   },
     * }, { notifyWithin: 50 });
     */
    watch: (concertId: number, handlers: QueueWatchHandlers, options?: QueueWatchOptions): (() => void) =>
      watchQueue(rt, concertId, handlers, options),
  };
}
