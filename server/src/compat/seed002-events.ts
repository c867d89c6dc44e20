import type { Config } from '../config/index.ts';
import type { DomainEvent, EventSink } from '../events/index.ts';
import type { Broadcaster } from '../realtime/fan-out.ts';
import { rooms } from '../realtime/rooms.ts';
import { resultView, statusWord } from './seed002.ts';

/**
 * Seed 002's socket messages, `{type, data}` with type status_update, reservation_complete or reservation_failed,
 * sent as Socket.IO events of those names to the fan's sockets beside Frontrow's own `reservation:update`. The
 * document's raw WebSocket endpoints are not served: a client connects to Frontrow's Socket.IO gateway instead.
 */
export function seed002Events(deps: { config: Readonly<Config>; io: Pick<Broadcaster, 'to'> }) {
  if (!deps.config.compatRoutes.includes('seed002')) return [];
  const { io } = deps;
  const sink: EventSink = {
    publish(event: DomainEvent) {
      if (event.type !== 'reservation.update') return;
      const base = { request_id: event.requestId, status: statusWord(event.status) };
      const [type, data] =
        event.status === 'COMPLETED'
          ? ['reservation_complete', { ...base, result: resultView(event.result) }]
          : event.status === 'FAILED'
            ? ['reservation_failed', { ...base, code: event.error?.code, message: event.error?.message }]
            : ['status_update', base];
      io.to(rooms.user(event.userId)).emit(type, { type, data });
    },
  };
  return [sink];
}
