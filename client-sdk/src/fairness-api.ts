import type { Transport } from './http.ts';
import { seg } from './ids.ts';
import type { DrawPlace, FairnessRecord } from './protocol.ts';

export function fairnessApi(http: Transport) {
  return {
    /**
     * The concert's pre-queue draw: the seed's commitment before the sale opens; after, the seed, the pre-queue
     * and the drawn order. Public. Check it with `verifyDraw`.
     *
     * @example
     * const before = await fr.fairness.record(concertId); // save before.commitment
     * // ... after the sale opened:
     * const check = verifyDraw(await fr.fairness.record(concertId), { commitment: before.commitment });
     */
    record: (concertId: number): Promise<FairnessRecord> =>
      http.request('GET', `/api/v1/concerts/${seg(concertId)}/fairness`, { auth: false }),

    /**
     * The caller's entry ticket and drawn place (entry null when it was not in the pre-queue).
     *
     * @example
     * const { entry } = await fr.fairness.mine(concertId);
     */
    mine: (concertId: number): Promise<DrawPlace> =>
      http.request('GET', `/api/v1/concerts/${seg(concertId)}/queue/me/draw`),
  };
}
