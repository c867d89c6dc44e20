import { ERROR_CODES } from '@frontrow/client/protocol';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/harness.ts';

let t: TestServer;
// biome-ignore lint/suspicious/noExplicitAny: the test walks the generated document
let doc: any;
beforeAll(async () => {
  t = await createTestServer();
  const res = await t.call('GET', '/openapi.json');
  expect(res.status).toBe(200);
  doc = res.body;
});
afterAll(() => t.close());

// biome-ignore lint/suspicious/noExplicitAny: the test walks the generated document
const operation = (method: string, path: string): any => doc.paths[path]?.[method];

describe('/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator();
    const result = await validator.validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('documents 429 with Retry-After on every rate-limited route, and only there', () => {
    const limited = [
      ['post', '/api/v1/concerts/{concertId}/queue'],
      ['get', '/api/v1/concerts/{concertId}/queue/me'],
      ['delete', '/api/v1/concerts/{concertId}/queue/me'],
      ['post', '/api/v1/concerts/{concertId}/queue/access-token'],
      ['post', '/api/v1/reservations'],
      ['post', '/api/v1/points/charge'],
      ['post', '/api/v1/payments'],
    ] as const;
    for (const [method, path] of limited) {
      const tooMany = operation(method, path)?.responses?.['429'];
      expect(tooMany, `${method} ${path}`).toBeDefined();
      expect(tooMany.headers?.['Retry-After']?.schema, `${method} ${path}`).toEqual({
        type: 'integer',
        minimum: 1,
      });
      expect(tooMany.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Error' });
    }
    // Outside the limited patterns: the catalogue, and a path that only starts like a limited one.
    expect(operation('get', '/api/v1/concerts').responses['429']).toBeUndefined();
    expect(operation('get', '/api/v1/concerts/{concertId}').responses['429']).toBeUndefined();
  });

  it('gives every documented 429 a Retry-After header', () => {
    for (const [path, item] of Object.entries(doc.paths)) {
      // biome-ignore lint/suspicious/noExplicitAny: the test walks the generated document
      for (const [method, op] of Object.entries(item as Record<string, any>)) {
        const tooMany = op.responses?.['429'];
        if (tooMany) expect(tooMany.headers?.['Retry-After'], `${method} ${path}`).toBeDefined();
      }
    }
  });

  it('documents the statuses each route answers (a sample of public, fan, booking, queued and admin routes)', () => {
    const documented: Array<[string, string, number[]]> = [
      ['get', '/ready', [200, 503]],
      ['get', '/api/v1/concerts', [200]],
      ['get', '/api/v1/concerts/{concertId}', [200, 400, 404]],
      ['post', '/api/v1/concerts/{concertId}/queue', [200, 201, 400, 401, 403, 404, 409, 429, 503]],
      ['post', '/api/v1/reservations', [201, 400, 401, 403, 404, 409, 422, 429]],
      ['post', '/api/v1/payments', [201, 400, 401, 402, 403, 404, 409, 422, 429]],
      ['post', '/api/v2/reservations', [202, 400, 401, 403, 404, 429, 503]],
      ['delete', '/api/v2/reservations/{requestId}', [200, 400, 401, 404, 409]],
      ['post', '/api/v1/admin/concerts/{concertId}/sale/open', [200, 400, 401, 403, 404, 409]],
      ['post', '/api/v1/admin/concerts/{concertId}/queue/rebuild', [200, 400, 401, 403, 404, 409, 503]],
    ];
    for (const [method, path, statuses] of documented) {
      const responses = operation(method, path)?.responses ?? {};
      expect(Object.keys(responses).map(Number), `${method} ${path}`).toEqual(
        expect.arrayContaining(statuses),
      );
      for (const status of statuses.filter((s) => s >= 400)) {
        expect(responses[status].content['application/json'].schema, `${method} ${path} ${status}`).toEqual({
          $ref: '#/components/schemas/Error',
        });
      }
    }
  });

  it('documents 401 on every route that needs a token, 403 on every admin route, neither on public ones', () => {
    for (const [path, item] of Object.entries(doc.paths)) {
      // biome-ignore lint/suspicious/noExplicitAny: the test walks the generated document
      for (const [method, op] of Object.entries(item as Record<string, any>)) {
        const statuses = Object.keys(op.responses);
        const at = `${method} ${path}`;
        if ((op.security ?? []).length > 0) expect(statuses, at).toContain('401');
        else expect(statuses, at).not.toContain('401');
        if (path.startsWith('/api/v1/admin/')) expect(statuses, at).toContain('403');
        // One success at most, and enter alone has two (201 a new place, 200 the same place again).
        const successes = statuses.filter((s) => s.startsWith('2'));
        expect(successes.length, at).toBe(
          path === '/api/v1/concerts/{concertId}/queue' && method === 'post' ? 2 : 1,
        );
      }
    }
  });

  it("closes the error envelope's code over the error codes of the wire contract", () => {
    const code = doc.components.schemas.Error.properties.error.properties.code;
    expect(code.enum).toEqual([...ERROR_CODES]);
  });
});
