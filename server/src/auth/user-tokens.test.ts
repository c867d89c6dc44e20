import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { users } from '@frontrow/db';
import { eq } from 'drizzle-orm';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { concertInput, createTestServer, type TestServer, uniqueId } from '../../test/harness.ts';
import { createAccessTokens } from '../access/tokens.ts';
import { loadConfig } from '../config/index.ts';
import { manualClock } from '../waiting-room/testing.ts';
import { createUserTokens } from './user-tokens.ts';

const SECRET = 'test-secret-that-is-long-enough-for-hs256!!';
const secretKey = new TextEncoder().encode(SECRET);
const hs256 = (claims: Record<string, unknown>, header: Record<string, unknown> = {}) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256', ...header });
const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;

describe('user tokens (HS256 secret)', () => {
  const tokens = createUserTokens(loadConfig({ AUTH_JWT_SECRET: SECRET }).auth);

  it('accepts a valid token and reads sub, name, tier and role', async () => {
    const token = await hs256({
      sub: 'fan-1',
      name: 'Kim',
      tier: 'vip',
      role: 'admin',
      exp: inAnHour(),
    }).sign(secretKey);
    expect(await tokens.verify(token)).toEqual({
      id: 'fan-1',
      name: 'Kim',
      tier: 'vip',
      role: 'admin',
      expiresAt: expect.any(Date),
    });
  });

  it('defaults tier to normal and role to user, and ignores unknown values', async () => {
    const token = await hs256({ sub: 'fan-2', tier: 'platinum', role: 'root', exp: inAnHour() }).sign(
      secretKey,
    );
    expect(await tokens.verify(token)).toMatchObject({
      id: 'fan-2',
      name: 'fan-2',
      tier: 'normal',
      role: 'user',
    });
  });

  const refused: Array<[string, () => Promise<string>, string]> = [
    [
      'a forged signature',
      async () =>
        hs256({ sub: 'x', exp: inAnHour() }).sign(
          new TextEncoder().encode('another-secret-another-secret-xx'),
        ),
      'INVALID_TOKEN',
    ],
    [
      'alg none',
      async () => {
        const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
        return `${enc({ alg: 'none', typ: 'JWT' })}.${enc({ sub: 'x', exp: inAnHour() })}.`;
      },
      'INVALID_TOKEN',
    ],
    [
      'a wrong algorithm (HS512 with the right secret)',
      async () =>
        new SignJWT({ sub: 'x', exp: inAnHour() }).setProtectedHeader({ alg: 'HS512' }).sign(secretKey),
      'INVALID_TOKEN',
    ],
    [
      'an expired token',
      async () => hs256({ sub: 'x', exp: Math.floor(Date.now() / 1000) - 10 }).sign(secretKey),
      'TOKEN_EXPIRED',
    ],
    ['a token without exp', async () => hs256({ sub: 'x' }).sign(secretKey), 'INVALID_TOKEN'],
    ['a token without sub', async () => hs256({ exp: inAnHour() }).sign(secretKey), 'INVALID_TOKEN'],
    [
      'a sub over 64 characters',
      async () => hs256({ sub: 'x'.repeat(65), exp: inAnHour() }).sign(secretKey),
      'INVALID_TOKEN',
    ],
    ['garbage', async () => 'not.a.jwt', 'INVALID_TOKEN'],
    [
      'an access token used as a user token',
      async () => hs256({ sub: 'x', typ: 'frontrow-access', exp: inAnHour() }).sign(secretKey),
      'INVALID_TOKEN',
    ],
  ];
  it.each(refused)('refuses %s', async (_name, make, code) => {
    await expect(tokens.verify(await make())).rejects.toMatchObject({ code });
  });

  it('never takes an access token for a user token, even when both are signed with one secret', async () => {
    const live = { isLive: async () => true } as unknown as Parameters<typeof createAccessTokens>[1];
    const access = createAccessTokens(SECRET, live, () => new Date());
    const accessToken = await access.sign({
      userId: 'fan-a',
      concertId: 1,
      jti: 'j1',
      expiresAt: new Date(Date.now() + 60_000),
    });
    await expect(tokens.verify(accessToken)).rejects.toMatchObject({ code: 'INVALID_TOKEN' });
    // And the other way round: a user token (typ JWT) is no access token.
    const userToken = await hs256(
      { sub: 'fan-a', concertId: 1, jti: 'j1', aud: 'frontrow-booking', exp: inAnHour() },
      { typ: 'JWT' },
    ).sign(secretKey);
    await expect(access.verify(userToken)).rejects.toMatchObject({ code: 'INVALID_TOKEN' });
    // A header typ spelled as a media type is the same typ (RFC 7515 section 4.1.9).
    const spelled = await hs256({ sub: 'x', exp: inAnHour() }, { typ: 'application/Frontrow-Access' }).sign(
      secretKey,
    );
    await expect(tokens.verify(spelled)).rejects.toMatchObject({ code: 'INVALID_TOKEN' });
  });

  it('refuses a token longer than any Authorization header it could have come in', async () => {
    const long = await hs256({ sub: 'x', exp: inAnHour(), pad: 'p'.repeat(9_000) }).sign(secretKey);
    await expect(tokens.verify(long)).rejects.toMatchObject({ code: 'INVALID_TOKEN' });
  });

  it('checks issuer and audience when configured', async () => {
    const strict = createUserTokens(
      loadConfig({ AUTH_JWT_SECRET: SECRET, AUTH_ISSUER: 'https://idp.test', AUTH_AUDIENCE: 'frontrow' })
        .auth,
    );
    const good = await hs256({ sub: 'x', exp: inAnHour(), iss: 'https://idp.test', aud: 'frontrow' }).sign(
      secretKey,
    );
    const badIss = await hs256({ sub: 'x', exp: inAnHour(), iss: 'https://evil.test', aud: 'frontrow' }).sign(
      secretKey,
    );
    expect((await strict.verify(good)).id).toBe('x');
    await expect(strict.verify(badIss)).rejects.toMatchObject({ code: 'INVALID_TOKEN' });
  });
});

describe('user tokens (JWKS of an identity provider)', () => {
  let server: Server;
  let jwksUrl: string;
  let privateKey: CryptoKey;

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    privateKey = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    server = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('accepts RS256 tokens signed by the provider and refuses HS256 tokens', async () => {
    const tokens = createUserTokens(loadConfig({ AUTH_JWKS_URL: jwksUrl }).auth);
    const token = await new SignJWT({ sub: 'idp-user', name: 'Lee', exp: inAnHour() })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .sign(privateKey);
    expect(await tokens.verify(token)).toMatchObject({ id: 'idp-user', name: 'Lee' });
    // No shared secret is configured next to a JWKS, so a symmetric token cannot be verified at all.
    const symmetric = await hs256({ sub: 'x', exp: inAnHour() }).sign(secretKey);
    await expect(tokens.verify(symmetric)).rejects.toMatchObject({ code: 'INVALID_TOKEN' });
  });

  it('refuses a token signed by a key the provider does not publish', async () => {
    const tokens = createUserTokens(loadConfig({ AUTH_JWKS_URL: jwksUrl }).auth);
    const other = await generateKeyPair('RS256');
    const token = await new SignJWT({ sub: 'x', exp: inAnHour() })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .sign(other.privateKey);
    await expect(tokens.verify(token)).rejects.toMatchObject({ code: 'INVALID_TOKEN' });
  });
});

describe('auth over HTTP', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await createTestServer();
  });
  afterAll(() => t.close());

  it('issues dev tokens that the server accepts', async () => {
    const res = await t.call('POST', '/api/v1/auth/dev-token', { body: { userId: 'dev-fan', tier: 'vip' } });
    expect(res.status).toBe(200);
    expect(await t.services.userTokens.verify(res.body.data.token)).toMatchObject({
      id: 'dev-fan',
      tier: 'vip',
    });
    expect(Date.parse(res.body.data.expiresAt)).toBeGreaterThan(Date.now());
  });

  it('validates the dev-token body', async () => {
    for (const body of [{}, { userId: '' }, { userId: 'x', tier: 'gold' }, { userId: 'a b' }]) {
      const res = await t.call('POST', '/api/v1/auth/dev-token', { body });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_ERROR');
    }
  });

  it('answers 401 without a token, 401 for a bad one, 403 for a non-admin on admin routes', async () => {
    const input = concertInput();
    const none = await t.call('POST', '/api/v1/admin/concerts', { body: input });
    expect([none.status, none.body.error.code]).toEqual([401, 'UNAUTHENTICATED']);
    const bad = await t.call('POST', '/api/v1/admin/concerts', { body: input, token: 'x.y.z' });
    expect([bad.status, bad.body.error.code]).toEqual([401, 'INVALID_TOKEN']);
    const fan = await t.token({ role: 'user' });
    const forbidden = await t.call('POST', '/api/v1/admin/concerts', { body: input, token: fan });
    expect([forbidden.status, forbidden.body.error.code]).toEqual([403, 'FORBIDDEN']);
  });

  it('creates the user row on first sight and refreshes it from later tokens', async () => {
    const id = uniqueId('admin');
    await t.call('POST', '/api/v1/admin/concerts', {
      body: concertInput(),
      token: await t.token({ id, role: 'admin' }),
    });
    const [row] = await t.services.database.db.select().from(users).where(eq(users.id, id));
    expect(row).toMatchObject({ id, role: 'admin', tier: 'normal', balance: 0 });
  });

  it('turns the dev issuer off when configured so', async () => {
    const off = await createTestServer({ DEV_TOKENS: 'false' });
    try {
      const res = await off.call('POST', '/api/v1/auth/dev-token', { body: { userId: 'x' } });
      expect(res.status).toBe(404);
    } finally {
      await off.close();
    }
  });
});

describe('verified-token memory', () => {
  it('still refuses a token once its exp has passed', async () => {
    const clock = manualClock();
    const tokens = createUserTokens(loadConfig({ AUTH_JWT_SECRET: SECRET }).auth, clock.now);
    const token = await hs256({ sub: 'short', exp: Math.floor(clock.ms() / 1000) + 1 }).sign(secretKey);
    expect((await tokens.verify(token)).id).toBe('short');
    clock.advance(1_000);
    await expect(tokens.verify(token)).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
  });

  it('never lets a forged token ride on a verified one', async () => {
    const tokens = createUserTokens(loadConfig({ AUTH_JWT_SECRET: SECRET }).auth);
    const good = await hs256({ sub: 'fan', exp: inAnHour() }).sign(secretKey);
    await tokens.verify(good);
    const [head, , sig] = good.split('.');
    const otherClaims = Buffer.from(
      JSON.stringify({ sub: 'admin-ish', role: 'admin', exp: inAnHour() }),
    ).toString('base64url');
    await expect(tokens.verify(`${head}.${otherClaims}.${sig}`)).rejects.toMatchObject({
      code: 'INVALID_TOKEN',
    });
  });
});
