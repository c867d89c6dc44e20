import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import { FrontrowError } from './errors.ts';
import type { Transport } from './http.ts';
import type { Ack, ClientToServerEvents, ServerToClientEvents } from './protocol.ts';

export type FanSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Socket.IO options passed through to `io()`, plus `url` when sockets live elsewhere than `baseUrl`. */
export type SocketConfig = Partial<ManagerOptions & SocketOptions> & { url?: string };

/** Something that must be re-established on every (re)connection: a watch re-sends itself and reads its ack. */
export interface Resyncable {
  resync(): void;
  /** Connection-level problems (refused token, ...), for the watch's onError. */
  fail?(err: FrontrowError): void;
}

const AUTH_CODES = new Set(['UNAUTHENTICATED', 'TOKEN_EXPIRED', 'INVALID_TOKEN']);
const ACK_TIMEOUT_MS = 10_000;

/**
 * The one Socket.IO connection of a client, opened on first use. WebSocket first (no sticky sessions needed),
 * polling when WebSocket is blocked; Socket.IO reconnects by itself after network trouble, and this adds the
 * two cases it leaves to the application: a refused or expired token (ask the token function again, then
 * reconnect) and re-watching everything after any reconnection. The server acks each watch with the full
 * current state, so nothing depends on packets missed while offline.
 */
export function createRealtime(baseUrl: string, transport: Transport, config: SocketConfig = {}) {
  let socket: FanSocket | undefined;
  const watches = new Set<Resyncable>();
  let authFailures = 0;

  function open(): FanSocket {
    if (socket) return socket;
    const { url, ...options } = config;
    const target = url ?? (baseUrl === '' ? undefined : baseUrl);
    const s: FanSocket = io(target as string, {
      path: '/socket.io',
      transports: ['websocket', 'polling'],
      tryAllTransports: true,
      reconnection: true,
      reconnectionDelay: 500,
      reconnectionDelayMax: 5_000,
      ...options,
      // Called on every (re)connection attempt, so a refreshed token is always the one sent.
      auth: (cb) => {
        transport.token().then(
          (token) => cb({ token: token ?? '' }),
          () => cb({ token: '' }),
        );
      },
    });
    s.on('connect', () => {
      authFailures = 0;
      for (const w of [...watches]) w.resync();
    });
    s.on('connect_error', (err) => {
      const code = (err as Error & { data?: { code?: string } }).data?.code ?? err.message;
      if (!AUTH_CODES.has(code)) return; // network trouble: Socket.IO retries on its own
      // A refused handshake is not retried by Socket.IO. Ask the token function again, a few times at most.
      const refreshed = authFailures++ < 3 ? transport.refreshToken() : undefined;
      if (refreshed) {
        refreshed.then(
          () => s.connect(),
          () => undefined,
        );
        return;
      }
      const error = new FrontrowError(code as 'UNAUTHENTICATED', `socket refused: ${code}`, { status: 401 });
      for (const w of [...watches]) w.fail?.(error);
    });
    s.on('disconnect', (reason) => {
      // The server ends a socket when its user token expires; come back with a fresh one if anyone listens.
      if (reason === 'io server disconnect' && watches.size > 0) {
        const refreshed = transport.refreshToken() ?? Promise.resolve(undefined);
        refreshed.then(
          () => s.connect(),
          () => undefined,
        );
      }
    });
    socket = s;
    return s;
  }

  /** Emits with an ack and a timeout; resolves with the data or throws the server's error. */
  function emit<T>(event: keyof ClientToServerEvents, payload: unknown): Promise<T> {
    // The typed event map cannot carry the timeout variant's (err, res) callback; use the untyped surface.
    const timed = open().timeout(ACK_TIMEOUT_MS) as unknown as {
      emit(ev: string, p: unknown, cb: (err: Error | null, res: Ack<T>) => void): void;
    };
    return new Promise<T>((resolve, reject) => {
      timed.emit(event, payload, (err, res) => {
        if (err) reject(new FrontrowError('TIMEOUT', `${event}: no answer from the server`, { cause: err }));
        else if (res.ok) resolve(res.data);
        else reject(FrontrowError.fromBody(res.error));
      });
    });
  }

  /** Counts watchers per server room, so the last of two watches of the same thing is the one that unwatches. */
  const refs = new Map<string, number>();
  function retain(key: string) {
    refs.set(key, (refs.get(key) ?? 0) + 1);
  }
  function release(key: string): boolean {
    const n = (refs.get(key) ?? 1) - 1;
    if (n > 0) refs.set(key, n);
    else refs.delete(key);
    return n <= 0;
  }

  return {
    /** The socket (opened if needed). */
    socket: open,
    get connected() {
      return socket?.connected ?? false;
    },
    /** Resolves once connected, or false after `timeoutMs`. */
    ready(timeoutMs = 5_000): Promise<boolean> {
      const s = open();
      if (s.connected) return Promise.resolve(true);
      return new Promise((resolve) => {
        const done = (ok: boolean) => {
          clearTimeout(timer);
          s.off('connect', onConnect);
          resolve(ok);
        };
        const onConnect = () => done(true);
        const timer = setTimeout(() => done(false), timeoutMs);
        s.on('connect', onConnect);
      });
    },
    emit,
    retain,
    /** True when this was the last holder of `key`. */
    release,
    /** Registers a watch: synced now if connected, and again after every reconnection. */
    track(watch: Resyncable): () => void {
      watches.add(watch);
      const s = open();
      if (s.connected) watch.resync();
      return () => watches.delete(watch);
    },
    close() {
      watches.clear();
      socket?.disconnect();
      socket = undefined;
    },
  };
}
export type Realtime = ReturnType<typeof createRealtime>;
