import { type ApiErrorBody, ERROR_CODES, type ErrorEnvelope } from '@frontrow/client/protocol';
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from './context.ts';
import { AppError } from './errors.ts';

/**
 * Every router of the service is made here, so every route turns a failed zod validation into the same
 * 400 VALIDATION_ERROR envelope, naming each bad field.
 */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.error);
    },
  });
}

export function validationError(error: z.ZodError): AppError {
  const fields = error.issues.map((i) => ({ path: i.path.join('.') || '(body)', message: i.message }));
  const first = fields[0];
  const summary = first ? `${first.path}: ${first.message}` : 'invalid input';
  return new AppError('VALIDATION_ERROR', `Invalid request: ${summary}`, { fields });
}

/** Shared schemas for the edges. */
export const IdParam = z.coerce
  .number({ error: 'must be a positive integer' })
  .int('must be a positive integer')
  .positive('must be a positive integer')
  .max(Number.MAX_SAFE_INTEGER);

/** An error's body: a code from the closed list (docs/api.md), in answers, socket acks and queued requests. */
export const ErrorBodySchema = z.object({
  code: z.enum(ERROR_CODES).openapi({ example: 'VALIDATION_ERROR' }),
  message: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
}) satisfies z.ZodType<ApiErrorBody>;

export const ErrorSchema = z
  .object({ success: z.literal(false), error: ErrorBodySchema })
  .openapi('Error') satisfies z.ZodType<ErrorEnvelope>;

export function envelope<T extends z.ZodType>(data: T) {
  return z.object({ success: z.literal(true), data });
}

export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { 'application/json': { schema } },
});

export const jsonResponse = <T extends z.ZodType>(schema: T, description: string) => ({
  content: { 'application/json': { schema: envelope(schema) } },
  description,
});

/** Every 429 says when to come back (app.ts always sends the header). */
const retryAfter = {
  'Retry-After': {
    description: 'Seconds to wait before trying again',
    schema: { type: 'integer' as const, minimum: 1 },
  },
};

interface ErrorResponse {
  content: { 'application/json': { schema: typeof ErrorSchema } };
  description: string;
  headers?: typeof retryAfter;
}

/** The error responses most routes can give, for the OpenAPI document; a 429 carries Retry-After. */
export function errorResponses(...statuses: number[]) {
  const out: Record<number, ErrorResponse> = {};
  for (const s of statuses) {
    out[s] =
      s === 429
        ? {
            content: { 'application/json': { schema: ErrorSchema } },
            description: 'Too many requests: a limit of this route ran out',
            headers: retryAfter,
          }
        : { content: { 'application/json': { schema: ErrorSchema } }, description: 'Error' };
  }
  return out;
}
