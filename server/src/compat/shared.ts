import { createHmac, timingSafeEqual } from 'node:crypto';
import type { QueueStatus } from '@frontrow/client/protocol';
import type { z } from '@hono/zod-openapi';
import { type AccessGrant, accessTokenFrom } from '../access/tokens.ts';
import { CreateReservationSchema } from '../booking/schemas.ts';
import type { Services } from '../compose.ts';
import type { AppContext } from '../http/context.ts';
import { currentUser } from '../http/context.ts';
import { AppError } from '../http/errors.ts';
import { validationError } from '../http/router.ts';

/**
 * What every compatibility router shares: the caller check for a `userId` a document puts in a path, query or
 * body, the queue ticket the documents' token-issue routes hand out, and the mapping of Frontrow's queue status
 * to the documents' words. Nothing here holds state; every step is a call into a feature service.
 */

/** A `userId` in a request must name the verified caller: the documents trust it, Frontrow never does. */
export function requireSelf(c: AppContext, userId: unknown): void {
  if (userId === undefined || userId === null) return;
  if (String(userId) !== currentUser(c).id) {
    throw new AppError('FORBIDDEN', 'userId must be the caller of this request', { userId: String(userId) });
  }
}

/** Plain handlers validate with the same 400 envelope as OpenAPI routes. */
export function parseWith<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(result.error);
  return result.data;
}

/** The seat list of a hold, as the native routes validate it. */
export const SeatIdsField = CreateReservationSchema.shape.seatIds;

const TICKET_PREFIX = 'frq1';

/**
 * The queue ticket of seeds 001 and 004: issued at once when the fan joins, sent back as `Queue-Token` or
 * `X-Queue-Token`. It names the concert and is bound to the user by an HMAC, so it proves nothing alone: every
 * request also carries the user token, and a booking step needs the fan admitted (see `requireQueueAccess`).
 */
export function queueTicket(secret: string, userId: string, concertId: number): string {
  return `${TICKET_PREFIX}.${concertId}.${ticketMac(secret, userId, concertId)}`;
}

function ticketMac(secret: string, userId: string, concertId: number): string {
  return createHmac('sha256', secret)
    .update(`compat-queue-ticket\n${userId}\n${concertId}`)
    .digest('base64url')
    .slice(0, 32);
}

export function isQueueTicket(token: string | undefined): token is string {
  return token?.startsWith(`${TICKET_PREFIX}.`) ?? false;
}

/** The concert a ticket names, once its MAC matches the caller; 401 INVALID_TOKEN otherwise. */
export function ticketConcert(secret: string, userId: string, ticket: string): number {
  const [, id, mac] = ticket.split('.');
  const concertId = Number(id);
  if (!Number.isSafeInteger(concertId) || concertId <= 0 || !mac) throw invalidTicket();
  const expected = Buffer.from(ticketMac(secret, userId, concertId));
  const given = Buffer.from(mac);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalidTicket();
  return concertId;
}

const invalidTicket = () => new AppError('INVALID_TOKEN', 'Queue token is invalid');

export const queueTokenOf = (c: AppContext) => accessTokenFrom((name) => c.req.header(name));

/**
 * The booking-session check of a compatibility route, as strong as the native `requireAccess`: a native access
 * token verifies as there; a queue ticket claims the fan's session the way POST .../queue/access-token does
 * (READY → ENTERED, or the same session again), so only an admitted fan gets past (403 NOT_ADMITTED).
 */
export async function requireQueueAccess(
  c: AppContext,
  s: Services,
  concertId: number,
): Promise<AccessGrant> {
  const userId = currentUser(c).id;
  const token = queueTokenOf(c);
  if (!isQueueTicket(token)) return s.accessTokens.verify(token, { userId, concertId });
  const ticketFor = ticketConcert(s.config.accessTokenSecret, userId, token);
  if (ticketFor !== concertId) throw wrongConcert(ticketFor, concertId);
  const claimed = await s.waitingRoom.claim(concertId, userId);
  return s.accessTokens.verify(claimed.accessToken, { userId, concertId });
}

/**
 * The check of a route that is public natively (schedules): a queue ticket of this caller for this concert,
 * admitted or still waiting, as the documents let a waiting token read schedules.
 */
export function requireQueueTicket(c: AppContext, s: Services, concertId: number): void {
  const token = queueTokenOf(c);
  if (!isQueueTicket(token)) throw invalidTicket();
  const ticketFor = ticketConcert(s.config.accessTokenSecret, currentUser(c).id, token);
  if (ticketFor !== concertId) throw wrongConcert(ticketFor, concertId);
}

const wrongConcert = (tokenConcertId: number, concertId: number) =>
  new AppError('WRONG_CONCERT', 'This queue token is for another concert', { tokenConcertId, concertId });

/** The token states of seeds 001 and 004: WAITING in line, ACTIVE once admitted, EXPIRED otherwise. */
export function tokenState(status: QueueStatus['status']): 'WAITING' | 'ACTIVE' | 'EXPIRED' {
  if (status === 'WAITING') return 'WAITING';
  if (status === 'READY' || status === 'ENTERED') return 'ACTIVE';
  return 'EXPIRED';
}

export const minutesOf = (seconds: number | null) => (seconds === null ? null : Math.ceil(seconds / 60));

/** The seat number the documents use: the seat's 1-based place in its schedule's seat map (ordered by id). */
export async function seatNumbers(s: Services, concertId: number, scheduleId: number) {
  const map = await s.booking.seatMap(concertId, scheduleId);
  return { map, numberOf: new Map(map.seats.map((seat, i) => [seat.seatId, i + 1])) };
}

/** A route's note in /openapi.json: which native route does the same work. */
export const mapsTo = (native: string, difference?: string) =>
  `Maps to ${native}.${difference ? ` Difference: ${difference}` : ''}`;
