import type { ApiErrorBody, Lane, Reservation } from './protocol.ts';

/*
 * Shapes of API.md that protocol.ts does not carry yet (the queued v2 reservations). They follow API.md's field
 * lists; when protocol.ts gains its own, these become re-exports of those.
 */

/** POST /api/v2/reservations → 202 */
export interface ReservationRequestAccepted {
  requestId: string;
  status: 'PENDING';
  lane: Lane;
  position: number;
}

/** GET /api/v2/reservations/{requestId} */
export interface ReservationRequestState {
  requestId: string;
  status: 'PENDING' | 'PROCESSING' | 'COMPLETED' | 'FAILED' | 'CANCELLED';
  result?: Reservation;
  error?: ApiErrorBody;
}
