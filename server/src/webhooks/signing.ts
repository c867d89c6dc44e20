import { createHmac } from 'node:crypto';

/**
 * `Frontrow-Signature: t=<unix seconds>,v1=<hex>`: HMAC-SHA256 under the webhook's secret over `${t}.${body}`,
 * Stripe's scheme, so a receiver checks both that Frontrow sent the body and that it is recent.
 */
export function signatureHeader(secret: string, t: number, body: string): string {
  const v1 = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  return `t=${t},v1=${v1}`;
}
