import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { Redis } from 'ioredis';
import { bearerToken } from '../../server/src/auth/middleware.ts';
import { createUserTokens } from '../../server/src/auth/user-tokens.ts';
import { loadConfig } from '../../server/src/config/index.ts';

/**
 * Baseline of scenario 1: a bare Hono JSON route on @hono/node-server, with an envelope the size of a
 * QueueStatus. Whatever the real routes cost above this is Frontrow's own work (auth, Lua, validation).
 *
 * `GET /redis` is the same route with one Lua script call through ioredis (auto-pipelined, as the server's
 * client is) before it answers: the least any route that answers from Redis can cost.
 *
 * `GET /token` checks the request's user token first, with the server's own verifier (server/src/auth), which
 * answers a token it has seen from memory; `GET /token/redis` checks it and makes the script call. With a status
 * fan's token, the second is the least a status can cost: it must know the fan, and ask Redis where it stands.
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

  const tokens = createUserTokens(loadConfig(process.env).auth);
  const fan = async (authorization: string | undefined) => {
    const token = bearerToken(authorization);
    return token ? (await tokens.verify(token)).id : undefined;
  };
  app.get('/token', async (c) => {
    if (!(await fan(c.req.header('authorization')))) return c.json({ success: false }, 401);
    return c.json({ success: true, data: status });
  });
  app.get('/token/redis', async (c) => {
    const id = await fan(c.req.header('authorization'));
    if (!id) return c.json({ success: false }, 401);
    await placeOf(lane, id);
    return c.json({ success: true, data: status });
  });
}
serve({ fetch: app.fetch, port: Number(process.env.PORT), hostname: '127.0.0.1' });
