import type { QueueStatus } from '@frontrow/client/protocol';
import { z } from '@hono/zod-openapi';
import { AdminQueueViewSchema, CleanupResultSchema } from '../admission/schemas.ts';
import type { Services } from '../compose.ts';
import { currentUser } from '../http/context.ts';
import { AppError } from '../http/errors.ts';
import { declareRoute } from '../http/presets.ts';
import { createRouter, errorResponses, IdParam } from '../http/router.ts';
import { mapsTo, minutesOf } from './shared.ts';

/**
 * Seed 000, the waiting-room API guide v2: enter, status, exit, the booking token, and the organiser's open,
 * queue view and cleanup, with that document's envelope `{message, data, status}` (status echoes the HTTP code).
 */
export const SEED000_TAG = 'compat: seed 000 (waiting-room API guide v2)';

const ConcertParam = z.object({
  concertId: IdParam.openapi({ param: { name: 'concertId', in: 'path' }, example: 123 }),
});

/** The document sends the concert id as a string ("123"); a number is taken too. */
const EnterBody = z
  .object({
    concertId: z
      .union([z.string().regex(/^[1-9]\d{0,15}$/, 'must be a concert id'), z.number()])
      .transform(Number)
      .pipe(z.number().int().positive().max(Number.MAX_SAFE_INTEGER)),
  })
  .openapi('Seed000EnterRequest');

const BatchQuery = z.object({
  batchSize: z.coerce.number().int().min(1).max(10_000).default(10).openapi({ example: 10 }),
});

const Seed000Status = z.enum(['WAITING', 'READY', 'ENTERED', 'NOT_IN_QUEUE', 'BOOKING_CLOSED']);

const QueueData = z
  .object({
    concertId: z.string().openapi({ example: '123' }),
    concertTitle: z.string(),
    queueNumber: z.number().int().nullable().openapi({ description: '1-based place while WAITING' }),
    totalWaitingCount: z.number().int(),
    estimatedWaitTime: z.number().int().nullable().openapi({ description: 'Minutes' }),
    estimatedEnterTime: z.string().nullable().openapi({ example: '14:30:00', description: 'HH:mm:ss, UTC' }),
    status: Seed000Status,
    canEnter: z.boolean(),
  })
  .openapi('Seed000QueueData');

const TokenData = z
  .object({
    concertId: z.string(),
    concertTitle: z.string(),
    status: z.literal('ENTERED'),
    canEnter: z.literal(true),
    accessToken: z.string().openapi({ description: 'Not in the document: the X-Queue-Token for booking' }),
    expiresAt: z.string(),
  })
  .openapi('Seed000TokenData');

const OpenData = z
  .object({
    concertId: z.string(),
    saleState: z.string(),
    batchSize: z.number().int(),
    admitted: z.number().int(),
    active: z.number().int(),
  })
  .openapi('Seed000OpenData');

const reply = <T extends z.ZodType>(data: T, description: string) => ({
  content: {
    'application/json': { schema: z.object({ message: z.string(), data, status: z.number().int() }) },
  },
  description,
});

/** Frontrow's statuses in the document's words: an EXPIRED turn is no longer in the queue; a sold-out sale is closed. */
function toQueueData(s: QueueStatus): z.infer<typeof QueueData> {
  return {
    concertId: String(s.concertId),
    concertTitle: s.concertTitle,
    queueNumber: s.position,
    totalWaitingCount: s.totalWaiting,
    estimatedWaitTime: minutesOf(s.estimatedWaitSeconds),
    estimatedEnterTime: s.estimatedEnterAt ? s.estimatedEnterAt.slice(11, 19) : null,
    status: s.status === 'EXPIRED' ? 'NOT_IN_QUEUE' : s.status === 'SOLD_OUT' ? 'BOOKING_CLOSED' : s.status,
    canEnter: s.canEnter,
  };
}

export function seed000Routes(s: Services) {
  const fan = s.routes.fan({ limit: 'queue' });
  const organiser = s.routes.organiser();
  const tags = [SEED000_TAG];

  const enter = declareRoute(fan, {
    tags,
    method: 'post',
    path: '/v2/waiting-room/enter',
    summary: 'Enter the waiting room (201 the first time)',
    description: mapsTo(
      'POST /api/v1/concerts/{concertId}/queue',
      'entering again is 409 ALREADY_IN_QUEUE (the document’s “already in the queue”) with the current status ' +
        'in details, where the native route answers 200 with the same place.',
    ),
    request: { body: { required: true, content: { 'application/json': { schema: EnterBody } } } },
    responses: { 201: reply(QueueData, 'Entered'), ...errorResponses(400, 401, 404, 409, 503) },
  });
  const status = declareRoute(fan, {
    tags,
    method: 'get',
    path: '/v2/waiting-room/status/{concertId}',
    summary: 'My place in the waiting room',
    description: mapsTo(
      'GET /api/v1/concerts/{concertId}/queue/me',
      'EXPIRED (a READY window or session that ran out) reads as NOT_IN_QUEUE.',
    ),
    request: { params: ConcertParam },
    responses: { 200: reply(QueueData, 'Status'), ...errorResponses(400, 401, 404) },
  });
  const exit = declareRoute(fan, {
    tags,
    method: 'post',
    path: '/v2/waiting-room/exit/{concertId}',
    summary: 'Leave the waiting room',
    description: mapsTo('DELETE /api/v1/concerts/{concertId}/queue/me'),
    request: { params: ConcertParam },
    responses: { 200: reply(QueueData, 'Left: NOT_IN_QUEUE'), ...errorResponses(400, 401, 404) },
  });
  const token = declareRoute(fan, {
    tags,
    method: 'get',
    path: '/v2/reservation/token/{concertId}',
    summary: 'The booking token once READY (ENTERED)',
    description: mapsTo(
      'POST /api/v1/concerts/{concertId}/queue/access-token',
      'a GET that changes state, as the document has it; `data` also carries the access token (X-Queue-Token ' +
        'of the booking routes), which the document leaves out. 403 NOT_ADMITTED before READY.',
    ),
    request: { params: ConcertParam },
    responses: { 200: reply(TokenData, 'ENTERED'), ...errorResponses(400, 401, 403, 404, 409) },
  });
  const open = declareRoute(organiser, {
    tags,
    method: 'post',
    path: '/v2/reservation/open/{concertId}',
    summary: 'Open the sale and admit the next batchSize fans now (admin)',
    description: mapsTo(
      'POST /api/v1/admin/concerts/{concertId}/sale/open with groupSize = batchSize, then POST ' +
        '/api/v1/admin/concerts/{concertId}/admit with count = batchSize',
      'admission keeps running every ADMIT_INTERVAL_SECONDS in groups of batchSize after the call.',
    ),
    request: { params: ConcertParam, query: BatchQuery },
    responses: { 200: reply(OpenData, 'Opened and admitted'), ...errorResponses(400, 401, 403, 404, 409) },
  });
  const view = declareRoute(organiser, {
    tags,
    method: 'get',
    path: '/v2/waiting-room/admin/{concertId}',
    summary: 'The waiting room of a concert (admin)',
    description: mapsTo('GET /api/v1/admin/concerts/{concertId}/queue', '`data` is the native queue view.'),
    request: { params: ConcertParam },
    responses: { 200: reply(AdminQueueViewSchema, 'Queue'), ...errorResponses(400, 401, 403, 404) },
  });
  const cleanup = declareRoute(organiser, {
    tags,
    method: 'post',
    path: '/v2/waiting-room/cleanup',
    summary: 'Remove expired waiting-room entries (admin)',
    description: mapsTo('POST /api/v1/admin/queue/cleanup', '`data` holds the native counts.'),
    responses: { 200: reply(CleanupResultSchema, 'Counts'), ...errorResponses(401, 403) },
  });

  return createRouter()
    .openapi(enter, async (c) => {
      const caller = currentUser(c);
      const { concertId } = c.req.valid('json');
      const entered = await s.waitingRoom.enter(concertId, { id: caller.id, tier: caller.tier });
      if (!entered.created) {
        throw new AppError('ALREADY_IN_QUEUE', 'You are already in the waiting room of this concert', {
          current: toQueueData(entered.status),
        });
      }
      return c.json({ message: '대기열 입장 성공', data: toQueueData(entered.status), status: 201 }, 201);
    })
    .openapi(status, async (c) => {
      const current = await s.waitingRoom.status(c.req.valid('param').concertId, currentUser(c).id);
      return c.json({ message: '대기열 상태 조회 성공', data: toQueueData(current), status: 200 }, 200);
    })
    .openapi(exit, async (c) => {
      const left = await s.waitingRoom.leave(c.req.valid('param').concertId, currentUser(c).id);
      return c.json({ message: '대기열 나가기 성공', data: toQueueData(left), status: 200 }, 200);
    })
    .openapi(token, async (c) => {
      const { concertId } = c.req.valid('param');
      const userId = currentUser(c).id;
      const grant = await s.waitingRoom.claim(concertId, userId);
      const { concertTitle } = await s.waitingRoom.status(concertId, userId);
      const data = {
        concertId: String(concertId),
        concertTitle,
        status: 'ENTERED' as const,
        canEnter: true as const,
        accessToken: grant.accessToken,
        expiresAt: grant.expiresAt,
      };
      return c.json({ message: '예매 토큰 발급 성공', data, status: 200 }, 200);
    })
    .openapi(open, async (c) => {
      const { concertId } = c.req.valid('param');
      const { batchSize } = c.req.valid('query');
      const sale = await s.sales.open(concertId, { groupSize: batchSize });
      const admitted = await s.admission.admitNow(concertId, batchSize);
      const data = {
        concertId: String(concertId),
        saleState: sale.saleState,
        batchSize,
        admitted: admitted.admitted,
        active: admitted.active,
      };
      return c.json({ message: '예매 오픈 성공', data, status: 200 }, 200);
    })
    .openapi(view, async (c) => {
      const data = await s.queueView(c.req.valid('param').concertId, 10);
      return c.json({ message: '관리자 대기열 조회 성공', data, status: 200 }, 200);
    })
    .openapi(cleanup, async (c) =>
      c.json({ message: '만료된 대기열 정리 성공', data: await s.admission.cleanup(), status: 200 }, 200),
    );
}
