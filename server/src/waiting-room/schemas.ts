import {
  type AccessTokenGrant,
  type EnterRequest,
  LANES,
  type QueueStatus,
  type SaleNotice,
  type WaitRange,
} from '@frontrow/client/protocol';
import { z } from '@hono/zod-openapi';
import { IdParam } from '../http/router.ts';

export const ConcertParams = z.object({
  concertId: IdParam.openapi({ param: { name: 'concertId', in: 'path' }, example: 1 }),
});

export const LaneSchema = z.enum(LANES);

export const WaitRangeSchema = z
  .object({ lowSeconds: z.number().int(), midSeconds: z.number().int(), highSeconds: z.number().int() })
  .openapi('WaitRange', {
    description: 'Fast, likely and slow case of the wait, from the spread of recent admission ticks',
  }) satisfies z.ZodType<WaitRange>;

export const NoticeLevelSchema = z.enum(['info', 'warning']);

export const SaleNoticeSchema = z
  .object({
    concertId: z.number().int(),
    message: z.string().max(280).openapi({ description: 'Plain text; show it escaped' }),
    level: NoticeLevelSchema,
    at: z.string(),
  })
  .openapi('SaleNotice') satisfies z.ZodType<SaleNotice>;

export const QueueStatusSchema = z
  .object({
    concertId: z.number().int(),
    concertTitle: z.string(),
    status: z.enum(['WAITING', 'READY', 'ENTERED', 'EXPIRED', 'NOT_IN_QUEUE', 'BOOKING_CLOSED', 'SOLD_OUT']),
    lane: LaneSchema.nullable(),
    ticket: z.number().int().nullable().openapi({ description: 'Concert-wide, dense 1..N over both lanes' }),
    laneSeq: z
      .number()
      .int()
      .nullable()
      .optional()
      .openapi({ description: 'Dense sequence inside the lane: read your place off a `queue:tick` with it' }),
    position: z.number().int().nullable().openapi({ description: '1-based place while WAITING, else null' }),
    aheadCount: z.number().int().nullable(),
    totalWaiting: z.number().int(),
    estimatedWaitSeconds: z.number().int().nullable().openapi({
      description: 'From the measured admission rate (moving average); the configured rate before it',
    }),
    estimatedEnterAt: z.string().nullable(),
    canEnter: z.boolean(),
    readyUntil: z.string().optional().openapi({ description: 'READY: claim the access token before this' }),
    sessionExpiresAt: z.string().optional().openapi({ description: 'ENTERED: booking allowed until this' }),
    seatsLeft: z.number().int().optional().openapi({
      description: 'AVAILABLE seats: exact below 100, else rounded down to two significant digits',
    }),
    seatsHeld: z
      .number()
      .int()
      .optional()
      .openapi({ description: 'Seats in live holds (they may come back)' }),
    estimatedWait: WaitRangeSchema.nullable().optional(),
    notice: SaleNoticeSchema.nullable().optional(),
    stateReason: z
      .string()
      .nullable()
      .optional()
      .openapi({ description: 'Why the sale is PAUSED or CLOSED' }),
  })
  .openapi('QueueStatus') satisfies z.ZodType<QueueStatus>;

export const AccessTokenGrantSchema = z
  .object({ accessToken: z.string(), expiresAt: z.string(), status: z.literal('ENTERED') })
  .openapi('AccessTokenGrant') satisfies z.ZodType<AccessTokenGrant>;

export const EnterSchema = z
  .object({
    accessCode: z
      .string()
      .min(1)
      .max(64)
      .optional()
      .openapi({ description: 'A presale or VIP code (a codes-only sale needs one, or the allow-list)' }),
    challenge: z.string().min(1).max(300).optional().openapi({ description: 'From GET .../queue/challenge' }),
    nonce: z
      .string()
      .regex(/^\d{1,16}$/, 'must be a decimal number')
      .optional()
      .openapi({ description: 'SHA-256(`<challenge>.<nonce>`) starts with difficultyBits zero bits' }),
  })
  .openapi('EnterRequest') satisfies z.ZodType<EnterRequest>;
