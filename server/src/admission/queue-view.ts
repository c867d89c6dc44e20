import { type AdminQueueView, LANES, type Lane } from '@frontrow/client/protocol';
import type { RedisClient } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import { parseFanRecord } from '../redis/records.ts';
import type { SaleCache } from '../waiting-room/sale-cache.ts';
import { saleViewFromHash } from './sale-view.ts';

/**
 * The organiser's view of one waiting room. Read with one pipeline, not atomically: counts may be a step apart,
 * which a dashboard does not mind and which keeps this off the scripts' path.
 */
export function createQueueView(deps: {
  redis: RedisClient;
  keys: Keys;
  saleCache: SaleCache;
  now: () => Date;
}) {
  const { redis, keys, saleCache, now } = deps;

  return async function queueView(concertId: number, headSize = 10): Promise<AdminQueueView> {
    await saleCache.ensure(concertId);
    const nowMs = now().getTime();
    const live = `(${nowMs}`;
    const pipeline = redis
      .pipeline()
      .hgetall(keys.sale(concertId))
      .zcount(keys.ready(concertId), live, '+inf')
      .zcount(keys.sessions(concertId), live, '+inf')
      .hgetall(keys.queueStats(concertId))
      .lrange(keys.admissions(concertId), 0, 499)
      .get(keys.ticketSeq(concertId));
    // 6, 7, 8: each lane's size; 9, 10, 11: each lane's head, in admission order.
    for (const lane of LANES) pipeline.zcard(keys.lane(concertId, lane));
    for (const lane of LANES) pipeline.zrange(keys.lane(concertId, lane), '0', String(headSize - 1));
    const replies = (await pipeline.exec()) ?? [];
    const value = <T>(i: number) => {
      const [err, v] = replies[i] ?? [];
      if (err) throw err;
      return v as T;
    };
    const sale = value<Record<string, string>>(0);
    const stats = value<Record<string, string>>(3);
    const waiting = Object.fromEntries(LANES.map((l, i) => [l, value<number>(6 + i)])) as Record<
      Lane,
      number
    >;

    let lastMinute = 0;
    for (const entry of value<string[]>(4)) {
      const [at, count] = entry.split('|').map(Number);
      if (at === undefined || count === undefined || nowMs - at >= 60_000) break;
      lastMinute += count;
    }

    const headUsers = LANES.flatMap((_, i) => value<string[]>(9 + i)).slice(0, headSize);
    const records = headUsers.length > 0 ? await redis.hmget(keys.fans(concertId), ...headUsers) : [];
    const head: AdminQueueView['head'] = [];
    headUsers.forEach((userId, i) => {
      const fan = parseFanRecord(records[i] ?? '');
      if (!fan || !LANES.includes(fan.lane)) return;
      head.push({
        position: i + 1,
        userId,
        lane: fan.lane,
        ticket: fan.ticket,
        joinedAt: new Date(fan.joinedAtMs).toISOString(),
      });
    });

    const perLane = (prefix: string) =>
      Object.fromEntries(LANES.map((l) => [l, Number(stats[`${prefix}:${l}`] ?? 0)])) as Record<Lane, number>;
    return {
      ...saleViewFromHash(concertId, sale),
      waiting: { ...waiting, total: waiting.vip + waiting.presale + waiting.normal },
      ready: value<number>(1),
      entered: value<number>(2),
      admittedPerSecond: Math.round((lastMinute / 60) * 1000) / 1000,
      admittedLastMinute: lastMinute,
      served: perLane('served'),
      left: perLane('left'),
      expired: Number(stats.expired ?? 0),
      lastTicket: Number(value<string | null>(5) ?? 0),
      shuffle: sale.seed
        ? {
            seed: sale.seed,
            vip: Number(sale.shuffledVip ?? 0),
            presale: Number(sale.shuffledPresale ?? 0),
            normal: Number(sale.shuffledNormal ?? 0),
          }
        : null,
      head,
    };
  };
}
export type QueueView = ReturnType<typeof createQueueView>;
