import { ok } from '../http/context.ts';
import { declareRoute, type RoutePresets } from '../http/presets.ts';
import { createRouter, errorResponses, jsonBody, jsonResponse } from '../http/router.ts';
import { ConcertParams, SaleNoticeSchema } from '../waiting-room/schemas.ts';
import type { Admission } from './admit.ts';
import type { QueueView } from './queue-view.ts';
import type { Sales } from './sales.ts';
import {
  AdminQueueViewSchema,
  AdmitResultSchema,
  AdmitSchema,
  CleanupResultSchema,
  NoticeSchema,
  OpenSaleSchema,
  QueueViewQuery,
  SaleMoveSchema,
  SaleViewSchema,
} from './schemas.ts';

export interface AdmissionRouteDeps {
  sales: Sales;
  admission: Admission;
  queueView: QueueView;
  routes: RoutePresets;
}

/** The organiser's controls of a sale (docs/api.md "Admission and sales"); every route needs role admin. */
export function admissionRoutes({ sales, admission, queueView, routes }: AdmissionRouteDeps) {
  const organiser = routes.organiser();
  const common = { tags: ['admin'] };
  const concert = { ...common, request: { params: ConcertParams } };
  const saleResponses = {
    200: jsonResponse(SaleViewSchema, 'The sale now'),
    ...errorResponses(400, 404, 409),
  };
  const move = (path: string, summary: string) =>
    declareRoute(organiser, { ...concert, method: 'post', path, summary, responses: saleResponses });
  /** Pause and close take an optional body with the reason fans see. */
  const moveWithReason = (path: string, summary: string) =>
    declareRoute(organiser, {
      ...common,
      method: 'post',
      path,
      summary,
      request: {
        params: ConcertParams,
        body: { required: false, content: { 'application/json': { schema: SaleMoveSchema } } },
      },
      responses: saleResponses,
    });

  const open = declareRoute(organiser, {
    ...common,
    method: 'post',
    path: '/api/v1/admin/concerts/{concertId}/sale/open',
    summary: 'Open the sale now (early or on time): shuffles the pre-queue once and starts admission',
    description:
      'Optional overrides of ADMIT_GROUP_SIZE, ADMIT_INTERVAL_SECONDS and MAX_ACTIVE_USERS for this sale.',
    request: {
      params: ConcertParams,
      body: { required: false, content: { 'application/json': { schema: OpenSaleSchema } } },
    },
    responses: saleResponses,
  });
  const pause = moveWithReason(
    '/api/v1/admin/concerts/{concertId}/sale/pause',
    'Pause admission (the queue stays); an optional reason is shown to fans',
  );
  const resume = move('/api/v1/admin/concerts/{concertId}/sale/resume', 'Resume admission');
  const close = moveWithReason(
    '/api/v1/admin/concerts/{concertId}/sale/close',
    'Close the sale: every waiting fan and every booking session ends (BOOKING_CLOSED)',
  );
  const noticeResponses = {
    200: jsonResponse(SaleNoticeSchema, 'The notice now (message empty: cleared)'),
    ...errorResponses(400, 404),
  };
  const postNotice = declareRoute(organiser, {
    ...concert,
    method: 'post',
    path: '/api/v1/admin/concerts/{concertId}/notice',
    summary: 'Post a notice to everyone watching the concert (`sale:notice`); an empty message clears it',
    request: { params: ConcertParams, body: jsonBody(NoticeSchema) },
    responses: noticeResponses,
  });
  const deleteNotice = declareRoute(organiser, {
    ...concert,
    method: 'delete',
    path: '/api/v1/admin/concerts/{concertId}/notice',
    summary: 'Clear the notice',
    responses: noticeResponses,
  });
  const admit = declareRoute(organiser, {
    ...concert,
    method: 'post',
    path: '/api/v1/admin/concerts/{concertId}/admit',
    summary: 'Admit the next `count` fans now (VIP first, never beyond the active cap)',
    request: { params: ConcertParams, body: jsonBody(AdmitSchema) },
    responses: {
      200: jsonResponse(AdmitResultSchema, 'Admitted'),
      ...errorResponses(400, 404, 409),
    },
  });
  const view = declareRoute(organiser, {
    ...concert,
    method: 'get',
    path: '/api/v1/admin/concerts/{concertId}/queue',
    summary: 'The waiting room: per lane, ready, entered, admission rate, the head of the queue',
    request: { params: ConcertParams, query: QueueViewQuery },
    responses: { 200: jsonResponse(AdminQueueViewSchema, 'Queue'), ...errorResponses(400, 404) },
  });
  const cleanup = declareRoute(organiser, {
    ...common,
    method: 'post',
    path: '/api/v1/admin/queue/cleanup',
    summary: 'Remove entries older than MAX_WAIT_MINUTES and expired READY fans and sessions, every sale',
    responses: { 200: jsonResponse(CleanupResultSchema, 'Counts') },
  });

  return createRouter()
    .openapi(open, async (c) =>
      c.json(ok(await sales.open(c.req.valid('param').concertId, c.req.valid('json'))), 200),
    )
    .openapi(pause, async (c) =>
      c.json(ok(await sales.pause(c.req.valid('param').concertId, c.req.valid('json')?.reason)), 200),
    )
    .openapi(resume, async (c) => c.json(ok(await sales.resume(c.req.valid('param').concertId)), 200))
    .openapi(close, async (c) =>
      c.json(ok(await sales.close(c.req.valid('param').concertId, c.req.valid('json')?.reason)), 200),
    )
    .openapi(postNotice, async (c) => {
      const { message, level } = c.req.valid('json');
      return c.json(ok(await sales.notice(c.req.valid('param').concertId, message, level)), 200);
    })
    .openapi(deleteNotice, async (c) =>
      c.json(ok(await sales.notice(c.req.valid('param').concertId, '', 'info')), 200),
    )
    .openapi(admit, async (c) =>
      c.json(ok(await admission.admitNow(c.req.valid('param').concertId, c.req.valid('json').count)), 200),
    )
    .openapi(view, async (c) =>
      c.json(ok(await queueView(c.req.valid('param').concertId, c.req.valid('query').head)), 200),
    )
    .openapi(cleanup, async (c) => c.json(ok(await admission.cleanup()), 200));
}
