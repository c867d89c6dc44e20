import { AppError } from '../http/errors.ts';
import { forwardedEntry } from '../ops/rate-limit.ts';

export interface ConnectionLimits {
  /** Sockets one user may hold open on this process; 0 = no cap. */
  perUser: number;
  /** Sockets one client address may hold open on this process; 0 = no cap. */
  perAddress: number;
}

/**
 * Caps the sockets one user and one client address hold open, so a script cannot take every file descriptor
 * and the memory of a gateway with connections it never uses.
 *
 * Counted per process, not across replicas in Redis: what a flood exhausts is each process's descriptors and
 * memory, which a per-process count bounds exactly; a Redis count would outlive a crashed replica (its sockets
 * are gone, its increments are not) and lock fans out until something expired it, and would put a Redis round
 * trip on every connect and disconnect. Behind N replicas a user may hold up to N × perUser sockets in all.
 */
export function createConnectionLimits(limits: ConnectionLimits) {
  const byUser = new Map<string, number>();
  const byAddress = new Map<string, number>();

  const inc = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  const dec = (m: Map<string, number>, k: string) => {
    const n = (m.get(k) ?? 1) - 1;
    if (n <= 0) m.delete(k);
    else m.set(k, n);
  };

  return {
    /**
     * Counts a new socket of `userId` from `address`, or throws RATE_LIMITED naming the cap it would pass. The
     * returned release must run once, when the socket disconnects.
     */
    acquire(userId: string, address: string): () => void {
      if (limits.perUser > 0 && (byUser.get(userId) ?? 0) >= limits.perUser) {
        throw new AppError('RATE_LIMITED', `At most ${limits.perUser} connections per user`, {
          limit: limits.perUser,
          per: 'user',
        });
      }
      if (limits.perAddress > 0 && (byAddress.get(address) ?? 0) >= limits.perAddress) {
        throw new AppError('RATE_LIMITED', `At most ${limits.perAddress} connections per client address`, {
          limit: limits.perAddress,
          per: 'address',
        });
      }
      inc(byUser, userId);
      inc(byAddress, address);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        dec(byUser, userId);
        dec(byAddress, address);
      };
    },
  };
}

/**
 * The client address of a handshake, read as the HTTP routes read it (ops/rate-limit.ts): behind `hops` trusted
 * proxies it is the X-Forwarded-For entry that many from the right; everything left of it was written by the
 * client and proves nothing.
 */
export function handshakeAddress(
  headers: Record<string, string | string[] | undefined>,
  remote: string,
  proxy: { trustProxy: boolean; trustProxyHops: number },
): string {
  if (!proxy.trustProxy) return remote;
  const header = headers['x-forwarded-for'];
  return forwardedEntry(Array.isArray(header) ? header.join(',') : header, proxy.trustProxyHops) ?? remote;
}
