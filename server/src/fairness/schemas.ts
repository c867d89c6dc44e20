import { type DrawPlace, type FairnessRecord, LANES } from '@frontrow/client/protocol';
import { z } from '@hono/zod-openapi';

const Tickets = z.array(z.number().int());
const Lanes = z.object({ vip: Tickets, presale: Tickets, normal: Tickets });
const DrawState = z.enum(['COMMITTED', 'DRAWN']);

export const FairnessRecordSchema = z
  .object({
    concertId: z.number().int(),
    algorithm: z.literal('frontrow-draw'),
    version: z.literal(1),
    state: DrawState,
    commitment: z.string().openapi({ description: 'SHA-256 (hex) of the 32-byte seed' }),
    seed: z.string().nullable().openapi({ description: 'The seed (hex), revealed once the draw ran' }),
    drawnAt: z.string().nullable(),
    preQueue: Lanes.nullable().openapi({ description: "Each lane's entry tickets, ascending: the input" }),
    drawn: Lanes.nullable().openapi({ description: 'The same tickets in drawn order: the output' }),
    orderHash: z
      .string()
      .nullable()
      .openapi({ description: 'SHA-256 of "vip:<t,..>\\npresale:<t,..>\\nnormal:<t,..>\\n"' }),
  })
  .openapi('FairnessRecord') satisfies z.ZodType<FairnessRecord>;

export const DrawPlaceSchema = z
  .object({
    concertId: z.number().int(),
    state: DrawState,
    entry: z
      .object({
        lane: z.enum(LANES),
        entryTicket: z.number().int(),
        place: z.number().int(),
        ticket: z.number().int(),
      })
      .nullable(),
  })
  .openapi('DrawPlace') satisfies z.ZodType<DrawPlace>;
