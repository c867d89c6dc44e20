import { FrontrowError, type FrontrowErrorCode } from '@frontrow/client';
import { time, won } from './format.ts';

type Explain = (err: FrontrowError) => string;

const seatList = (err: FrontrowError) => {
  const ids = err.details?.seatIds;
  return Array.isArray(ids) && ids.length > 0
    ? `${ids.length === 1 ? 'A seat' : `${ids.length} seats`} you picked`
    : 'A seat you picked';
};
const when = (err: FrontrowError, key: string) => {
  const v = err.details?.[key];
  return typeof v === 'string' || typeof v === 'number' ? time(new Date(v).toISOString()) : undefined;
};

/**
 * One plain sentence for every error code of the API (and the client's own NETWORK_ERROR / TIMEOUT): what
 * happened and what to do. Exhaustive: a new code fails to compile until it has a message.
 */
const MESSAGES: Record<FrontrowErrorCode, Explain> = {
  VALIDATION_ERROR: (e) => `That request was not valid: ${e.message.replace(/^Invalid request: /, '')}.`,
  PAYLOAD_TOO_LARGE: () => 'That request was too large to send. Shorten it and try again.',
  UNAUTHENTICATED: () => 'You are not signed in (or your booking pass is missing). Sign in and try again.',
  INVALID_TOKEN: () => 'Your sign-in or booking pass is no longer valid. Sign in again or rejoin the queue.',
  TOKEN_EXPIRED: () => 'Your booking session has ended. Join the queue again to get a new one.',
  INSUFFICIENT_POINTS: (e) => {
    const need = Number(e.details?.required ?? e.details?.amount ?? Number.NaN);
    const have = Number(e.details?.balance ?? Number.NaN);
    return Number.isFinite(need) && Number.isFinite(have)
      ? `Not enough points: this costs ${won(need)} and you have ${won(have)}. Charge ${won(need - have)} more.`
      : 'Not enough points to pay for this. Charge points first.';
  },
  FORBIDDEN: () => 'You are not allowed to do that with this account.',
  NOT_ADMITTED: () => 'It is not your turn yet: stay on this page, it moves on by itself.',
  WRONG_CONCERT: () => 'Your booking pass is for another concert. Join this concert’s queue.',
  NOT_FOUND: () => 'That no longer exists (or is not yours).',
  SEAT_UNAVAILABLE: (e) => `${seatList(e)} was just taken by someone else. Pick other seats.`,
  ALREADY_PAID: () => 'This reservation is already paid.',
  RESERVATION_EXPIRED: () => 'Your hold expired and the seats went back on sale. Pick seats again.',
  QUEUE_NOT_OPEN: (e) =>
    `The waiting room is not open yet${when(e, 'opensAt') ? `: it opens at ${when(e, 'opensAt')}` : ''}. Try again then.`,
  BOOKING_CLOSED: () => 'The sale for this concert is closed.',
  SESSION_ENDED: () => 'Your booking session ended before the request was decided. Join the queue again.',
  ALREADY_PROCESSING: () => 'That request is already being processed.',
  QUEUE_LIVE: () => 'The waiting room still holds its fans, so it was not rebuilt.',
  ALREADY_EXTENDED: () => 'A hold can be extended only once.',
  ALREADY_CANCELLED: () => 'This was already cancelled.',
  ALREADY_IN_QUEUE: () => 'You are already in this waiting room.',
  REFUND_WINDOW_CLOSED: () => 'It is too close to the show to refund this ticket.',
  SEAT_LIMIT_EXCEEDED: (e) =>
    `That is more seats than one fan may hold or buy for a show${e.details?.limit ? ` (${e.details.limit})` : ''}.`,
  CHARGE_LIMIT_EXCEEDED: () => 'That charge is above the limit per charge or the maximum balance.',
  IDEMPOTENCY_KEY_REUSED: () => 'That request was already sent with different contents.',
  RATE_LIMITED: (e) => `Too many requests. Wait ${e.retryAfter ?? 'a few'} seconds and try again.`,
  SOLD_OUT: () => 'Every seat of this concert is sold. The waiting room is closed.',
  QUEUE_FULL: () => 'The waiting room is full right now. Try again in a moment.',
  DEPENDENCY_UNAVAILABLE: () => 'The service is having trouble right now. Try again in a moment.',
  INTERNAL_ERROR: (e) =>
    `Something went wrong on our side${e.requestId ? ` (reference ${e.requestId.slice(0, 8)})` : ''}.`,
  INVALID_ACCESS_CODE: (e) =>
    e.details?.reason === 'REQUIRED'
      ? 'This sale is for access-code holders only. Enter your code to join.'
      : 'That access code is not valid: it is unknown, used up or expired.',
  INVALID_PROOF_OF_WORK: () => 'The anti-bot check did not pass or ran out of time. Try joining again.',
  NETWORK_ERROR: () => 'Cannot reach Frontrow. Check your connection and try again.',
  TIMEOUT: () => 'No answer in time. Try again.',
};

export function explain(err: unknown): string {
  if (err instanceof FrontrowError) return MESSAGES[err.code](err);
  return err instanceof Error ? err.message : String(err);
}
