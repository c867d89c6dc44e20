import type { WebhookEvent } from './protocol.ts';
import { hmacSha256, toHex, utf8 } from './sha256.ts';

/** How far a signature's timestamp may be from now by default: five minutes, as Stripe's scheme uses. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

/** The `v1` signature of a body at a timestamp: HMAC-SHA256(secret, `${t}.${body}`), hex. */
export const webhookSignature = (secret: string, t: number, body: string): string =>
  toHex(hmacSha256(utf8(secret))(utf8(`${t}.${body}`)));

function equalHex(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/**
 * Checks a webhook request from Frontrow and returns its event: the `Frontrow-Signature` header
 * (`t=<unix seconds>,v1=<hex>`) must hold an HMAC-SHA256 of `${t}.${body}` under the webhook's secret, and `t`
 * must be within the tolerance of now (a replayed old request fails). Pass the body exactly as received.
 * Throws an Error saying what failed. De-duplicate on the event's `id`: a retried delivery repeats it.
 *
 * @example
 * app.post('/frontrow', express.text({ type: '*\/*' }), (req, res) => {
 *   const event = verifyWebhook(req.body, req.get('frontrow-signature'), process.env.FRONTROW_SECRET);
 *   if (!seen.has(event.id)) handle(event);
 *   res.sendStatus(204);
 * });
 */
export function verifyWebhook<T = Record<string, unknown>>(
  body: string,
  header: string | null | undefined,
  secret: string,
  opts: { toleranceSeconds?: number; now?: () => number } = {},
): WebhookEvent<T> {
  if (!header) throw new Error('no Frontrow-Signature header');
  const parts = header.split(',').map((p) => p.trim().split('='));
  const t = Number(parts.find(([k]) => k === 't')?.[1]);
  const signatures = parts.filter(([k]) => k === 'v1').map(([, v]) => v ?? '');
  if (!Number.isInteger(t) || signatures.length === 0) throw new Error('malformed Frontrow-Signature header');
  const nowSeconds = Math.floor((opts.now?.() ?? Date.now()) / 1000);
  if (Math.abs(nowSeconds - t) > (opts.toleranceSeconds ?? WEBHOOK_TOLERANCE_SECONDS))
    throw new Error('the signature timestamp is outside the tolerance');
  const expected = webhookSignature(secret, t, body);
  if (!signatures.some((s) => equalHex(s.toLowerCase(), expected)))
    throw new Error('the signature does not match');
  return JSON.parse(body) as WebhookEvent<T>;
}
