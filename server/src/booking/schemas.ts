import type { CreateReservationRequest, Reservation, Seat, SeatMap } from '@frontrow/client/protocol';
import { z } from '@hono/zod-openapi';
import { ScheduleSchema } from '../catalog/schemas.ts';
import { IdParam } from '../http/router.ts';

const positiveId = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

export const SeatSchema = z
  .object({
    seatId: z.number().int(),
    label: z.string().openapi({ example: 'A-B12' }),
    section: z.string(),
    row: z.string(),
    number: z.number().int(),
    grade: z.string(),
    price: z.number().int(),
    status: z.enum(['AVAILABLE', 'HELD', 'SOLD']),
  })
  .openapi('Seat') satisfies z.ZodType<Seat>;

export const SeatMapSchema = z
  .object({ scheduleInfo: ScheduleSchema, seats: z.array(SeatSchema) })
  .openapi('SeatMap') satisfies z.ZodType<SeatMap>;

export const SeatMapParams = z.object({
  concertId: IdParam.openapi({ param: { name: 'concertId', in: 'path' } }),
  scheduleId: IdParam.openapi({ param: { name: 'scheduleId', in: 'path' } }),
});

export const ReservationParams = z.object({
  id: IdParam.openapi({ param: { name: 'id', in: 'path' } }),
});

export const CreateReservationSchema = z
  .object({
    scheduleId: positiveId,
    seatIds: z
      .array(positiveId)
      .min(1, 'name at least one seat')
      .max(50)
      .refine((ids) => new Set(ids).size === ids.length, 'seat ids must not repeat'),
  })
  .openapi('CreateReservationRequest') satisfies z.ZodType<CreateReservationRequest>;

export const ReservationSchema = z
  .object({
    reservationId: z.number().int(),
    reservationNumber: z.string().openapi({ example: 'FR-261224-7KQ9M2XD' }),
    userId: z.string(),
    concertId: z.number().int(),
    scheduleId: z.number().int(),
    seats: z.array(z.object({ seatId: z.number().int(), label: z.string(), price: z.number().int() })),
    totalAmount: z.number().int(),
    status: z.enum(['HELD', 'PAID', 'EXPIRED', 'CANCELLED', 'REFUNDED']),
    extended: z.boolean(),
    reservedAt: z.string(),
    expiresAt: z.string(),
    paidAt: z.string().nullable(),
    closedAt: z.string().nullable(),
  })
  .openapi('Reservation') satisfies z.ZodType<Reservation>;
