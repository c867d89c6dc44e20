import type {
  AccessCodeBatch,
  AccessMode,
  AccessSettings,
  AllowListRequest,
  CreateAccessCodesRequest,
} from '@frontrow/client/protocol';
import { AppError } from '../http/errors.ts';
import type { RedisClient } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import type { SaleCache } from '../waiting-room/sale-cache.ts';
import { hashAccessCode, newAccessCode } from './codes.ts';

export interface AccessCodesDeps {
  redis: RedisClient;
  keys: Keys;
  saleCache: SaleCache;
  now: () => Date;
}

/**
 * Presale and invite codes, allow-lists and the concert's access mode. All of it lives in Redis under the
 * concert's hash tag, where the enter script reads and redeems it in the same step as the entry (enter.lua).
 */
export function createAccessCodes(deps: AccessCodesDeps) {
  const { redis, keys, saleCache, now } = deps;

  async function settings(concertId: number): Promise<AccessSettings> {
    await saleCache.ensure(concertId);
    const [mode, allowListed] = await Promise.all([
      redis.hget(keys.sale(concertId), 'accessMode'),
      redis.hlen(keys.allowList(concertId)),
    ]);
    return { concertId, accessMode: (mode ?? 'open') as AccessMode, allowListed };
  }

  return {
    settings,

    /** Creates `count` codes; the clear codes are returned this once and only their hashes are kept. */
    async create(concertId: number, req: CreateAccessCodesRequest): Promise<AccessCodeBatch> {
      const expiresAt = new Date(req.expiresAt);
      if (expiresAt <= now()) throw new AppError('VALIDATION_ERROR', 'expiresAt must be in the future');
      await saleCache.ensure(concertId);
      const codes = Array.from({ length: req.count }, newAccessCode);
      const record = `${req.lane}|${req.usesPerCode}|${expiresAt.getTime()}`;
      await redis.hset(
        keys.accessCodes(concertId),
        Object.fromEntries(codes.map((c) => [hashAccessCode(c), record])),
      );
      return {
        concertId,
        codes,
        usesPerCode: req.usesPerCode,
        lane: req.lane,
        expiresAt: expiresAt.toISOString(),
      };
    },

    async setMode(concertId: number, mode: AccessMode): Promise<AccessSettings> {
      await saleCache.ensure(concertId);
      await redis.hset(keys.sale(concertId), 'accessMode', mode);
      return settings(concertId);
    },

    /** Lets these users into a codes-only sale without a code, in the given lane. */
    async allow(concertId: number, req: AllowListRequest): Promise<AccessSettings> {
      await saleCache.ensure(concertId);
      await redis.hset(
        keys.allowList(concertId),
        Object.fromEntries(req.userIds.map((id) => [id, req.lane])),
      );
      return settings(concertId);
    },
  };
}
export type AccessCodes = ReturnType<typeof createAccessCodes>;
