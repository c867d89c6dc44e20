import type { ApiErrorBody, Reservation, Tier } from './protocol.ts';

/*
 * Shapes of the queued v2 reservations that protocol.ts does not carry, as docs/api.md lists their fields.
 */

/** POST /api/v2/reservations → 202 */
export interface ReservationRequestAccepted {
  requestId: string;
  status: 'PENDING';
  /** The user token's tier: queued requests have a VIP and a normal lane. */
  lane: Tier;
  position: number;
}

/** GET /api/v2/reservations/{requestId} */
export interface ReservationRequestState {
  requestId: string;
  status: 'PENDING' | 'PROCESSING' | 'COMPLETED' | 'FAILED' | 'CANCELLED';
  result?: Reservation;
  error?: ApiErrorBody;
}
