import {
  type Concert,
  type DrawLanes,
  type DrawPlace,
  type DrawState,
  type FairnessRecord,
  LANES,
  type Lane,
} from '@frontrow/client/protocol';
import { queueShuffles } from '@frontrow/db';
import { eq } from 'drizzle-orm';
import type { Catalog } from '../catalog/service.ts';
import type { Db } from '../db/client.ts';
import type { RedisClient } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import type { SaleCache } from '../waiting-room/sale-cache.ts';
import { DRAW_ALGORITHM, DRAW_VERSION, drawCommitment, drawOrderHash, seedFromRecord } from './draw.ts';

export interface FairnessDeps {
  redis: RedisClient;
  keys: Keys;
  db: Db;
  saleCache: SaleCache;
}

const tickets = (csv: string | null | undefined): number[] => (csv ? csv.split(',').map(Number) : []);
const ascending = (xs: number[]) => [...xs].sort((a, b) => a - b);

/**
 * The published side of the pre-queue draw: the commitment before it, and after it the seed, the pre-queue and
 * the drawn order, for anyone to recompute (docs/fairness.md). Reads Redis only, except the revealed seed of a
 * sale whose Redis data was rebuilt (MySQL `queue_shuffles`).
 */
export function createFairness(deps: FairnessDeps) {
  const { redis, keys, db, saleCache } = deps;

  async function revealedSeed(concertId: number, cached: string | null): Promise<string | null> {
    if (cached) return cached;
    const [row] = await db
      .select({ seed: queueShuffles.seed })
      .from(queueShuffles)
      .where(eq(queueShuffles.concertId, concertId));
    return (row && seedFromRecord(row.seed)) ?? null;
  }

  return {
    async record(concertId: number): Promise<FairnessRecord> {
      await saleCache.ensure(concertId);
      const [[commit, shuffled, seedField, drawSeed, openedAt], order] = await Promise.all([
        redis.hmget(keys.sale(concertId), 'drawCommit', 'shuffled', 'seed', 'drawSeed', 'openedAt'),
        redis.hmget(keys.drawOrder(concertId), ...LANES),
      ]);
      const base = { concertId, algorithm: DRAW_ALGORITHM, version: DRAW_VERSION } as const;
      const seed = shuffled ? await revealedSeed(concertId, seedField ?? null) : null;
      if (!seed) {
        const pending = { seed: null, drawnAt: null, preQueue: null, drawn: null, orderHash: null };
        return { ...base, state: 'COMMITTED', commitment: commit ?? '', ...pending };
      }
      // The commitment is the seed's by construction (one MULTI wrote both); a rebuilt cache holds a new one.
      const commitment = commit && drawSeed === seed ? commit : drawCommitment(seed);
      const hasOrder = order.some((o) => o !== null);
      const drawn: DrawLanes | null = hasOrder
        ? { vip: tickets(order[0]), presale: tickets(order[1]), normal: tickets(order[2]) }
        : null;
      return {
        ...base,
        state: 'DRAWN',
        commitment,
        seed,
        drawnAt: openedAt ? new Date(Number(openedAt)).toISOString() : null,
        preQueue: drawn && {
          vip: ascending(drawn.vip),
          presale: ascending(drawn.presale),
          normal: ascending(drawn.normal),
        },
        drawn,
        orderHash: drawn && drawOrderHash(drawn),
      };
    },

    async place(concertId: number, userId: string): Promise<DrawPlace> {
      await saleCache.ensure(concertId);
      const [shuffled, rec] = await Promise.all([
        redis.hget(keys.sale(concertId), 'shuffled'),
        redis.hget(keys.draw(concertId), userId),
      ]);
      const state: DrawState = shuffled ? 'DRAWN' : 'COMMITTED';
      if (!rec) return { concertId, state, entry: null };
      const [lane, entryTicket, place, ticket] = rec.split('|');
      return {
        concertId,
        state,
        entry: {
          lane: lane as Lane,
          entryTicket: Number(entryTicket),
          place: Number(place),
          ticket: Number(ticket),
        },
      };
    },

    /** The published commitment of each concert whose sale is cached (null where none is). */
    async commitments(concertIds: number[]): Promise<(string | null)[]> {
      if (concertIds.length === 0) return [];
      const pipeline = redis.pipeline();
      for (const id of concertIds) pipeline.hget(keys.sale(id), 'drawCommit');
      const replies = (await pipeline.exec()) ?? [];
      return concertIds.map((_, i) => (replies[i]?.[1] as string | null) ?? null);
    },
  };
}
export type Fairness = ReturnType<typeof createFairness>;

/** The catalog with each concert's draw commitment in its listing. */
export function withDrawCommitments(catalog: Catalog, fairness: Fairness): Catalog {
  const annotate = async <T extends Concert>(list: T[]): Promise<T[]> => {
    const commits = await fairness.commitments(list.map((c) => c.concertId));
    return list.map((c, i) => ({ ...c, drawCommitment: commits[i] ?? null }));
  };
  return {
    ...catalog,
    listConcerts: async () => annotate(await catalog.listConcerts()),
    getConcert: async (concertId) => (await annotate([await catalog.getConcert(concertId)]))[0]!,
    createConcert: async (input) => (await annotate([await catalog.createConcert(input)]))[0]!,
  };
}
