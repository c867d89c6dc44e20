import type { ApiErrorBody, ErrorCode } from '@frontrow/client/protocol';

/**
 * The one error type of the service. Anything thrown that is not an AppError is a bug: it is logged with the
 * request id and answered as a generic 500 (see app.ts).
 */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    /** Seconds, for 429 RATE_LIMITED and 503s that know when to come back. */
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = 'AppError';
  }

  get status(): ErrorStatus {
    return httpStatus(this.code);
  }

  toBody(): ApiErrorBody {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

export type ErrorStatus = 400 | 401 | 402 | 403 | 404 | 409 | 413 | 422 | 429 | 500 | 503;

/** The single mapping from error code to HTTP status (docs/api.md's table). */
export function httpStatus(code: ErrorCode): ErrorStatus {
  switch (code) {
    case 'VALIDATION_ERROR':
      return 400;
    case 'UNAUTHENTICATED':
    case 'INVALID_TOKEN':
    case 'TOKEN_EXPIRED':
      return 401;
    case 'INSUFFICIENT_POINTS':
      return 402;
    case 'FORBIDDEN':
    case 'NOT_ADMITTED':
    case 'WRONG_CONCERT':
    case 'INVALID_ACCESS_CODE':
    case 'INVALID_PROOF_OF_WORK':
      return 403;
    case 'NOT_FOUND':
      return 404;
    case 'SEAT_UNAVAILABLE':
    case 'ALREADY_PAID':
    case 'RESERVATION_EXPIRED':
    case 'QUEUE_NOT_OPEN':
    case 'BOOKING_CLOSED':
    case 'SESSION_ENDED':
    case 'ALREADY_PROCESSING':
    case 'QUEUE_LIVE':
    case 'ALREADY_EXTENDED':
    case 'ALREADY_CANCELLED':
    case 'ALREADY_IN_QUEUE':
    case 'REFUND_WINDOW_CLOSED':
    case 'SOLD_OUT':
      return 409;
    case 'PAYLOAD_TOO_LARGE':
      return 413;
    case 'SEAT_LIMIT_EXCEEDED':
    case 'CHARGE_LIMIT_EXCEEDED':
    case 'IDEMPOTENCY_KEY_REUSED':
      return 422;
    case 'RATE_LIMITED':
      return 429;
    case 'QUEUE_FULL':
    case 'DEPENDENCY_UNAVAILABLE':
      return 503;
    case 'INTERNAL_ERROR':
      return 500;
    default: {
      const unreachable: never = code;
      throw new Error(`unmapped error code ${String(unreachable)}`);
    }
  }
}

/** Socket.IO acks carry the same error body as REST, so clients handle one shape. */
export function toAck(err: unknown): { ok: false; error: ApiErrorBody } {
  const e = err instanceof AppError ? err : new AppError('INTERNAL_ERROR', 'Internal error');
  return { ok: false, error: e.toBody() };
}

export const notFound = (what: string, details?: Record<string, unknown>) =>
  new AppError('NOT_FOUND', `${what} not found`, details);

/**
 * Errors from mysql2 and ioredis that mean "the dependency is not there" rather than "the request is wrong".
 * They become 503 DEPENDENCY_UNAVAILABLE instead of a 500.
 */
export function asDependencyError(err: unknown): AppError | undefined {
  if (!(err instanceof Error)) return undefined;
  const code = (err as { code?: unknown }).code;
  const connectionCodes = [
    'ECONNREFUSED',
    'ECONNRESET',
    'ETIMEDOUT',
    'EPIPE',
    'ENOTFOUND',
    'PROTOCOL_CONNECTION_LOST',
    'ER_CON_COUNT_ERROR',
  ];
  if (typeof code === 'string' && connectionCodes.includes(code)) {
    return new AppError('DEPENDENCY_UNAVAILABLE', 'A backing service is unavailable; try again shortly', {
      cause: code,
    });
  }
  const msg = err.message;
  if (
    /Connection is closed|Stream isn't writeable|Command timed out|enableOfflineQueue|connect ETIMEDOUT|Pool is closed|max retries per request/i.test(
      msg,
    ) ||
    // Redis Cluster during a slot move or failover, Sentinel during a failover, a replica still loading. An
    // auto-pipeline holds the commands bound for one primary; when a slot moves, ioredis refuses to resend the
    // batch to the slot's new owner ("same slots allocation group"): the request is retried, not broken. A script
    // redirected to a primary whose cache lacks it answers NOSCRIPT once; ioredis sends EVAL on the next call.
    /^(CLUSTERDOWN|TRYAGAIN|MOVED|ASK|READONLY|LOADING|MASTERDOWN|NOSCRIPT)\b|Too many Cluster redirections|same slots allocation group|Cluster isn't ready|Failed to refresh slots cache|None of startup nodes is available|All sentinels are unreachable/.test(
      msg,
    )
  ) {
    return new AppError('DEPENDENCY_UNAVAILABLE', 'A backing service is unavailable; try again shortly', {
      cause: msg.slice(0, 120),
    });
  }
  return undefined;
}
