import { z } from '@hono/zod-openapi';
import { ok } from '../http/context.ts';
import { declareRoute, type RoutePresets } from '../http/presets.ts';
import { createRouter, errorResponses, jsonBody, jsonResponse } from '../http/router.ts';
import {
  CreateWebhookSchema,
  PingSchema,
  WebhookDeliverySchema,
  WebhookParams,
  WebhookSchema,
} from './schemas.ts';
import type { Webhooks } from './service.ts';

/** The organiser's webhooks (role admin). */
export function webhookRoutes(webhooks: Webhooks, routes: RoutePresets) {
  const organiser = routes.organiser();
  const common = { tags: ['webhooks'] };
  const one = { ...common, request: { params: WebhookParams } };
  const errors = errorResponses(400, 404);

  const create = declareRoute(organiser, {
    ...common,
    method: 'post',
    path: '/api/v1/admin/webhooks',
    summary: 'Register a webhook: a URL, the events it wants, and the secret deliveries are signed with',
    request: { body: jsonBody(CreateWebhookSchema) },
    responses: { 201: jsonResponse(WebhookSchema, 'Registered'), ...errorResponses(400) },
  });
  const list = declareRoute(organiser, {
    ...common,
    method: 'get',
    path: '/api/v1/admin/webhooks',
    summary: 'Every registered webhook',
    responses: { 200: jsonResponse(z.array(WebhookSchema), 'Webhooks') },
  });
  const remove = declareRoute(organiser, {
    ...one,
    method: 'delete',
    path: '/api/v1/admin/webhooks/{webhookId}',
    summary: 'Delete a webhook (deliveries not yet sent are dropped)',
    responses: { 200: jsonResponse(WebhookSchema, 'Deleted'), ...errors },
  });
  const ping = declareRoute(organiser, {
    ...one,
    method: 'post',
    path: '/api/v1/admin/webhooks/{webhookId}/ping',
    summary: 'Send a signed `ping` event to the webhook',
    responses: { 202: jsonResponse(PingSchema, 'Queued'), ...errors },
  });
  const deliveries = declareRoute(organiser, {
    ...one,
    method: 'get',
    path: '/api/v1/admin/webhooks/{webhookId}/deliveries',
    summary: 'The delivery log of a webhook, newest first: every attempt, its outcome and the HTTP status',
    responses: { 200: jsonResponse(z.array(WebhookDeliverySchema), 'Deliveries'), ...errors },
  });

  return createRouter()
    .openapi(create, async (c) => c.json(ok(await webhooks.create(c.req.valid('json'))), 201))
    .openapi(list, async (c) => c.json(ok(await webhooks.list()), 200))
    .openapi(remove, async (c) => c.json(ok(await webhooks.remove(c.req.valid('param').webhookId)), 200))
    .openapi(ping, async (c) => c.json(ok(await webhooks.ping(c.req.valid('param').webhookId)), 202))
    .openapi(deliveries, async (c) =>
      c.json(ok(await webhooks.deliveries(c.req.valid('param').webhookId)), 200),
    );
}
