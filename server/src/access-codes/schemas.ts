import type {
  AccessCodeBatch,
  AccessModeRequest,
  AccessSettings,
  AllowListRequest,
  CreateAccessCodesRequest,
} from '@frontrow/client/protocol';
import { z } from '@hono/zod-openapi';

const AccessLane = z.enum(['presale', 'vip']).openapi({
  description:
    '`vip`: the VIP lane; `presale`: the presale lane, between VIP and normal (a VIP fan keeps the VIP lane). ' +
    'Either lets its holder into a codes-only sale.',
});
const AccessMode = z.enum(['open', 'codes-only']);

export const CreateAccessCodesSchema = z
  .object({
    count: z.number().int().min(1).max(10_000),
    usesPerCode: z.number().int().min(1).max(1_000_000),
    lane: AccessLane,
    expiresAt: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' }),
  })
  .openapi('CreateAccessCodesRequest') satisfies z.ZodType<CreateAccessCodesRequest>;

export const AccessCodeBatchSchema = z
  .object({
    concertId: z.number().int(),
    codes: z.array(z.string()).openapi({ description: 'Shown this once: only their SHA-256 is stored' }),
    usesPerCode: z.number().int(),
    lane: AccessLane,
    expiresAt: z.string(),
  })
  .openapi('AccessCodeBatch') satisfies z.ZodType<AccessCodeBatch>;

export const AccessModeSchema = z
  .object({ accessMode: AccessMode })
  .openapi('AccessModeRequest') satisfies z.ZodType<AccessModeRequest>;

export const AllowListSchema = z
  .object({ userIds: z.array(z.string().min(1).max(64)).min(1).max(10_000), lane: AccessLane })
  .openapi('AllowListRequest') satisfies z.ZodType<AllowListRequest>;

export const AccessSettingsSchema = z
  .object({ concertId: z.number().int(), accessMode: AccessMode, allowListed: z.number().int() })
  .openapi('AccessSettings') satisfies z.ZodType<AccessSettings>;
