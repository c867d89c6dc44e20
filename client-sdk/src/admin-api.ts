import type { Transport } from './http.ts';
import { seg } from './ids.ts';
import type {
  AdminQueueView,
  AdmitResult,
  CreateConcertRequest,
  CreatedConcert,
  OpenSaleRequest,
  QueueCleanupResult,
  SaleMoveRequest,
  SaleNotice,
  SalesStats,
  SaleView,
  SimulateRequest,
  Simulation,
} from './protocol.ts';

/** The organiser's calls; every one needs a user token with role admin (FORBIDDEN otherwise). */
export function adminApi(http: Transport) {
  const concert = (id: number) => `/api/v1/admin/concerts/${seg(id)}`;
  const sale = (
    id: number,
    action: 'open' | 'pause' | 'resume' | 'close',
    body?: OpenSaleRequest | SaleMoveRequest,
  ) => http.request<SaleView>('POST', `${concert(id)}/sale/${action}`, body === undefined ? {} : { body });
  return {
    /**
     * Creates a concert with its schedules and seat layout.
     *
     * @example
     * const c = await admin.admin.createConcert({
     *   title: 'Encore', venueName: 'Hall',
     *   schedules: [{ startsAt, bookingOpenAt, bookingCloseAt,
     *     sections: [{ name: 'A', grade: 'R', price: 50_000, rows: 5, seatsPerRow: 10 }] }],
     * });
     */
    createConcert: (input: CreateConcertRequest): Promise<CreatedConcert> =>
      http.request('POST', '/api/v1/admin/concerts', { body: input }),

    /**
     * Opens the sale: admission starts, in groups every interval, up to `maxActive` fans at once.
     *
     * @example
     * await admin.admin.openSale(concertId, { groupSize: 50, intervalSeconds: 5 });
     */
    openSale: (concertId: number, knobs: OpenSaleRequest = {}): Promise<SaleView> =>
      sale(concertId, 'open', knobs),

    /**
     * Pauses admission (fans keep their places); `reason` is shown to them.
     *
     * @example
     * await admin.admin.pauseSale(concertId, 'The payment provider is down; back shortly');
     */
    pauseSale: (concertId: number, reason?: string): Promise<SaleView> =>
      sale(concertId, 'pause', reason ? { reason } : undefined),

    /**
     * Resumes a paused sale.
     *
     * @example
     * await admin.admin.resumeSale(concertId);
     */
    resumeSale: (concertId: number): Promise<SaleView> => sale(concertId, 'resume'),

    /**
     * Closes the sale: the queue is emptied and access tokens stop working.
     *
     * @example
     * await admin.admin.closeSale(concertId);
     */
    closeSale: (concertId: number, reason?: string): Promise<SaleView> =>
      sale(concertId, 'close', reason ? { reason } : undefined),

    /**
     * Posts a notice to everyone watching the concert (`sale:notice`, and in every QueueStatus until replaced);
     * an empty message clears it. Plain text, at most 280 characters.
     *
     * @example
     * await admin.admin.postNotice(concertId, 'Doors open at 19:00', 'info');
     */
    postNotice: (
      concertId: number,
      message: string,
      level: 'info' | 'warning' = 'info',
    ): Promise<SaleNotice> =>
      http.request('POST', `${concert(concertId)}/notice`, { body: { message, level } }),

    /**
     * Admits the next `count` fans now (VIP first, never beyond the active cap).
     *
     * @example
     * const { admitted } = await admin.admin.admitNow(concertId, 10);
     */
    admitNow: (concertId: number, count: number): Promise<AdmitResult> =>
      http.request('POST', `${concert(concertId)}/admit`, { body: { count } }),

    /**
     * The waiting room from the organiser's side: waiting per lane, ready, entered, admissions per second, head.
     *
     * @example
     * const view = await admin.admin.queueView(concertId);
     * console.log(view.waiting.total, view.admittedPerSecond);
     */
    queueView: (concertId: number, opts: { head?: number } = {}): Promise<AdminQueueView> =>
      http.request('GET', `${concert(concertId)}/queue`, { query: opts }),

    /**
     * Removes expired queue entries and sessions of every concert.
     *
     * @example
     * const { waitingRemoved } = await admin.admin.cleanup();
     */
    cleanup: (): Promise<QueueCleanupResult> => http.request('POST', '/api/v1/admin/queue/cleanup'),

    /**
     * Sends N simulated fans into the concert's queue; admitted ones pick seats and pay (the demo's "drop").
     *
     * @example
     * await admin.admin.simulate(concertId, { fans: 200, vipShare: 0.1 });
     */
    simulate: (concertId: number, input: SimulateRequest): Promise<Simulation> =>
      http.request('POST', `${concert(concertId)}/simulate`, { body: input }),

    /**
     * The simulations of a concert started by the server process that answers, newest first.
     *
     * @example
     * const [latest] = await admin.admin.simulations(concertId);
     * console.log(latest?.admitted, 'admitted,', latest?.paid, 'paid');
     */
    simulations: (concertId: number): Promise<Simulation[]> =>
      http.request('GET', `${concert(concertId)}/simulate`),

    /**
     * Seats available/held/sold, reservations by status and revenue, over every schedule of the concert.
     *
     * @example
     * const { seats, revenue } = await admin.admin.stats(concertId);
     */
    stats: (concertId: number): Promise<SalesStats> => http.request('GET', `${concert(concertId)}/stats`),
  };
}
