/**
 * Every Redis key of Frontrow comes from here. Keys of one concert share the hash tag `{c:<id>}`, so all keys
 * that a Lua script touches land in one Redis Cluster slot. The prefix comes from REDIS_PREFIX, so test runs and
 * benchmarks sharing one Redis never meet.
 */
export function createKeys(prefix: string) {
  const c = (concertId: number) => `${prefix}:{c:${concertId}}`;
  return {
    prefix,
    /** BullMQ's own prefix: its queue keys become `<prefix>:bull:<queue>:...`. */
    bullPrefix: `${prefix}:bull`,
    /** Socket.IO adapter channel prefix. */
    socketChannel: `${prefix}:socket.io`,
    concert: c,
  };
}
export type Keys = ReturnType<typeof createKeys>;
