import { serve } from '@hono/node-server';
import { Hono } from 'hono';

/**
 * Baseline of scenario 1: a bare Hono JSON route on @hono/node-server, with an envelope the size of a
 * QueueStatus. Whatever the real routes cost above this is Frontrow's own work (auth, Lua, validation).
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
serve({ fetch: app.fetch, port: Number(process.env.PORT), hostname: '127.0.0.1' });
