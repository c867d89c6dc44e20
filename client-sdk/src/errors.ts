import type { ApiErrorBody, ErrorCode } from './protocol.ts';

/**
 * Codes a client can see: every error code of the server, plus `NETWORK_ERROR` when no answer came back at all
 * (offline, DNS, connection refused, a proxy's non-JSON page) and `TIMEOUT` when a wait ran out.
 */
export type FrontrowErrorCode = ErrorCode | 'NETWORK_ERROR' | 'TIMEOUT';

/**
 * The one error the SDK throws: the server's error envelope, typed.
 *
 * @example
 * try {
 *   await fr.reservations.hold({ scheduleId, seatIds: [12] });
 * } catch (err) {
 *   if (err instanceof FrontrowError && err.code === 'SEAT_UNAVAILABLE') {
 *     console.log('taken:', err.details?.seatIds);
 *   } else throw err;
 * }
 */
export class FrontrowError extends Error {
  override readonly name = 'FrontrowError';
  /** One of the server's error codes, or NETWORK_ERROR / TIMEOUT from the client itself. */
  readonly code: FrontrowErrorCode;
  /** HTTP status; 0 when nothing came back (network) and for socket acks. */
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;
  /** The server's `X-Request-Id`, for matching a failure with the server's logs. */
  readonly requestId: string | undefined;
  /** Seconds to wait before retrying (429 and some 503s send `Retry-After`). */
  readonly retryAfter: number | undefined;

  constructor(
    code: FrontrowErrorCode,
    message: string,
    opts: {
      status?: number;
      details?: Record<string, unknown>;
      requestId?: string;
      retryAfter?: number;
      cause?: unknown;
    } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    this.status = opts.status ?? 0;
    this.details = opts.details;
    this.requestId = opts.requestId;
    this.retryAfter = opts.retryAfter;
  }

  /** From an error body (REST envelope or socket ack). */
  static fromBody(
    body: ApiErrorBody,
    opts: { status?: number; requestId?: string; retryAfter?: number } = {},
  ) {
    return new FrontrowError(body.code, body.message, {
      ...opts,
      ...(body.details === undefined ? {} : { details: body.details }),
    });
  }
}

/** Narrowing helper: `isFrontrowError(err, 'SEAT_UNAVAILABLE')`. */
export function isFrontrowError(err: unknown, code?: FrontrowErrorCode): err is FrontrowError {
  return err instanceof FrontrowError && (code === undefined || err.code === code);
}
