import type { OpenAPIHono } from '@hono/zod-openapi';
import { TrieRouter } from 'hono/router/trie-router';

type Document = ReturnType<OpenAPIHono['getOpenAPI31Document']>;
type Responses = Record<string, Record<string, unknown>>;

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

const retryAfterHeader = {
  description: 'Seconds to wait before trying again',
  schema: { type: 'integer', minimum: 1 },
};

/**
 * Completes the generated document with what rate limits imply, so route files need not repeat it: every
 * operation under a rate-limited path pattern (Hono's own matching, the same the middleware uses) answers 429,
 * and every 429 carries Retry-After (app.ts always sends it).
 */
export function documentRateLimits(document: Document, rateLimited: readonly string[]): Document {
  const router = new TrieRouter<string>();
  for (const pattern of rateLimited) router.add('ALL', pattern, pattern);
  const paths: Record<string, unknown> = {};
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    // `{concertId}` becomes a concrete segment, as in a real request.
    const sample = path.replace(/\{[^}]+\}/g, '1');
    const limited = router.match('ALL', sample)[0].length > 0;
    const copy: Record<string, unknown> = { ...item };
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const responses: Responses = { ...(operation.responses as Responses | undefined) };
      if (limited) {
        responses['429'] ??= {
          description: 'Too many requests: a rate limit of this route ran out',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
        };
      }
      const tooMany = responses['429'];
      if (tooMany) {
        const headers = tooMany.headers as Record<string, unknown> | undefined;
        responses['429'] = { ...tooMany, headers: { ...headers, 'Retry-After': retryAfterHeader } };
      }
      copy[method] = { ...operation, responses };
    }
    paths[path] = copy;
  }
  return { ...document, paths } as Document;
}
