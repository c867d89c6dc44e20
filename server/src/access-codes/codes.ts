import { createHash, randomBytes } from 'node:crypto';

/** Crockford's base32: no I, L, O or U, so a code read aloud or typed from paper survives. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A fresh code: 80 random bits as four groups of four characters (`7KQ2-M9XD-0R4T-HHZ8`). */
export function newAccessCode(): string {
  const bytes = randomBytes(10);
  let bits = 0n;
  for (const b of bytes) bits = (bits << 8n) | BigInt(b);
  let out = '';
  for (let i = 0; i < 16; i++) out = ALPHABET[Number((bits >> BigInt(5 * i)) & 31n)] + out;
  return out.match(/.{4}/g)!.join('-');
}

/**
 * What the server stores of a code: SHA-256 of its canonical form (upper case, no separators). Codes carry 80
 * random bits, so a fast hash is enough: there is no dictionary to try, unlike passwords.
 */
export function hashAccessCode(code: string): string {
  const canonical = code.toUpperCase().replace(/[\s-]/g, '');
  return createHash('sha256').update(canonical).digest('hex');
}
