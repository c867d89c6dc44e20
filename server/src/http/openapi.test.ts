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

  it("closes the error envelope's code over the error codes of the wire contract", () => {
    const code = doc.components.schemas.Error.properties.error.properties.code;
    expect(code.enum).toEqual([...ERROR_CODES]);
  });
});
