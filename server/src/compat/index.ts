import type { Hono } from 'hono';
import type { Services } from '../compose.ts';
import type { CompatDocument } from '../config/index.ts';
import type { AppEnv } from '../http/context.ts';
import { clashNotes, clashRoutes } from './clashes.ts';
import { SEED000_TAG, seed000Routes } from './seed000.ts';
import { SEED001_TAG, seed001Routes } from './seed001.ts';
import { SEED002_TAG, seed002Routes } from './seed002.ts';
import { SEED004_TAG, seed004Routes } from './seed004.ts';

/**
 * The opt-in compatibility layer (COMPAT_ROUTES): the seed documents' own endpoints over Frontrow's services.
 * Mounted before the native routers, because a few document endpoints share a native path (compat/clashes.ts).
 */
const documents: Record<CompatDocument, { tag: string; routes: (s: Services) => Hono<AppEnv> }> = {
  seed000: { tag: SEED000_TAG, routes: seed000Routes },
  seed001: { tag: SEED001_TAG, routes: seed001Routes },
  seed002: { tag: SEED002_TAG, routes: seed002Routes },
  seed004: { tag: SEED004_TAG, routes: seed004Routes },
};

export function compatRoutes(s: Services): Array<Hono<AppEnv>> {
  const enabled = new Set(s.config.compatRoutes);
  if (enabled.size === 0) return [];
  return [clashRoutes(s, enabled), ...[...enabled].map((name) => documents[name].routes(s))];
}

/** The tags of /openapi.json for the enabled documents, each saying how to read its routes. */
export function compatTags(s: Services): Array<{ name: string; description: string }> {
  return s.config.compatRoutes.map((name) => ({
    name: documents[name].tag,
    description:
      `Compatibility routes of ${documents[name].tag.slice('compat: '.length)} (COMPAT_ROUTES); ` +
      `each route says which native route does the work. See docs/compat.md. ${clashNotes[name]}`.trim(),
  }));
}
