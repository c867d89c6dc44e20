import type {
  ReservationQueueHealth,
  ReservationQueueStats,
  ReservationRequestAccepted,
  ReservationRequestState,
} from '@frontrow/client/protocol';
import { z } from '@hono/zod-openapi';
import { ReservationSchema } from '../booking/schemas.ts';
import { ErrorBodySchema, IdParam } from '../http/router.ts';

export const RequestParams = z.object({
  requestId: z
    .uuid({ error: 'must be a request id (a UUID)' })
    .openapi({ param: { name: 'requestId', in: 'path' }, example: '7b0f9a52-3c1e-4c8e-9a57-2f7f7f0e3b1d' }),
});

export const StatsParams = z.object({
  concertId: IdParam.openapi({ param: { name: 'concertId', in: 'path' }, example: 1 }),
});

const RequestStatusSchema = z.enum(['PENDING', 'PROCESSING', 'COMPLETED', 'FAILED', 'CANCELLED']);

/** Queued requests have two lanes: the user token's tier. */
const TierSchema = z.enum(['vip', 'normal']);

export const RequestAcceptedSchema = z
  .object({
    requestId: z.string().openapi({ example: '7b0f9a52-3c1e-4c8e-9a57-2f7f7f0e3b1d' }),
    status: z.literal('PENDING'),
    lane: TierSchema,
    position: z
      .number()
      .int()
      .openapi({
        description:
          '1-based place among the concert’s pending requests, counted right after the submit (retried requests ' +
          'and the VIP lane first, then normal). An upper bound: requests submitted in the same instant are ' +
          'counted too; a normal request moves back when VIP requests arrive. 0 when it could not be counted.',
      }),
  })
  .openapi('ReservationRequestAccepted') satisfies z.ZodType<ReservationRequestAccepted>;

export const RequestStateSchema = z
  .object({
    requestId: z.string(),
    status: RequestStatusSchema,
    lane: TierSchema,
    concertId: z.number().int(),
    scheduleId: z.number().int(),
    seatIds: z.array(z.number().int()),
    submittedAt: z.string(),
    startedAt: z.string().nullable().openapi({ description: 'When a worker took it (PROCESSING)' }),
    decidedAt: z.string().nullable().openapi({ description: 'When it was decided or cancelled' }),
    result: ReservationSchema.optional().openapi({ description: 'The hold, when COMPLETED' }),
    error: ErrorBodySchema.optional().openapi({
      description: 'Why it FAILED (the error a v1 hold would give)',
    }),
  })
  .openapi('ReservationRequestState') satisfies z.ZodType<ReservationRequestState>;

const lanes = z.object({ vip: z.number().int(), normal: z.number().int() });

export const QueueStatsSchema = z
  .object({
    concertId: z.number().int(),
    at: z.string(),
    pending: lanes.extend({ total: z.number().int() }).openapi({
      description: '`total` also counts retried requests, which BullMQ puts back at the head of the queue',
    }),
    processing: z.number().int().openapi({ description: 'At most 1: one request per concert at a time' }),
    completed: z.number().int(),
    failed: z.number().int(),
    cancelled: z.number().int(),
    meanWaitMs: z
      .number()
      .nullable()
      .openapi({ description: 'Mean submit → decision time over the last minute; null if none' }),
    throughputPerSecond: z.number().openapi({ description: 'Decisions per second over the last minute' }),
    decidedLastMinute: z.number().int(),
    oldestPendingAgeMs: z.number().nullable(),
  })
  .openapi('ReservationQueueStats') satisfies z.ZodType<ReservationQueueStats>;

export const QueueHealthSchema = z
  .object({
    status: z.enum(['ok', 'degraded']),
    at: z.string(),
    redis: z.object({ ok: z.boolean(), latencyMs: z.number(), error: z.string().optional() }),
    workers: z.object({ alive: z.number().int(), lastHeartbeatAt: z.string().nullable() }),
    concerts: z.number().int().openapi({ description: 'Concerts with queued requests in the last hour' }),
    pending: z.number().int(),
    oldestPendingAgeMs: z.number().nullable(),
  })
  .openapi('ReservationQueueHealth') satisfies z.ZodType<ReservationQueueHealth>;
