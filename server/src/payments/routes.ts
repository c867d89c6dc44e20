import type { Payment } from '@frontrow/client/protocol';
import { z } from '@hono/zod-openapi';
import { type AccessTokens, accessTokenFrom } from '../access/tokens.ts';
import { type AppContext, currentUser, ok, sendRecorded } from '../http/context.ts';
import { AppError } from '../http/errors.ts';
import { declareRoute, type RoutePresets } from '../http/presets.ts';
import { createRouter, errorResponses, jsonBody, jsonResponse } from '../http/router.ts';
import { type StoredResponse, withIdempotency } from './idempotency.ts';
import {
  ChargeResultSchema,
  ChargeSchema,
  HistoryQuery,
  IdempotencyHeaders,
  LedgerPageSchema,
  PaymentRequestSchema,
  PaymentSchema,
  PointsSchema,
  UserParams,
} from './schemas.ts';
import type { Payments } from './service.ts';

export interface PaymentRouteDeps {
  payments: Payments;
  routes: RoutePresets;
  accessTokens: AccessTokens;
}

const tags = ['points & payments'];

export function paymentRoutes(deps: PaymentRouteDeps) {
  const { routes, accessTokens } = deps;
  const { points, payments, idempotency } = deps.payments;
  const fan = routes.fan({ persist: true });

  const getPoints = declareRoute(fan, {
    method: 'get',
    path: '/api/v1/points',
    tags,
    summary: 'My points balance',
    responses: { 200: jsonResponse(PointsSchema, 'Balance and totals') },
  });

  const getUserPoints = declareRoute(fan, {
    method: 'get',
    path: '/api/v1/users/{userId}/points',
    tags,
    summary: 'A user’s points balance (the user themself or an admin)',
    request: { params: UserParams },
    responses: {
      200: jsonResponse(PointsSchema, 'Balance and totals'),
      ...errorResponses(400, 403, 404),
    },
  });

  const charge = declareRoute(routes.fan({ persist: true, limit: 'booking' }), {
    method: 'post',
    path: '/api/v1/points/charge',
    tags,
    summary: 'Charge points',
    description:
      'An integer amount > 0 (400 otherwise). 422 CHARGE_LIMIT_EXCEEDED above MAX_CHARGE or when the balance ' +
      'would pass MAX_BALANCE. With an Idempotency-Key, a replay returns the first response.',
    request: { headers: IdempotencyHeaders, body: jsonBody(ChargeSchema) },
    responses: { 201: jsonResponse(ChargeResultSchema, 'Charged'), ...errorResponses(400, 409, 422) },
  });

  const history = declareRoute(fan, {
    method: 'get',
    path: '/api/v1/points/history',
    tags,
    summary: 'My ledger, newest first (cursor pagination)',
    request: { query: HistoryQuery },
    responses: { 200: jsonResponse(LedgerPageSchema, 'One page'), ...errorResponses(400) },
  });

  // The access token is checked by the handler, and only while the hold is live (`checkAccess`).
  const pay = declareRoute(routes.access({ persist: true, limit: 'booking', verify: 'handler' }), {
    method: 'post',
    path: '/api/v1/payments',
    tags,
    summary: 'Pay a held reservation with points (access token of its concert)',
    description:
      '402 INSUFFICIENT_POINTS, 404 (not yours), 409 ALREADY_PAID / RESERVATION_EXPIRED / ALREADY_CANCELLED. ' +
      'Paying ends the booking session of the concert. With an Idempotency-Key, a retry after success is ' +
      'replayed even though that session (and so the access token) has ended.',
    request: { headers: IdempotencyHeaders, body: jsonBody(PaymentRequestSchema) },
    responses: {
      201: jsonResponse(PaymentSchema, 'Paid'),
      ...errorResponses(400, 402, 403, 404, 409, 422),
    },
  });

  const listPayments = declareRoute(routes.fan({ persist: true, limit: 'booking' }), {
    method: 'get',
    path: '/api/v1/payments',
    tags,
    summary: 'My payments, newest first',
    responses: { 200: jsonResponse(z.array(PaymentSchema), 'Payments') },
  });

  /**
   * The access token is checked only while the hold is live: a reservation already paid (whose payment ended the
   * session) answers its own 409, and a replayed key its recorded response, instead of a 401.
   */
  async function checkAccess(
    c: AppContext,
    userId: string,
    reservationId: number,
    recorded: () => Promise<StoredResponse | undefined>,
  ) {
    const reservation = await payments.reservation(userId, reservationId);
    if (reservation.status !== 'HELD') return undefined;
    try {
      await accessTokens.verify(
        accessTokenFrom((name) => c.req.header(name)),
        { userId, concertId: reservation.concertId },
      );
      return undefined;
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== 'TOKEN_EXPIRED') throw err;
      // The session may have ended a moment ago because this very reservation was paid.
      const replay = await recorded();
      if (replay) return replay;
      if ((await payments.reservation(userId, reservationId)).status === 'HELD') throw err;
      return undefined;
    }
  }

  return createRouter()
    .openapi(getPoints, async (c) => c.json(ok(await points.balance(currentUser(c).id)), 200))
    .openapi(getUserPoints, async (c) => {
      const caller = currentUser(c);
      const { userId } = c.req.valid('param');
      if (caller.id !== userId && caller.role !== 'admin') {
        throw new AppError('FORBIDDEN', 'You may read only your own points');
      }
      return c.json(ok(await points.balance(userId)), 200);
    })
    .openapi(charge, async (c) => {
      const userId = currentUser(c).id;
      const body = c.req.valid('json');
      const key = c.req.valid('header')['idempotency-key'];
      const request = { userId, key, method: c.req.method, path: c.req.path, body };
      const response = await withIdempotency(idempotency, request, {
        status: 201,
        write: (opts) => points.charge(userId, body.amount, opts),
      });
      return sendRecorded(c, response);
    })
    .openapi(history, async (c) =>
      c.json(ok(await points.history(currentUser(c).id, c.req.valid('query'))), 200),
    )
    .openapi(pay, async (c) => {
      const userId = currentUser(c).id;
      const body = c.req.valid('json');
      const key = c.req.valid('header')['idempotency-key'];
      const request = { userId, key, method: c.req.method, path: c.req.path, body };
      const response = await withIdempotency(idempotency, request, {
        status: 201,
        check: (recorded) => checkAccess(c, userId, body.reservationId, recorded),
        write: (opts) => payments.pay(userId, body.reservationId, opts),
      });
      return sendRecorded(c, response);
    })
    .openapi(listPayments, async (c) => c.json(ok<Payment[]>(await payments.list(currentUser(c).id)), 200));
}
