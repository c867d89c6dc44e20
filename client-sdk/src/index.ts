/**
 * @frontrow/client: the typed client of Frontrow's REST API and real-time events, for browsers and Node.
 * Everything a page or a script needs: `createFrontrow`, `FrontrowError`, the wire types and the position math.
 */
export type { AccessOptions, IdempotentOptions } from './booking-api.ts';
export { createFrontrow, type Frontrow, type FrontrowOptions } from './client.ts';
export {
  DRAW_ALGORITHM,
  DRAW_VERSION,
  type DrawVerification,
  drawCommitment,
  drawOrder,
  drawOrderHash,
  drawOrderText,
  verifyDraw,
} from './draw.ts';
export { FrontrowError, type FrontrowErrorCode, isFrontrowError } from './errors.ts';
export type { TokenSource } from './http.ts';
export { newIdempotencyKey } from './ids.ts';
export { estimateWaitSeconds, laneOf, positionFromTick, rankInLane, waitingInTick } from './position.ts';
export { type PowProgress, type SolveOptions, solveChallenge } from './pow.ts';
export * from './protocol.ts';
export type { QueuePosition, QueueWatchHandlers, QueueWatchOptions } from './queue-watch.ts';
export type { QueuedRequestOptions } from './queued-request.ts';
export type { SocketConfig } from './realtime.ts';
export type { SeatWatchHandlers } from './seats-watch.ts';
export { plannedWaitRange, roundSeatsLeft, SPREAD_WINDOW, waitRange } from './wait-range.ts';
export { verifyWebhook, WEBHOOK_TOLERANCE_SECONDS, webhookSignature } from './webhooks.ts';
