import { createHmac, createSecretKey } from 'node:crypto';
import fc from 'fast-check';
import { type JWTVerifyOptions, jwtVerify, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { importHmacKey } from './hmac-key.ts';
import { hs256Verifier, verifyHs256Sync } from './hs256.ts';

/**
 * The HS256 fast path against jose itself: for every token, the verifier (fast path, then jose) answers exactly
 * what jose alone answers (the same payload and header, or the same error class and code), and whatever the fast
 * path accepts on its own, jose accepts too.
 */

const SECRET = 'hs256-test-secret-of-a-decent-length';
const OTHER = 'another-secret-entirely-of-some-length';
const NOW = 1_900_000_000;
const currentDate = new Date(NOW * 1000);
const joseKey = importHmacKey(SECRET);
const keyObject = createSecretKey(new TextEncoder().encode(SECRET));
const verifier = hs256Verifier(SECRET);

const USER: JWTVerifyOptions = { algorithms: ['HS256'], requiredClaims: ['exp', 'sub'], currentDate };
const USER_ISS_AUD: JWTVerifyOptions = { ...USER, issuer: 'https://id.example', audience: 'frontrow' };
const ACCESS: JWTVerifyOptions = {
  algorithms: ['HS256'],
  audience: 'frontrow-booking',
  typ: 'frontrow-access',
  requiredClaims: ['exp', 'sub', 'jti'],
  currentDate,
};
const TOLERANT: JWTVerifyOptions = { ...USER, clockTolerance: 30 };
const ALL_OPTIONS = [USER, USER_ISS_AUD, ACCESS, TOLERANT];

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64url');
const hmac = (alg: string, secret: string, input: string) =>
  createHmac(alg === 'HS384' ? 'sha384' : alg === 'HS512' ? 'sha512' : 'sha256', secret)
    .update(input)
    .digest('base64url');

/** A compact token from raw JSON texts, signed as `signAlg` with `secret` (or with `signature` as given). */
function token(
  header: unknown,
  claims: unknown,
  opts: { secret?: string; signAlg?: string; signature?: string } = {},
): string {
  const h = typeof header === 'string' ? header : b64(JSON.stringify(header));
  const p = typeof claims === 'string' ? claims : b64(JSON.stringify(claims));
  const input = `${h}.${p}`;
  return `${input}.${opts.signature ?? hmac(opts.signAlg ?? 'HS256', opts.secret ?? SECRET, input)}`;
}

async function outcome(run: () => Promise<{ payload: unknown; protectedHeader?: unknown }>): Promise<string> {
  try {
    const { payload, protectedHeader } = await run();
    return `ok ${JSON.stringify(payload)} ${JSON.stringify(protectedHeader)}`;
  } catch (err) {
    const e = err as Error & { code?: string };
    return `error ${e.constructor.name} ${e.code ?? ''}`;
  }
}

async function same(jwt: string, options: JWTVerifyOptions): Promise<string> {
  const viaJose = await outcome(async () => jwtVerify(jwt, await joseKey, options));
  expect(await outcome(() => verifier.verify(jwt, options))).toBe(viaJose);
  const fast = verifyHs256Sync(keyObject, jwt, options);
  if (fast)
    expect(`ok ${JSON.stringify(fast.payload)} ${JSON.stringify(fast.protectedHeader)}`).toBe(viaJose);
  return viaJose;
}

const good = { sub: 'alice', exp: NOW + 600, iat: NOW - 10, name: 'Alice' };
const access = { sub: 'alice', exp: NOW + 600, iat: NOW, aud: 'frontrow-booking', jti: 's1', concertId: 7 };
const HS = { alg: 'HS256', typ: 'JWT' };
const AT = { alg: 'HS256', typ: 'frontrow-access' };

describe('HS256 fast path', () => {
  it('takes good tokens itself, signed by jose or by hand', async () => {
    const signed = await new SignJWT({ name: 'Alice' })
      .setProtectedHeader(HS)
      .setSubject('alice')
      .setIssuedAt(NOW)
      .setExpirationTime(NOW + 600)
      .sign(await joseKey);
    for (const [jwt, options] of [
      [signed, USER],
      [token(HS, good), USER],
      [token(AT, access), ACCESS],
      [token({ alg: 'HS256' }, good), USER],
      [token(HS, { ...good, iss: 'https://id.example', aud: ['x', 'frontrow'] }), USER_ISS_AUD],
    ] as const) {
      expect(verifyHs256Sync(keyObject, jwt, options)).toBeDefined();
      expect(await same(jwt, options)).toMatch(/^ok /);
    }
  });

  it('refuses exactly what jose refuses, with jose’s error', async () => {
    const valid = token(HS, good);
    const [h, p, s] = valid.split('.') as [string, string, string];
    const flip = (seg: string) => seg.slice(0, 5) + (seg[5] === 'A' ? 'B' : 'A') + seg.slice(6);
    const cases: Array<[string, JWTVerifyOptions, RegExp]> = [
      [`${h}.${flip(p)}.${s}`, USER, /JWSSignatureVerificationFailed/],
      [`${h}.${p}.${flip(s)}`, USER, /JWSSignatureVerificationFailed/],
      [`${h}.${p}.`, USER, /JWSSignatureVerificationFailed/],
      [`${h}.${p}.${s}A`, USER, /JWSSignatureVerificationFailed/],
      [`${h}.${p}.${s}=`, USER, /./],
      [`${h}.${p}`, USER, /JWSInvalid/],
      [`${h}.${p}.${s}.${s}`, USER, /JWSInvalid/],
      [token(HS, good, { secret: OTHER }), USER, /JWSSignatureVerificationFailed/],
      [token(HS, { ...good, exp: NOW - 1 }), USER, /JWTExpired/],
      [token(HS, { ...good, exp: NOW }), USER, /JWTExpired/],
      [token(HS, { ...good, exp: NOW - 20 }), TOLERANT, /^ok /],
      [token(HS, { ...good, exp: NOW - 30 }), TOLERANT, /JWTExpired/],
      [token(HS, { ...good, nbf: NOW + 1 }), USER, /JWTClaimValidationFailed/],
      [token(HS, { ...good, nbf: NOW + 20 }), TOLERANT, /^ok /],
      [token(HS, { ...good, iat: 'yesterday' }), USER, /JWTClaimValidationFailed/],
      [token(HS, { ...good, exp: String(NOW + 600) }), USER, /JWTClaimValidationFailed/],
      [token(HS, { name: 'no subject', exp: NOW + 600 }), USER, /JWTClaimValidationFailed/],
      [token(HS, { sub: 'alice' }), USER, /JWTClaimValidationFailed/],
      [token(HS, good), USER_ISS_AUD, /JWTClaimValidationFailed/],
      [
        token(HS, { ...good, iss: 'https://evil.example', aud: 'frontrow' }),
        USER_ISS_AUD,
        /JWTClaimValidationFailed/,
      ],
      [
        token(HS, { ...good, iss: 'https://id.example', aud: 'other' }),
        USER_ISS_AUD,
        /JWTClaimValidationFailed/,
      ],
      [token({ alg: 'HS384', typ: 'JWT' }, good, { signAlg: 'HS384' }), USER, /JOSEAlgNotAllowed/],
      [token({ alg: 'HS512' }, good, { signAlg: 'HS512' }), USER, /JOSEAlgNotAllowed/],
      [token({ alg: 'none' }, good, { signature: '' }), USER, /JOSEAlgNotAllowed/],
      [token({ alg: 'hs256' }, good), USER, /JOSEAlgNotAllowed/],
      [token({ typ: 'JWT' }, good), USER, /JWSInvalid/],
      [token({ alg: ['HS256'] }, good), USER, /JWSInvalid/],
      [token(HS, access), ACCESS, /JWTClaimValidationFailed/],
      [token({ alg: 'HS256', typ: 'application/frontrow-access' }, access), ACCESS, /^ok /],
      [token({ alg: 'HS256', typ: 'FRONTROW-ACCESS' }, access), ACCESS, /^ok /],
      [token({ alg: 'HS256' }, access), ACCESS, /JWTClaimValidationFailed/],
      [token(AT, { ...access, aud: 'frontrow' }), ACCESS, /JWTClaimValidationFailed/],
      [token(AT, { ...access, jti: undefined }), ACCESS, /JWTClaimValidationFailed/],
      [token({ alg: 'HS256', b64: false, crit: ['b64'] }, good), USER, /JWTInvalid|JWSInvalid/],
      [token({ alg: 'HS256', b64: true, crit: ['b64'] }, good), USER, /^ok /],
      [token({ alg: 'HS256', b64: false }, good), USER, /^ok /],
      [token({ alg: 'HS256', crit: ['exp'] }, good), USER, /JOSENotSupported/],
      [token({ alg: 'HS256', crit: [] }, good), USER, /JWSInvalid/],
      [token(HS, [good]), USER, /JWTInvalid/],
      [token(HS, 'bnVsbA'), USER, /JWTInvalid/],
      [token(HS, b64(Buffer.from([0xff, 0xfe, 0x7b, 0x7d]))), USER, /JWTInvalid/],
      [
        token(HS, b64(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(good))]))),
        USER,
        /^ok /,
      ],
      [token(b64('[]'), good), USER, /JWSInvalid/],
      [token(`${b64(JSON.stringify(HS))}=`, good), USER, /./],
      [token(` ${b64(JSON.stringify(HS))}`, good), USER, /./],
      [token('e30', good), USER, /JWSInvalid/],
      [token(b64('{"alg":"HS256","alg":"none"}'), good), USER, /JOSEAlgNotAllowed/],
      [token(b64('{"alg":"none","alg":"HS256"}'), good), USER, /^ok /],
      [token(HS, b64('{"sub":"a","exp":1,"exp":9999999999}')), USER, /^ok /],
    ];
    for (const [jwt, options, want] of cases) {
      expect(await same(jwt, options), jwt).toMatch(want);
    }
  });

  it('agrees with jose on generated and mutated tokens', async () => {
    const claimValue = fc.oneof(
      fc.constantFrom(NOW - 100, NOW - 1, NOW, NOW + 1, NOW + 29, NOW + 30, NOW + 100),
      fc.constantFrom('x', null, true, 1.5, [] as unknown[], {}),
    );
    const odd = fc.record(
      {
        alg: fc.constantFrom('HS256', 'HS256', 'HS256', 'HS384', 'none', 'RS256', 'HS256 ', ''),
        typ: fc.constantFrom('JWT', 'jwt', 'frontrow-access', 'application/frontrow-access', 'at+jwt', 1),
        crit: fc.constantFrom(['b64'], ['exp'], [], 'b64'),
        b64: fc.boolean(),
        kid: fc.string(),
      },
      { requiredKeys: ['alg'] },
    );
    // Mostly the plain shapes the fast path takes, so that its own checks are what decides.
    const header = fc.oneof(
      { arbitrary: fc.constantFrom(HS, AT, { alg: 'HS256' }), weight: 3 },
      { arbitrary: odd, weight: 1 },
    );
    const claims = fc.record(
      {
        sub: fc.oneof(fc.constant('alice'), fc.string(), fc.integer()),
        exp: claimValue,
        nbf: claimValue,
        iat: claimValue,
        iss: fc.constantFrom('https://id.example', 'https://evil.example', 7),
        aud: fc.constantFrom('frontrow', 'frontrow-booking', ['frontrow', 'x'], ['x'], [] as string[], 3),
        jti: fc.constantFrom('s1', 5),
        concertId: fc.integer(),
      },
      { requiredKeys: [] },
    );
    const mutation = fc.oneof(
      { arbitrary: fc.constant({ kind: 'none' as const }), weight: 4 },
      fc.record({
        kind: fc.constant('char' as const),
        at: fc.nat(),
        to: fc.constantFrom('A', '-', '_', '.', '=', ' ', '+'),
      }),
      fc.record({ kind: fc.constant('drop' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('secret' as const) }),
    );
    await fc.assert(
      fc.asyncProperty(
        header,
        claims,
        mutation,
        fc.constantFrom(...ALL_OPTIONS),
        async (h, c, m, options) => {
          let jwt = token(h, c, { secret: m.kind === 'secret' ? OTHER : SECRET });
          if (m.kind === 'char') {
            const at = m.at % jwt.length;
            jwt = jwt.slice(0, at) + m.to + jwt.slice(at + 1);
          } else if (m.kind === 'drop') {
            const at = m.at % jwt.length;
            jwt = jwt.slice(0, at) + jwt.slice(at + 1);
          }
          await same(jwt, options);
        },
      ),
      { numRuns: 3_000 },
    );
  });
});
