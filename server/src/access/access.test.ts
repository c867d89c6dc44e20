import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, grantAccess, type TestServer, uniqueId } from '../../test/harness.ts';

let t: TestServer;
/** The services' clock is real time plus what a test skips. */
let skippedMs = 0;
beforeAll(async () => {
  t = await createTestServer({}, { now: () => new Date(Date.now() + skippedMs) });
});
afterAll(() => t.close());

describe('access sessions and tokens', () => {
  it('opens one session per fan and concert: claiming twice returns the same one', async () => {
    const userId = uniqueId();
    const a = await t.services.accessSessions.open(101, userId, 60_000);
    const b = await t.services.accessSessions.open(101, userId, 60_000);
    expect(a.created).toBe(true);
    expect(b).toEqual({ ...a, created: false });
  });

  it('verifies a token for its own concert and user', async () => {
    const userId = uniqueId();
    const token = await grantAccess(t, userId, 102);
    const grant = await t.services.accessTokens.verify(token, { concertId: 102, userId });
    expect(grant).toMatchObject({ userId, concertId: 102 });
  });

  it('refuses another concert, another user, an ended session, a forged or a user token', async () => {
    const userId = uniqueId();
    const token = await grantAccess(t, userId, 103);
    const verify = (tok: string | undefined, expect_: { concertId?: number; userId?: string }) =>
      t.services.accessTokens.verify(tok, expect_);
    await expect(verify(token, { concertId: 104 })).rejects.toMatchObject({ code: 'WRONG_CONCERT' });
    await expect(verify(token, { userId: 'somebody-else' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(verify(undefined, {})).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(verify(await t.token({ id: userId }), {})).rejects.toMatchObject({ code: 'INVALID_TOKEN' });
    const forged = await new SignJWT({ concertId: 103 })
      .setProtectedHeader({ alg: 'HS256', typ: 'frontrow-access' })
      .setSubject(userId)
      .setJti('x')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('not-the-access-secret-not-the-access-secret'));
    await expect(verify(forged, {})).rejects.toMatchObject({ code: 'INVALID_TOKEN' });

    await t.services.accessSessions.end(103, userId);
    await expect(verify(token, { concertId: 103 })).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
  });

  it('refuses a token whose session expired by the clock', async () => {
    const userId = uniqueId();
    const session = await t.services.accessSessions.open(105, userId, 60_000);
    const token = await t.services.accessTokens.sign({
      userId,
      concertId: 105,
      jti: session.jti,
      expiresAt: new Date(Date.now() + 60 * 60_000),
    });
    expect(await t.services.accessTokens.verify(token)).toMatchObject({ userId, concertId: 105 });
    // The session's key still lives in Redis (real time); the clock says the session is over.
    skippedMs = 60_000;
    try {
      await expect(t.services.accessTokens.verify(token)).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
    } finally {
      skippedMs = 0;
    }
  });
});
