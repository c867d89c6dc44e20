/**
 * Tokens whose signature and claims were verified, by their exact text, until they expire. A fan sends the same
 * user token and access token with every request, and verifying a signature costs a trip to libuv's thread pool
 * and about a quarter of a light request's CPU. A hit is the very same string, so the very same signed claims; it
 * is answered until its `expiresAt`, checked on every hit. What a token cannot say (an access token's session
 * ended) is still checked by the caller on every request. Bounded: at `max` entries the memory starts over.
 */
export function verifiedTokens<T extends { expiresAt?: Date }>(max = 100_000) {
  const entries = new Map<string, T>();
  return {
    get(token: string, nowMs: number): T | undefined {
      const hit = entries.get(token);
      return hit?.expiresAt && hit.expiresAt.getTime() > nowMs ? hit : undefined;
    },
    set(token: string, value: T): void {
      if (entries.size >= max) entries.clear();
      entries.set(token, value);
    },
  };
}
