import { z } from '@hono/zod-openapi';
import type { Services } from '../compose.ts';
import { currentUser, ok } from '../http/context.ts';
import { AppError } from '../http/errors.ts';
import { declareRoute } from '../http/presets.ts';
import { createRouter, errorResponses, jsonBody, jsonResponse } from '../http/router.ts';
import { ChargeSchema } from '../payments/schemas.ts';
import { mapsTo, minutesOf, queueTicket, requireSelf, tokenState } from './shared.ts';

/**
 * Seed 001, the queue-token server design: token issue, balance charge and view. Its schedules, seats,
 * reservations and payment share their paths with native routes and are served by compat/clashes.ts.
 */
export const SEED001_TAG = 'compat: seed 001 (queue-token server design)';

/** The document's ids are numbers; Frontrow's user ids are the token's subject, compared by their text. */
export const UserIdField = z
  .union([z.string().min(1).max(64), z.number().int()])
  .openapi({ description: 'Must be the caller (the user token’s subject), else 403 FORBIDDEN' });

const TokenRequest = z
  .object({ userId: UserIdField, scheduleId: z.number().int().positive().max(Number.MAX_SAFE_INTEGER) })
  .openapi('Seed001TokenRequest');

const TokenData = z
  .object({
    token: z.string().openapi({ description: 'Send as Queue-Token (or X-Queue-Token)' }),
    queuePosition: z.number().int().nullable(),
    estimatedWaitTimeMinutes: z.number().int().nullable(),
    status: z.enum(['WAITING', 'ACTIVE', 'EXPIRED']),
  })
  .openapi('Seed001QueueToken');

const UserParam = z.object({
  userId: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: 'userId', in: 'path' } }),
});

const BalanceData = z
  .object({
    userId: z.string(),
    currentBalance: z.number().int(),
    totalCharged: z.number().int(),
    totalUsed: z.number().int(),
    lastUpdated: z.string(),
  })
  .openapi('Seed001Balance');

const ChargeData = z
  .object({
    userId: z.string(),
    chargedAmount: z.number().int(),
    currentBalance: z.number().int(),
    transactionId: z.number().int(),
    chargedAt: z.string(),
  })
  .openapi('Seed001Charge');

export function seed001Routes(s: Services) {
  const tags = [SEED001_TAG];

  const issue = declareRoute(s.routes.fan({ limit: 'queue' }), {
    method: 'post',
    path: '/api/v1/queue/tokens',
    tags,
    summary: 'Join the waiting room of a schedule’s concert and get a queue token',
    description: mapsTo(
      'POST /api/v1/concerts/{concertId}/queue (the concert of scheduleId)',
      'needs the user token, where the document has no authorization; 409 ALREADY_IN_QUEUE for a second ' +
        'token carries the existing token in details. The token is Frontrow’s queue ticket, not a UUID: ' +
        'booking routes accept it once the fan is admitted.',
    ),
    request: { body: jsonBody(TokenRequest) },
    responses: {
      200: jsonResponse(TokenData, 'Queued'),
      ...errorResponses(400, 401, 403, 404, 409, 503),
    },
  });

  const balance = declareRoute(s.routes.fan({ persist: true }), {
    method: 'get',
    path: '/api/v1/users/{userId}/balance',
    tags,
    summary: 'My balance (another user’s is 403)',
    description: mapsTo(
      'GET /api/v1/users/{userId}/points',
      'the native route lets an admin read anyone; here only the user themself, as the document says.',
    ),
    request: { params: UserParam },
    responses: { 200: jsonResponse(BalanceData, 'Balance'), ...errorResponses(400, 401, 403) },
  });

  const charge = declareRoute(s.routes.fan({ persist: true, limit: 'booking' }), {
    method: 'post',
    path: '/api/v1/users/{userId}/balance/charge',
    tags,
    summary: 'Charge my balance',
    description: mapsTo(
      'POST /api/v1/points/charge',
      '200 instead of 201; an amount above MAX_CHARGE or past MAX_BALANCE is 400 VALIDATION_ERROR as the ' +
        'document says (422 CHARGE_LIMIT_EXCEEDED natively). No queue token is needed: charging is not booking.',
    ),
    request: { params: UserParam, body: jsonBody(ChargeSchema) },
    responses: { 200: jsonResponse(ChargeData, 'Charged'), ...errorResponses(400, 401, 403) },
  });

  return createRouter()
    .openapi(issue, async (c) => {
      const body = c.req.valid('json');
      requireSelf(c, body.userId);
      const caller = currentUser(c);
      const { concertId } = await s.booking.scheduleOf(body.scheduleId);
      const token = queueTicket(s.config.accessTokenSecret, caller.id, concertId);
      const entered = await s.waitingRoom.enter(concertId, { id: caller.id, tier: caller.tier });
      if (!entered.created) {
        throw new AppError('ALREADY_IN_QUEUE', 'A queue token for this schedule exists', { token });
      }
      const status = entered.status;
      return c.json(
        ok({
          token,
          queuePosition: status.position,
          estimatedWaitTimeMinutes: minutesOf(status.estimatedWaitSeconds),
          status: tokenState(status.status),
        }),
        200,
      );
    })
    .openapi(balance, async (c) => {
      const { userId } = c.req.valid('param');
      requireSelf(c, userId);
      const points = await s.payments.points.balance(userId);
      return c.json(
        ok({
          userId: points.userId,
          currentBalance: points.balance,
          totalCharged: points.totalCharged,
          totalUsed: points.totalUsed,
          lastUpdated: points.lastUpdated,
        }),
        200,
      );
    })
    .openapi(charge, async (c) => {
      const { userId } = c.req.valid('param');
      requireSelf(c, userId);
      const charged = await s.payments.points.charge(userId, c.req.valid('json').amount).catch((err) => {
        if (err instanceof AppError && err.code === 'CHARGE_LIMIT_EXCEEDED') {
          throw new AppError('VALIDATION_ERROR', err.message, err.details);
        }
        throw err;
      });
      return c.json(
        ok({
          userId: charged.userId,
          chargedAmount: charged.chargedAmount,
          currentBalance: charged.balance,
          transactionId: charged.transactionId,
          chargedAt: charged.chargedAt,
        }),
        200,
      );
    });
}
