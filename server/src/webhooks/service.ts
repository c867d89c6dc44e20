import { randomBytes, randomUUID } from 'node:crypto';
import type {
  CreateWebhookRequest,
  Webhook,
  WebhookDelivery,
  WebhookEvent,
  WebhookEventType,
} from '@frontrow/client/protocol';
import { Queue } from 'bullmq';
import type { DomainEvent, EventSink } from '../events/index.ts';
import { AppError, notFound } from '../http/errors.ts';
import type { Logger } from '../logging/logger.ts';
import type { RedisClient, RedisConnections } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';

export const WEBHOOK_QUEUE = 'webhooks';

export interface WebhookOptions {
  /** Delivery attempts of one event to one webhook, the first included. */
  attempts: number;
  /** The first retry's delay; each next one doubles it (BullMQ exponential backoff). */
  backoffMs: number;
  /** How long one request may take before it counts as failed. */
  timeoutMs: number;
}
export const WEBHOOK_DEFAULTS: WebhookOptions = { attempts: 8, backoffMs: 2_000, timeoutMs: 5_000 };

/** How many delivery attempts each webhook's log keeps. */
const DELIVERY_LOG_LENGTH = 200;

export interface StoredWebhook extends Webhook {
  secret: string;
}
export interface DeliveryJob {
  webhookId: string;
  event: WebhookEvent;
}

/** A domain event as the webhook event organisers subscribe to (undefined: not one they can). */
export function webhookEventOf(
  e: DomainEvent,
): { type: WebhookEventType; data: Record<string, unknown> } | undefined {
  if (e.type === 'sale.soldout') {
    return { type: 'sale.sold_out', data: { concertId: e.concertId, removed: e.removed } };
  }
  if (e.type !== 'sale.state') return undefined;
  const data = { concertId: e.concertId };
  if (e.state === 'ON_SALE') return { type: e.from === 'PAUSED' ? 'sale.resumed' : 'sale.opened', data };
  if (e.state === 'PAUSED') return { type: 'sale.paused', data };
  if (e.state === 'CLOSED') return { type: 'sale.closed', data };
  return undefined;
}

/**
 * Organisers' webhooks: the registry (Redis), the events they are sent, and their delivery log. Sending is a
 * BullMQ job per event and webhook (worker.ts), so a slow or dead receiver never holds up the request or the
 * sale step that caused the event.
 */
export function createWebhooks(deps: {
  redis: RedisClient;
  connections: RedisConnections;
  keys: Keys;
  logger: Logger;
  now: () => Date;
  options?: Partial<WebhookOptions>;
}) {
  const { redis, keys, logger, now } = deps;
  const options = { ...WEBHOOK_DEFAULTS, ...deps.options };
  const connection = deps.connections.open('bull-producer');
  connection.on('error', () => undefined); // BullMQ reconnects by itself.
  const queue = new Queue<DeliveryJob, unknown, string>(WEBHOOK_QUEUE, {
    connection,
    prefix: keys.bullQueue(WEBHOOK_QUEUE),
    defaultJobOptions: { removeOnComplete: { count: 1_000 }, removeOnFail: { count: 1_000 } },
  });

  const publicView = ({ secret: _secret, ...webhook }: StoredWebhook): Webhook => webhook;

  async function all(): Promise<StoredWebhook[]> {
    const rows = Object.values(await redis.hgetall(keys.webhooks));
    return rows
      .map((r) => JSON.parse(r) as StoredWebhook)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  async function find(webhookId: string): Promise<StoredWebhook> {
    const row = await redis.hget(keys.webhooks, webhookId);
    if (!row) throw notFound('Webhook', { webhookId });
    return JSON.parse(row) as StoredWebhook;
  }

  async function enqueue(
    webhooks: StoredWebhook[],
    type: WebhookEvent['type'],
    data: Record<string, unknown>,
  ) {
    const event: WebhookEvent = { id: `evt_${randomUUID()}`, type, createdAt: now().toISOString(), data };
    await Promise.all(
      webhooks.map((w) =>
        queue.add(
          'deliver',
          { webhookId: w.webhookId, event },
          {
            jobId: `${event.id}.${w.webhookId}`,
            attempts: options.attempts,
            backoff: { type: 'exponential', delay: options.backoffMs },
          },
        ),
      ),
    );
    return event;
  }

  /** Sends an event to every webhook subscribed to its type. */
  async function emit(type: WebhookEventType, data: Record<string, unknown>): Promise<void> {
    const subscribed = (await all()).filter((w) => w.events.includes(type));
    if (subscribed.length > 0) await enqueue(subscribed, type, data);
  }

  return {
    queue,
    options,
    find,
    emit,

    async create(req: CreateWebhookRequest): Promise<Webhook> {
      const url = new URL(req.url);
      if (url.protocol !== 'http:' && url.protocol !== 'https:')
        throw new AppError('VALIDATION_ERROR', 'url: only http and https webhooks are allowed');
      const webhook: StoredWebhook = {
        webhookId: `wh_${randomBytes(8).toString('hex')}`,
        url: url.toString(),
        events: [...new Set(req.events)],
        createdAt: now().toISOString(),
        secret: req.secret,
      };
      await redis.hset(keys.webhooks, webhook.webhookId, JSON.stringify(webhook));
      return publicView(webhook);
    },

    list: async (): Promise<Webhook[]> => (await all()).map(publicView),

    async remove(webhookId: string): Promise<Webhook> {
      const webhook = await find(webhookId);
      await redis.multi().hdel(keys.webhooks, webhookId).del(keys.webhookDeliveries(webhookId)).exec();
      return publicView(webhook);
    },

    /** A `ping` event to one webhook, to test the receiver and its signature check. */
    async ping(webhookId: string): Promise<{ eventId: string }> {
      const event = await enqueue([await find(webhookId)], 'ping', { webhookId });
      return { eventId: event.id };
    },

    async deliveries(webhookId: string): Promise<WebhookDelivery[]> {
      await find(webhookId);
      const rows = await redis.lrange(keys.webhookDeliveries(webhookId), 0, DELIVERY_LOG_LENGTH - 1);
      return rows.map((r) => JSON.parse(r) as WebhookDelivery);
    },

    async record(webhookId: string, delivery: WebhookDelivery): Promise<void> {
      const key = keys.webhookDeliveries(webhookId);
      await redis
        .multi()
        .lpush(key, JSON.stringify(delivery))
        .ltrim(key, 0, DELIVERY_LOG_LENGTH - 1)
        .exec();
    },

    /** The domain events organisers can subscribe to, sent off the caller's path (errors are logged). */
    sink: {
      publish(e: DomainEvent) {
        const mapped = webhookEventOf(e);
        if (mapped)
          emit(mapped.type, mapped.data).catch((err) =>
            logger.warn({ err, type: mapped.type }, 'webhook not queued'),
          );
      },
    } satisfies EventSink,

    close: () => queue.close(),
  };
}
export type Webhooks = ReturnType<typeof createWebhooks>;
