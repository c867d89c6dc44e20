/** A fresh Idempotency-Key. `crypto.randomUUID` needs a secure context in browsers; plain http falls back. */
export function newIdempotencyKey(): string {
  const c = globalThis.crypto;
  if (typeof c?.randomUUID === 'function') return c.randomUUID();
  const bytes = new Uint8Array(16);
  c.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Path segment from an id: numbers as they are, anything else escaped (the server answers 400 for junk). */
export const seg = (id: number | string) => encodeURIComponent(String(id));
