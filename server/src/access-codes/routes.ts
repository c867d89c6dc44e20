import { ok } from '../http/context.ts';
import { declareRoute, type RoutePresets } from '../http/presets.ts';
import { createRouter, errorResponses, jsonBody, jsonResponse } from '../http/router.ts';
import { ConcertParams } from '../waiting-room/schemas.ts';
import {
  AccessCodeBatchSchema,
  AccessModeSchema,
  AccessSettingsSchema,
  AllowListSchema,
  CreateAccessCodesSchema,
} from './schemas.ts';
import type { AccessCodes } from './service.ts';

/** The organiser's access controls of a concert: codes, allow-list, access mode. Role admin. */
export function accessCodeRoutes(codes: AccessCodes, routes: RoutePresets) {
  const organiser = routes.organiser();
  const common = { tags: ['admin'] };
  const errors = errorResponses(400, 404);
  const settingsResponse = { 200: jsonResponse(AccessSettingsSchema, 'The access settings'), ...errors };

  const create = declareRoute(organiser, {
    ...common,
    method: 'post',
    path: '/api/v1/admin/concerts/{concertId}/access-codes',
    summary: 'Create presale or VIP access codes (shown once; stored hashed)',
    request: { params: ConcertParams, body: jsonBody(CreateAccessCodesSchema) },
    responses: { 201: jsonResponse(AccessCodeBatchSchema, 'The new codes'), ...errors },
  });
  const mode = declareRoute(organiser, {
    ...common,
    method: 'put',
    path: '/api/v1/admin/concerts/{concertId}/access-mode',
    summary: 'Set the access mode: open, or codes-only (a code or the allow-list is needed to enter)',
    request: { params: ConcertParams, body: jsonBody(AccessModeSchema) },
    responses: settingsResponse,
  });
  const allow = declareRoute(organiser, {
    ...common,
    method: 'post',
    path: '/api/v1/admin/concerts/{concertId}/allow-list',
    summary: 'Add user ids to the allow-list (they enter a codes-only sale without a code)',
    request: { params: ConcertParams, body: jsonBody(AllowListSchema) },
    responses: settingsResponse,
  });
  const get = declareRoute(organiser, {
    ...common,
    method: 'get',
    path: '/api/v1/admin/concerts/{concertId}/access-mode',
    summary: 'The access mode and the size of the allow-list',
    request: { params: ConcertParams },
    responses: settingsResponse,
  });

  return createRouter()
    .openapi(create, async (c) =>
      c.json(ok(await codes.create(c.req.valid('param').concertId, c.req.valid('json'))), 201),
    )
    .openapi(mode, async (c) =>
      c.json(ok(await codes.setMode(c.req.valid('param').concertId, c.req.valid('json').accessMode)), 200),
    )
    .openapi(allow, async (c) =>
      c.json(ok(await codes.allow(c.req.valid('param').concertId, c.req.valid('json'))), 200),
    )
    .openapi(get, async (c) => c.json(ok(await codes.settings(c.req.valid('param').concertId)), 200));
}

/**
 * How many requests of the fan's queue budget a refused access code costs (the enter route's preset): guessing
 * codes runs out of budget ten times faster than entering.
 */
export const INVALID_CODE_PENALTY = 10;
