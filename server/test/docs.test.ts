import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ERROR_CODES } from '@frontrow/client/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpStatus } from '../src/http/errors.ts';
import { createTestServer, type TestServer } from './harness.ts';

/**
 * The documents point into the code and at each other; a moved file or a renamed heading must fail here, not
 * leave a reader at a dead link. Paths are checked in the working tree, relative to the document that names them.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));

const topLevelDocs = ['README.md', 'CONTRIBUTING.md', 'SECURITY.md', 'CHANGELOG.md', 'client-sdk/README.md'];
const docsDir = join(root, 'docs');
const documents = [
  ...topLevelDocs.filter((f) => existsSync(join(root, f))),
  ...readdirSync(docsDir)
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

const read = (file: string) => readFileSync(join(root, file), 'utf8');

/** Markdown outside fenced code blocks, where `](...)` is a link and not code. */
function prose(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '');
}

/** Every `[text](target)` and `![alt](target)` of a document. */
function links(markdown: string): string[] {
  return [...prose(markdown).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1] as string);
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/`/g, '')
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

function anchors(markdown: string): Set<string> {
  const headings = [...prose(markdown).matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) => slug(m[1] as string));
  return new Set(headings);
}

const isExternal = (target: string) => /^(https?:|mailto:)/i.test(target);

describe('documentation links', () => {
  it('covers the documents it is meant to check', () => {
    expect(documents).toEqual(
      expect.arrayContaining([
        'README.md',
        'docs/api.md',
        'docs/architecture.md',
        'docs/operations.md',
        'docs/performance.md',
      ]),
    );
  });

  it.each(documents.map((d) => [d]))('%s: every relative link resolves inside the repository', (doc) => {
    const broken: string[] = [];
    for (const target of links(read(doc))) {
      if (isExternal(target)) continue;
      const [path = '', fragment] = target.split('#');
      const file = path === '' ? join(root, doc) : resolve(dirname(join(root, doc)), decodeURI(path));
      const inside = relative(root, file);
      if (inside.startsWith(`..${sep}`) || inside === '..') {
        broken.push(`${target} (outside the repository)`);
        continue;
      }
      if (!existsSync(file)) {
        broken.push(`${target} (no such file)`);
        continue;
      }
      if (fragment && file.endsWith('.md') && !anchors(readFileSync(file, 'utf8')).has(fragment))
        broken.push(`${target} (no such heading)`);
    }
    expect(broken).toEqual([]);
  });
});

describe('docs/architecture.md "Where to find things"', () => {
  const section = /^## Where to find things\n([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(
    read('docs/architecture.md'),
  )?.[1];
  const rows = (section ?? '')
    .split('\n')
    .filter((line) => line.startsWith('| ') && !line.startsWith('| Behaviour') && !/^\|[-| ]+\|$/.test(line));

  it('has a row for each behaviour a newcomer looks for', () => {
    const behaviours = rows.map((row) => row.split('|')[1]?.trim().toLowerCase());
    expect(behaviours).toEqual(
      expect.arrayContaining([
        'a fan enters',
        'admission tick',
        'a tick reaches a socket',
        'a hold',
        'a payment',
        'a queued request',
        'recovery',
      ]),
    );
  });

  it('names only files that exist', () => {
    const paths = rows.flatMap((row) => [...row.matchAll(/`([^`]+)`/g)].map((m) => m[1] as string));
    expect(paths.length).toBeGreaterThanOrEqual(rows.length * 2);
    const missing = paths.filter((p) => !existsSync(join(root, p)));
    expect(missing).toEqual([]);
  });
});

describe('docs/api.md', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await createTestServer();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('lists every route of /openapi.json with its method', async () => {
    const doc = (await t.call('GET', '/openapi.json')).body as {
      paths: Record<string, Record<string, unknown>>;
    };
    const routes = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(routes.length).toBeGreaterThan(0);
    const listed = new Set(
      [...read('docs/api.md').matchAll(/^\| (GET|POST|PUT|PATCH|DELETE) \| `([^`]+)`/gm)].map(
        (m) => `${m[1]} ${m[2]}`,
      ),
    );
    expect(routes.filter((route) => !listed.has(route))).toEqual([]);
  });

  it('lists every error code with the HTTP status the server answers', () => {
    const table = new Map(
      [...read('docs/api.md').matchAll(/^\| (\d{3}) \| `([A-Z_]+)` \|/gm)].map((m) => [m[2], Number(m[1])]),
    );
    expect(Object.fromEntries(ERROR_CODES.map((code) => [code, table.get(code)]))).toEqual(
      Object.fromEntries(ERROR_CODES.map((code) => [code, httpStatus(code)])),
    );
  });
});
