import { createServer } from 'node:http';
import { Server } from 'socket.io';

/**
 * Baseline of scenarios 2 and 4: a bare Socket.IO server (no auth, no adapter, no Redis). Every socket joins
 * one room and its own; the parent (IPC) asks for a room broadcast of a tick-sized packet, or for one personal
 * `queue:admitted` per socket, stamped the way the real server stamps them.
 */
const http = createServer();
const io = new Server(http, { transports: ['websocket'], serveClient: false });
io.on('connection', (socket) => {
  void socket.join('concert');
  void socket.join(`user:${String(socket.handshake.auth?.userId ?? socket.id)}`);
});

const readyWindowMs = Number(process.env.READY_WINDOW_MS ?? 300_000);
process.on('message', (msg: { type: string; tick?: Record<string, unknown>; users?: string[] }) => {
  if (msg.type === 'tick') io.to('concert').emit('queue:tick', { ...msg.tick, at: Date.now() });
  if (msg.type === 'admit') {
    const readyUntil = new Date(Date.now() + readyWindowMs).toISOString();
    for (const id of msg.users ?? [])
      io.to(`user:${id}`).emit('queue:admitted', { concertId: 0, readyUntil });
  }
});
process.on('disconnect', () => process.exit(0));
http.listen(Number(process.env.PORT), '0.0.0.0', () => process.send?.({ type: 'listening' }));
