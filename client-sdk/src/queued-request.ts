import { FrontrowError } from './errors.ts';
import type { Transport } from './http.ts';
import type {
  CreateReservationRequest,
  Reservation,
  ReservationRequestAccepted,
  ReservationRequestState,
  ReservationUpdate,
} from './protocol.ts';
import type { Realtime } from './realtime.ts';

export interface QueuedRequestOptions {
  accessToken?: string | undefined;
  /** Give up after this long (default 60 s); the request may still complete: check it with `requestStatus`. */
  timeoutMs?: number;
  /** How often to poll while the socket is down (default 1 s); with a live socket, every 5 s as a safety net. */
  pollIntervalMs?: number;
  /** The 202 answer and every intermediate status. */
  onProgress?(update: ReservationRequestAccepted | ReservationRequestState | ReservationUpdate): void;
  signal?: AbortSignal;
}

const TERMINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);

/**
 * The queued (v2) hold: POST → 202 {requestId}, then wait for the worker's verdict. The verdict normally arrives
 * as a `reservation:update` push; polling GET /api/v2/reservations/{id} covers a socket that is down or a push
 * that was lost. Listening starts before the POST, so a verdict faster than the 202 is not missed.
 */
export async function queuedReservation(
  http: Transport,
  rt: Realtime,
  input: CreateReservationRequest,
  opts: QueuedRequestOptions = {},
): Promise<Reservation> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const pollMs = opts.pollIntervalMs ?? 1_000;
  const early: ReservationUpdate[] = [];
  let requestId: string | undefined;
  let wake: (() => void) | undefined;
  let verdict: ReservationUpdate | ReservationRequestState | undefined;

  const consider = (u: ReservationUpdate | ReservationRequestState) => {
    if (u.requestId !== requestId) return;
    opts.onProgress?.(u);
    if (TERMINAL.has(u.status)) {
      verdict = u;
      wake?.();
    }
  };
  const onUpdate = (u: ReservationUpdate) => (requestId === undefined ? early.push(u) : consider(u));
  const socket = rt.socket();
  socket.on('reservation:update', onUpdate);
  try {
    // Pushes go to the fan's room, joined at connection: be connected before the request can be processed.
    await rt.ready(2_000);
    const accepted = await http.request<ReservationRequestAccepted>('POST', '/api/v2/reservations', {
      body: input,
      accessToken: opts.accessToken,
      signal: opts.signal,
    });
    requestId = accepted.requestId;
    opts.onProgress?.(accepted);
    for (const u of early) consider(u);

    const deadline = Date.now() + timeoutMs;
    while (!verdict) {
      if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('aborted');
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new FrontrowError('TIMEOUT', 'No verdict for the reservation request yet', {
          details: { requestId },
        });
      }
      const wait = Math.min(left, rt.connected ? Math.max(pollMs, 5_000) : pollMs);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
      if (!verdict) {
        const state = await http.request<ReservationRequestState>(
          'GET',
          `/api/v2/reservations/${encodeURIComponent(requestId)}`,
          { signal: opts.signal },
        );
        consider(state);
      }
    }
    return settle(verdict);
  } finally {
    socket.off('reservation:update', onUpdate);
  }
}

function settle(v: ReservationUpdate | ReservationRequestState): Reservation {
  if (v.status === 'COMPLETED' && v.result) return v.result;
  if (v.error) throw FrontrowError.fromBody(v.error, { status: 0 });
  if (v.status === 'CANCELLED') {
    throw new FrontrowError('ALREADY_CANCELLED', 'The reservation request was cancelled', {
      details: { requestId: v.requestId },
    });
  }
  throw new FrontrowError('INTERNAL_ERROR', `Reservation request ended ${v.status} without a result`, {
    details: { requestId: v.requestId },
  });
}
