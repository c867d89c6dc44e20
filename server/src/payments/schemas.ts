import type {
  ChargeRequest,
  ChargeResult,
  LedgerPage,
  Payment,
  PaymentRequest,
  Points,
} from '@frontrow/client/protocol';
import { z } from '@hono/zod-openapi';

export const PointsSchema = z
  .object({
    userId: z.string(),
    balance: z.number().int(),
    totalCharged: z.number().int(),
    totalUsed: z.number().int(),
    lastUpdated: z.string(),
  })
  .openapi('Points') satisfies z.ZodType<Points>;

export const ChargeSchema = z
  .object({
    // Strict number: "1000" (a string), 1.5 and 0 are 400s; above MAX_CHARGE is a 422 from the service.
    amount: z.number().int('amount must be an integer').positive('amount must be greater than 0'),
  })
  .openapi('ChargeRequest') satisfies z.ZodType<ChargeRequest>;

export const ChargeResultSchema = z
  .object({
    userId: z.string(),
    chargedAmount: z.number().int(),
    balance: z.number().int(),
    transactionId: z.number().int(),
    chargedAt: z.string(),
  })
  .openapi('ChargeResult') satisfies z.ZodType<ChargeResult>;

export const LedgerPageSchema = z
  .object({
    items: z.array(
      z.object({
        transactionId: z.number().int(),
        type: z.enum(['CHARGE', 'PAYMENT', 'REFUND']),
        amount: z.number().int(),
        balanceAfter: z.number().int(),
        reservationId: z.number().int().nullable(),
        createdAt: z.string(),
      }),
    ),
    nextCursor: z.string().nullable(),
  })
  .openapi('LedgerPage') satisfies z.ZodType<LedgerPage>;

export const HistoryQuery = z.object({
  cursor: z
    .string()
    .regex(/^[1-9]\d{0,15}$/, 'cursor must be a nextCursor from a previous page')
    .transform(Number)
    .optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

export const UserParams = z.object({
  userId: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: 'userId', in: 'path' } }),
});

export const PaymentRequestSchema = z
  .object({ reservationId: z.number().int().positive().max(Number.MAX_SAFE_INTEGER) })
  .openapi('PaymentRequest') satisfies z.ZodType<PaymentRequest>;

export const PaymentSchema = z
  .object({
    paymentId: z.number().int(),
    reservationId: z.number().int(),
    userId: z.string(),
    amount: z.number().int(),
    paymentMethod: z.literal('POINTS'),
    status: z.enum(['COMPLETED', 'REFUNDED']),
    paidAt: z.string(),
    refundedAt: z.string().nullable(),
    reservation: z.object({
      reservationNumber: z.string(),
      seats: z.array(z.object({ seatId: z.number().int(), label: z.string(), price: z.number().int() })),
    }),
  })
  .openapi('Payment') satisfies z.ZodType<Payment>;

/** Writes that move money or seats accept an Idempotency-Key (docs/api.md "Conventions"). */
export const IdempotencyHeaders = z.object({
  'idempotency-key': z
    .string()
    .min(1)
    .max(128, 'Idempotency-Key is at most 128 characters')
    .regex(/^[\x21-\x7e]+$/, 'Idempotency-Key must be printable ASCII without spaces')
    .optional()
    .openapi({ param: { name: 'idempotency-key', in: 'header' } }),
});
