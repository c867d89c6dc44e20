import type { WebhookDelivery } from '@frontrow/client/protocol';
import { type Job, Worker } from 'bullmq';
import type { BackgroundPart } from '../compose.ts';
import type { Logger } from '../logging/logger.ts';
import type { RedisClient, RedisConnections } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import { type DeliveryJob, WEBHOOK_QUEUE, type Webhooks } from './service.ts';
import { signatureHeader } from './signing.ts';

/** How often `admission.minute` goes out for every sale that is selling. */
const MINUTE_MS = 60_000;

/**
 * The worker role's webhook sender: one POST per job, signed, with a timeout; a failure throws so BullMQ retries
 * with exponential backoff up to the attempt limit. Every attempt lands in the webhook's delivery log. Also
 * sends `admission.minute` for every sale that is on sale or paused, once a minute.
 */
export async function startWebhookWorker(deps: {
  connections: RedisConnections;
  redis: RedisClient;
  keys: Keys;
  logger: Logger;
  webhooks: Webhooks;
  now: () => Date;
}): Promise<BackgroundPart> {
  const { redis, keys, logger, webhooks, now } = deps;
  const { attempts, timeoutMs } = webhooks.options;

  async function deliver(job: Job<DeliveryJob>): Promise<void> {
    const { webhookId, event } = job.data;
    const webhook = await webhooks.find(webhookId).catch(() => undefined);
    if (!webhook) return; // deleted since: nothing to send
    const body = JSON.stringify(event);
    const attempt = job.attemptsMade + 1;
    const started = Date.now();
    let httpStatus: number | null = null;
    let error: string | null = null;
    try {
      const res = await fetch(webhook.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Frontrow-Webhooks/1',
          'frontrow-event-id': event.id,
          'frontrow-signature': signatureHeader(webhook.secret, Math.floor(now().getTime() / 1000), body),
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      httpStatus = res.status;
      await res.body?.cancel().catch(() => undefined);
      if (res.status < 200 || res.status >= 300) error = `HTTP ${res.status}`;
    } catch (err) {
      error =
        err instanceof Error && err.name === 'TimeoutError'
          ? `no answer within ${timeoutMs} ms`
          : String(err);
    }
    const outcome: WebhookDelivery['outcome'] = !error
      ? 'DELIVERED'
      : attempt < attempts
        ? 'RETRYING'
        : 'FAILED';
    await webhooks.record(webhookId, {
      eventId: event.id,
      type: event.type,
      attempt,
      at: new Date(started).toISOString(),
      outcome,
      httpStatus,
      error,
      durationMs: Date.now() - started,
    });
    if (error) throw new Error(error);
  }

  async function admissionMinute(): Promise<void> {
    for (const concertId of (await redis.smembers(keys.sales)).map(Number)) {
      const [[state, rate], served, ...waiting] = await Promise.all([
        redis.hmget(keys.sale(concertId), 'state', 'rate'),
        redis.hmget(keys.queueStats(concertId), 'served:vip', 'served:presale', 'served:normal'),
        ...keys.lanes(concertId).map((lane) => redis.zcard(lane)),
      ]);
      if (state !== 'ON_SALE' && state !== 'PAUSED') continue;
      await webhooks.emit('admission.minute', {
        concertId,
        admitted: served.reduce((sum, n) => sum + Number(n ?? 0), 0),
        waiting: waiting.reduce((sum, n) => sum + n, 0),
        rate: Number(rate ?? 0),
      });
    }
  }

  const worker = new Worker<DeliveryJob>(
    WEBHOOK_QUEUE,
    async (job) => (job.name === 'admission-minute' ? admissionMinute() : deliver(job)),
    {
      connection: deps.connections.open('bull-worker'),
      prefix: keys.bullQueue(WEBHOOK_QUEUE),
      concurrency: 16,
    },
  );
  worker.on('failed', (job, err) => {
    if (job && job.attemptsMade >= attempts)
      logger.warn({ err: err.message, job: job.id }, 'webhook given up');
  });
  await webhooks.queue.upsertJobScheduler(
    'admission-minute',
    { every: MINUTE_MS },
    { name: 'admission-minute' },
  );
  return {
    name: 'webhooks',
    async close() {
      await worker.close();
    },
  };
}
