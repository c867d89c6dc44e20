import type {
  AdminQueueView,
  AdmitRequest,
  AdmitResult,
  NoticeRequest,
  OpenSaleRequest,
  QueueCleanupResult,
  SaleMoveRequest,
  SaleView,
} from '@frontrow/client/protocol';
import { z } from '@hono/zod-openapi';
import { LaneSchema, NoticeLevelSchema } from '../waiting-room/schemas.ts';

/** Admin overrides, each bounded so a typo cannot stall or flood a sale. */
export const OpenSaleSchema = z
  .object({
    groupSize: z.number().int().min(1).max(10_000).optional(),
    intervalSeconds: z.number().int().min(1).max(3_600).optional(),
    maxActive: z.number().int().min(1).max(1_000_000).optional(),
    admitSeatRatio: z.number().min(0.1).max(10).optional().openapi({
      description: 'Admit while READY + ENTERED < ceil(available seats × this); default ADMIT_SEAT_RATIO',
    }),
    reopenOnReturns: z.boolean().optional().openapi({
      description: 'Seats coming back after a sell-out reopen the waiting room (default false)',
    }),
  })
  .strict()
  .openapi('OpenSaleRequest') satisfies z.ZodType<OpenSaleRequest>;

/** Control characters other than line breaks: never part of a plain-text message. */
const hasControl = (s: string) =>
  [...s].some((ch) => {
    const code = ch.charCodeAt(0);
    return (code < 32 && ch !== '\n') || code === 127;
  });

/** Plain text shown to fans: no control characters but line breaks, at most `max` characters. */
const plainText = (max: number) =>
  z
    .string()
    .max(max)
    .refine((s) => !hasControl(s), 'must be plain text (no control characters)');

export const SaleMoveSchema = z
  .object({ reason: plainText(280).optional().openapi({ description: 'Shown to fans (plain text)' }) })
  .strict()
  .openapi('SaleMoveRequest') satisfies z.ZodType<SaleMoveRequest>;

export const NoticeSchema = z
  .object({
    message: plainText(280).openapi({ description: 'Plain text, shown escaped; empty clears the notice' }),
    level: NoticeLevelSchema.default('info'),
  })
  .strict()
  .openapi('NoticeRequest') satisfies z.ZodType<NoticeRequest>;

export const MAX_ADMIT_COUNT = 10_000;
export const AdmitSchema = z
  .object({ count: z.number().int().min(1).max(MAX_ADMIT_COUNT) })
  .strict()
  .openapi('AdmitRequest') satisfies z.ZodType<AdmitRequest>;

export const QueueViewQuery = z.object({
  head: z.coerce
    .number()
    .int()
    .min(1)
    .max(100)
    .default(10)
    .openapi({ description: 'How many of the head to list' }),
});

export const SaleViewSchema = z
  .object({
    concertId: z.number().int(),
    saleState: z.enum(['SCHEDULED', 'QUEUE_OPEN', 'ON_SALE', 'PAUSED', 'CLOSED']),
    groupSize: z.number().int(),
    intervalSeconds: z.number(),
    maxActive: z.number().int(),
    admitSeatRatio: z.number(),
    reopenOnReturns: z.boolean(),
    soldOut: z.boolean(),
    inventory: z
      .object({ available: z.number().int(), held: z.number().int(), sold: z.number().int() })
      .nullable()
      .openapi({
        description: 'The seat count admission last used (a hold past its time counts as available)',
      }),
  })
  .openapi('SaleView') satisfies z.ZodType<SaleView>;

const perLane = z.object({ vip: z.number().int(), presale: z.number().int(), normal: z.number().int() });

export const AdmitResultSchema = z
  .object({
    concertId: z.number().int(),
    requested: z.number().int(),
    admitted: z.number().int(),
    lanes: perLane,
    active: z.number().int(),
    maxActive: z.number().int(),
  })
  .openapi('AdmitResult') satisfies z.ZodType<AdmitResult>;

export const AdminQueueViewSchema = SaleViewSchema.extend({
  waiting: perLane.extend({ total: z.number().int() }),
  ready: z.number().int(),
  entered: z.number().int(),
  admittedPerSecond: z.number(),
  admittedLastMinute: z.number().int(),
  served: perLane,
  left: perLane,
  expired: z.number().int(),
  lastTicket: z.number().int(),
  shuffle: perLane.extend({ seed: z.string() }).nullable(),
  head: z.array(
    z.object({
      position: z.number().int(),
      userId: z.string(),
      lane: LaneSchema,
      ticket: z.number().int(),
      joinedAt: z.string(),
    }),
  ),
}).openapi('AdminQueueView') satisfies z.ZodType<AdminQueueView>;

export const CleanupResultSchema = z
  .object({
    concerts: z.number().int(),
    waitingRemoved: z.number().int(),
    readyExpired: z.number().int(),
    sessionsExpired: z.number().int(),
  })
  .openapi('QueueCleanupResult') satisfies z.ZodType<QueueCleanupResult>;
