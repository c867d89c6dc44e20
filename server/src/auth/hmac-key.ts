/**
 * An HS256 key imported once. Given raw bytes, jose imports a fresh CryptoKey on every sign and verify, a cost
 * every request would pay; a CryptoKey made here is reused for the process's life.
 */
export function importHmacKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign', 'verify'],
  );
}
