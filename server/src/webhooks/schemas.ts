import {
  type CreateWebhookRequest,
  WEBHOOK_EVENTS,
  type Webhook,
  type WebhookDelivery,
  type WebhookPing,
} from '@frontrow/client/protocol';
import { z } from '@hono/zod-openapi';

const EventType = z.enum(WEBHOOK_EVENTS);

export const WebhookParams = z.object({
  webhookId: z
    .string()
    .regex(/^wh_[0-9a-f]{16}$/, 'must be a webhook id (wh_ and 16 hex digits)')
    .openapi({ param: { name: 'webhookId', in: 'path' }, example: 'wh_0123456789abcdef' }),
});

export const CreateWebhookSchema = z
  .object({
    url: z
      .url({ protocol: /^https?$/, error: 'must be an http or https URL' })
      .max(2_000)
      .openapi({ example: 'https://example.com/frontrow' }),
    events: z.array(EventType).min(1),
    secret: z.string().min(16).max(256).openapi({ description: 'Signs every delivery (Frontrow-Signature)' }),
  })
  .openapi('CreateWebhookRequest') satisfies z.ZodType<CreateWebhookRequest>;

export const WebhookSchema = z
  .object({ webhookId: z.string(), url: z.string(), events: z.array(EventType), createdAt: z.string() })
  .openapi('Webhook') satisfies z.ZodType<Webhook>;

export const WebhookDeliverySchema = z
  .object({
    eventId: z.string(),
    type: z.union([EventType, z.literal('ping')]),
    attempt: z.number().int(),
    at: z.string(),
    outcome: z.enum(['DELIVERED', 'RETRYING', 'FAILED']),
    httpStatus: z.number().int().nullable(),
    error: z.string().nullable(),
    durationMs: z.number().int(),
  })
  .openapi('WebhookDelivery') satisfies z.ZodType<WebhookDelivery>;

export const PingSchema = z
  .object({ eventId: z.string() })
  .openapi('WebhookPing') satisfies z.ZodType<WebhookPing>;
