import { ERROR_CODES, type ErrorCode } from '@frontrow/client/protocol';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer, uniqueId } from '../../test/harness.ts';
import { httpStatus } from './errors.ts';

/**
 * Property-based fuzzing over the service's own OpenAPI document: every documented operation gets random path
 * parameters, queries, headers and bodies, some generated from its schemas (well-typed) and some not. Whatever
 * arrives, the answer is never a 5xx, every 4xx is the error envelope with a known code and its status, and a
 * refused request changes nothing a fan could notice in MySQL or Redis.
 *
 * Callers are anonymous, carry garbage, or are fans of this run; never an admin, whose accepted requests would
 * act on concerts that other test files share. Seeded: `FUZZ_SEED=<n>` replays a run, and a failure names it.
 */

// biome-ignore lint/suspicious/noExplicitAny: JSON Schema and OpenAPI objects are read structurally
type Json = any;

interface Operation {
  method: string;
  path: string;
  op: Json;
}

const FANS = 3;
const RUNS = Number(process.env.FUZZ_RUNS ?? 250);
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));

let t: TestServer;
let doc: Json;
let fans: Array<{ id: string; token: string }>;
const fanPrefix = uniqueId('fuzz');

beforeAll(async () => {
  t = await createTestServer();
  doc = (await t.call('GET', '/openapi.json')).body;
  fans = [];
  for (let i = 0; i < FANS; i++) {
    const id = `${fanPrefix}-${i}`;
    // The user rows exist up front, so a guard's upsert on a refused request is not mistaken for a change.
    await t.services.users.ensure({ id, name: id, tier: 'normal', role: 'user' });
    fans.push({ id, token: await t.token({ id }) });
  }
});
afterAll(() => t.close());

const resolve = (schema: Json): Json =>
  schema?.$ref ? resolve(doc.components.schemas[String(schema.$ref).split('/').pop()!]) : schema;

/** ASCII only: header values outside Latin-1 cannot even be sent. */
const headerText = fc.string({
  unit: fc.constantFrom(...' !#%&*+-./09:;=?@AZ_az|~"\'\\'.split('')),
  maxLength: 300,
});
const anyText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom('', '0', '-1', '1e3', '1.5', 'NaN', '9007199254740993', '%00', '../..', 'null', '[]', '{}'),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.nat({ max: 5 }).map((n) => 'x'.repeat(10 ** n)),
);

/** Values that satisfy `schema`, as far as a fuzzer needs (objects, arrays, enums, strings, numbers). */
function valid(schema: Json, depth = 0): fc.Arbitrary<unknown> {
  const s = resolve(schema) ?? {};
  if (s.enum) return fc.constantFrom(...s.enum);
  if (s.const !== undefined) return fc.constant(s.const);
  const variants = s.anyOf ?? s.oneOf;
  if (variants) return fc.oneof(...variants.map((v: Json) => valid(v, depth + 1)));
  const type = Array.isArray(s.type) ? s.type.find((x: string) => x !== 'null') : s.type;
  switch (type) {
    case 'object': {
      const props: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [k, v] of Object.entries(s.properties ?? {})) props[k] = valid(v, depth + 1);
      return fc.record(props, { requiredKeys: (s.required ?? []).filter((k: string) => k in props) });
    }
    case 'array':
      return depth > 4
        ? fc.constant([])
        : fc.array(valid(s.items, depth + 1), {
            minLength: s.minItems ?? 0,
            maxLength: Math.min(s.maxItems ?? 4, 4),
          });
    case 'integer':
      return fc.integer({ min: s.minimum ?? -5, max: Math.min(s.maximum ?? 50, 1_000_000) });
    case 'number':
      return fc.double({ min: s.minimum ?? -5, max: s.maximum ?? 1_000, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'string':
      if (s.format === 'date-time') return fc.date({ noInvalidDate: true }).map((d) => d.toISOString());
      if (s.format === 'date')
        return fc.date({ noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
      return fc.string({ minLength: s.minLength ?? 0, maxLength: Math.min(s.maxLength ?? 20, 64) });
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** Well-typed most of the time, otherwise anything at all. */
const value = (schema: Json) =>
  fc.oneof({ weight: 3, arbitrary: valid(schema) }, fc.jsonValue({ maxDepth: 3 }));
const param = (schema: Json) =>
  fc.oneof({ weight: 3, arbitrary: valid(schema).map(String) }, anyText.map(String));

function request(op: Operation) {
  const params: Json[] = op.op.parameters ?? [];
  const bodySchema = op.op.requestBody?.content?.['application/json']?.schema;
  const pick = (where: string) => params.filter((p) => p.in === where);
  const record = (list: Json[], gen: (p: Json) => fc.Arbitrary<string>) =>
    fc.record(Object.fromEntries(list.map((p) => [p.name, gen(p)])), {
      requiredKeys: list.filter((p) => p.required).map((p) => p.name),
    }) as fc.Arbitrary<Record<string, string>>;
  return fc.record({
    path: record(pick('path'), (p) => param(p.schema)),
    query: record(pick('query'), (p) => param(p.schema)),
    headers: record(pick('header'), (p) => fc.oneof(valid(p.schema).map(String), headerText)),
    body: bodySchema
      ? fc.oneof(
          { weight: 4, arbitrary: value(bodySchema).map((b) => JSON.stringify(b)) },
          fc.string({ maxLength: 60 }),
          fc.constant(undefined),
        )
      : fc.option(
          fc.jsonValue().map((b) => JSON.stringify(b)),
          { nil: undefined },
        ),
    contentType: fc.constantFrom('application/json', 'application/json', 'text/plain', undefined),
    caller: fc.constantFrom('none', 'garbage', 'fan0', 'fan1', 'fan2'),
    queueToken: fc.option(fc.oneof(headerText, fc.constant('a.b.c')), { nil: undefined }),
  });
}

/** Keys that caching a sale or counting a request writes, whatever the request's answer. */
const CACHE_KEY = /^:(rl:.*|sales|\{c:\d+\}:(sale|tick-gate|ticket-seq|lane-seq:(vip|normal)))$/;

/** What a fan could notice: rows of this run's fans in MySQL and this server's Redis keys (caches aside). */
async function snapshot(): Promise<string> {
  const like = `${fanPrefix}-%`;
  const counts: number[] = [];
  for (const [table, column] of [
    ['users', 'id'],
    ['reservations', 'user_id'],
    ['payments', 'user_id'],
    ['point_ledger', 'user_id'],
    ['idempotency_keys', 'user_id'],
    ['queue_entries', 'user_id'],
  ]) {
    const [rows] = await t.services.database.pool.query(
      `SELECT COUNT(*) AS n FROM ${table} WHERE ${column} LIKE ?`,
      [like],
    );
    counts.push(Number((rows as Array<{ n: number }>)[0]!.n));
  }
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await t.services.redis.scan(
      cursor,
      'MATCH',
      `${t.config.redisPrefix}:*`,
      'COUNT',
      1000,
    );
    cursor = next;
    // Rate-limit buckets count every request; the one-second tick gate comes and goes on its own; and the first
    // request for a concert caches its sale from MySQL (the sale hash, the registry of cached sales, and the ticket
    // and lane counters restored from MySQL's log). The fuzzer's concert ids reach concerts other test files made,
    // which this server has not cached yet. None of them is state a refused request could have changed.
    keys.push(...batch.filter((k) => !CACHE_KEY.test(k.slice(t.config.redisPrefix.length))));
  } while (cursor !== '0');
  return JSON.stringify({ counts, keys: keys.sort() });
}

describe('OpenAPI fuzzing', () => {
  it('never answers 5xx, always the envelope on 4xx, and refused requests change nothing', async () => {
    const operations: Operation[] = [];
    for (const [path, methods] of Object.entries(doc.paths as Record<string, Json>)) {
      for (const [method, op] of Object.entries(methods as Record<string, Json>)) {
        operations.push({ method: method.toUpperCase(), path, op });
      }
    }
    expect(operations.length).toBeGreaterThan(30);
    // Counterexamples name the operation, not its whole OpenAPI object.
    const byName = new Map(operations.map((o) => [`${o.method} ${o.path}`, o]));
    const arbitrary = fc
      .constantFrom(...byName.keys())
      .chain((name) => request(byName.get(name)!).map((r) => ({ name, r })));

    const property = fc.asyncProperty(arbitrary, async ({ name, r }) => {
      const op = byName.get(name)!;
      const body = op.method === 'GET' ? undefined : r.body;
      let url = op.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(r.path[name] ?? '1'));
      const query = new URLSearchParams(r.query).toString();
      if (query) url += `?${query}`;
      const headers: Record<string, string> = { ...r.headers };
      if (r.contentType && body !== undefined) headers['content-type'] = r.contentType;
      if (r.queueToken !== undefined) headers['x-queue-token'] = r.queueToken;
      if (r.caller === 'garbage') headers.authorization = 'Bearer not.a.token';
      const fan = fans[Number(r.caller.slice(3))];
      if (r.caller.startsWith('fan') && fan) headers.authorization = `Bearer ${fan.token}`;

      const before = await snapshot();
      const res = await t.app.request(url, { method: op.method, headers, body });
      const text = await res.text();
      const what = `${op.method} ${url} -> ${res.status} ${text.slice(0, 300)}`;
      expect(res.status, what).toBeLessThan(500);
      if (res.status >= 400) {
        const body = JSON.parse(text);
        expect(body.success, what).toBe(false);
        expect(ERROR_CODES, what).toContain(body.error.code);
        expect(typeof body.error.message, what).toBe('string');
        expect(httpStatus(body.error.code as ErrorCode), what).toBe(res.status);
        expect(await snapshot(), `state changed by a refused ${what}`).toBe(before);
      } else if (res.headers.get('content-type')?.includes('json')) {
        expect(JSON.parse(text).success, what).toBe(true);
      }
    });
    try {
      await fc.assert(property, {
        seed: SEED,
        numRuns: RUNS,
        endOnFailure: true,
        includeErrorInReport: true,
      });
    } catch (err) {
      throw new Error(`OpenAPI fuzzing failed with FUZZ_SEED=${SEED}\n${(err as Error).message}`);
    }
  }, 120_000);
});
