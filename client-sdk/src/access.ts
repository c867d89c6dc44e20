/** Looks up the access token to send: the one given, else the concert's, else the last one claimed. */
export type AccessLookup = (explicit?: string, concertId?: number) => string | undefined;

/** Access tokens claimed through this client, so booking calls can omit them. */
export function createAccessStore(initial?: string) {
  const byConcert = new Map<number, string>();
  let last = initial;
  const lookup: AccessLookup = (explicit, concertId) =>
    explicit ?? (concertId === undefined ? undefined : byConcert.get(concertId)) ?? last;
  return {
    lookup,
    remember(concertId: number, token: string) {
      byConcert.set(concertId, token);
      last = token;
    },
    forget(concertId: number) {
      const token = byConcert.get(concertId);
      byConcert.delete(concertId);
      if (token === last) last = undefined;
    },
    /** Sets the default access token (for example one kept across a page reload). */
    set(token: string | undefined) {
      last = token;
    },
  };
}
export type AccessStore = ReturnType<typeof createAccessStore>;
