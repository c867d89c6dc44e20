import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { Redis } from 'ioredis';

/**
 * Baseline of scenario 1: a bare Hono JSON route on @hono/node-server, with an envelope the size of a
 * QueueStatus. Whatever the real routes cost above this is Frontrow's own work (auth, Lua, validation).
 *
 * `GET /redis` is the same route with one Lua script call through ioredis (auto-pipelined, as the server's
 * client is) before it answers: the least any route that answers from Redis can cost.
 */
const app = new Hono();
const status = {
  concertId: 1,
  concertTitle: 'Baseline concert',
  status: 'WAITING',
  lane: 'normal',
  ticket: 1234,
  laneSeq: 1234,
  position: 1234,
  aheadCount: 1233,
  totalWaiting: 5000,
  estimatedWaitSeconds: 120,
  estimatedEnterAt: new Date().toISOString(),
  canEnter: false,
};
app.get('/json', (c) => c.json({ success: true, data: status }));
app.post('/json', (c) => c.json({ success: true, data: status }, 201));

if (process.env.REDIS_URL) {
  const redis = new Redis(process.env.REDIS_URL, { enableAutoPipelining: true });
  redis.defineCommand('placeOf', {
    numberOfKeys: 1,
    lua: "return { redis.call('ZSCORE', KEYS[1], ARGV[1]), redis.call('ZCARD', KEYS[1]) }",
  });
  const lane = `${process.env.REDIS_PREFIX ?? 'frbench'}:baseline:lane`;
  const placeOf = (
    redis as unknown as { placeOf(key: string, member: string): Promise<unknown> }
  ).placeOf.bind(redis);
  app.get('/redis', async (c) => {
    await placeOf(lane, 'fan');
    return c.json({ success: true, data: status });
  });
}
serve({ fetch: app.fetch, port: Number(process.env.PORT), hostname: '127.0.0.1' });
