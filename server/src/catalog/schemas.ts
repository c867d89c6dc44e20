import type { Concert, CreateConcertRequest, CreatedConcert, Schedule } from '@frontrow/client/protocol';
import { z } from '@hono/zod-openapi';

const isoTime = z.iso.datetime({
  offset: true,
  error: 'must be an ISO 8601 date-time, e.g. 2026-12-24T19:00:00Z',
});

export const MAX_SEATS_PER_SCHEDULE = 20_000;

export const SectionSchema = z.object({
  name: z.string().trim().min(1).max(40),
  grade: z.string().trim().min(1).max(20),
  price: z.number().int().min(0).max(10_000_000),
  rows: z.number().int().min(1).max(100),
  seatsPerRow: z.number().int().min(1).max(200),
});

export const CreateConcertSchema = z
  .object({
    title: z.string().trim().min(1).max(200),
    venueName: z.string().trim().min(1).max(200),
    schedules: z
      .array(
        z.object({
          startsAt: isoTime,
          bookingOpenAt: isoTime,
          bookingCloseAt: isoTime,
          sections: z
            .array(SectionSchema)
            .min(1)
            .max(20)
            .refine((s) => new Set(s.map((x) => x.name)).size === s.length, 'section names must be unique')
            .refine(
              (s) => s.reduce((n, x) => n + x.rows * x.seatsPerRow, 0) <= MAX_SEATS_PER_SCHEDULE,
              `a schedule has at most ${MAX_SEATS_PER_SCHEDULE} seats`,
            ),
        }),
      )
      .min(1)
      .max(20),
  })
  .openapi('CreateConcertRequest') satisfies z.ZodType<CreateConcertRequest>;

export const ConcertSchema = z
  .object({
    concertId: z.number().int(),
    title: z.string(),
    venueName: z.string(),
    saleState: z.enum(['SCHEDULED', 'QUEUE_OPEN', 'ON_SALE', 'PAUSED', 'CLOSED']),
    saleOpensAt: z.string(),
    saleClosesAt: z.string(),
    scheduleCount: z.number().int(),
    drawCommitment: z.string().nullable().optional().openapi({
      description: 'SHA-256 (hex) of the secret seed of the pre-queue draw (GET .../fairness)',
    }),
  })
  .openapi('Concert') satisfies z.ZodType<Concert>;

export const ScheduleSchema = z
  .object({
    scheduleId: z.number().int(),
    concertId: z.number().int(),
    concertTitle: z.string(),
    venueName: z.string(),
    performanceDate: z.string().openapi({ example: '2026-12-24' }),
    performanceTime: z.string().openapi({ example: '19:00' }),
    bookingOpenAt: z.string(),
    bookingCloseAt: z.string(),
    availableSeats: z.number().int(),
    totalSeats: z.number().int(),
    status: z.enum(['UPCOMING', 'OPEN', 'SOLD_OUT', 'CLOSED']),
  })
  .openapi('Schedule') satisfies z.ZodType<Schedule>;

export const CreatedConcertSchema = ConcertSchema.extend({ schedules: z.array(ScheduleSchema) }).openapi(
  'CreatedConcert',
) satisfies z.ZodType<CreatedConcert>;

const isoDate = z.iso.date({ error: 'must be a date YYYY-MM-DD' });
export const ScheduleQuerySchema = z
  .object({ fromDate: isoDate.optional(), toDate: isoDate.optional() })
  .refine((q) => !q.fromDate || !q.toDate || q.fromDate <= q.toDate, {
    message: 'fromDate must not be after toDate',
    path: ['fromDate'],
  });
