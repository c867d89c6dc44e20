import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
const key = createHmac('sha256', 'secret').update('x').digest();
const payload = 'v1.12.dS0wMTIzNDU2Nzg5.1900000000000.19.abcdefghijklmnop';
const ch = `${payload}.${createHmac('sha256', key).update(payload).digest('base64url')}`;
const N = 100_000;
const t = process.hrtime.bigint();
for (let i = 0; i < N; i++) {
  const parts = ch.split('.');
  const expected = Buffer.from(createHmac('sha256', key).update(parts.slice(0, 6).join('.')).digest('base64url'));
  timingSafeEqual(expected, Buffer.from(parts[6]!));
  createHash('sha256').update(`${ch}.${i}`).digest();
}
console.log('µs per verify (CPU part):', Number(process.hrtime.bigint() - t) / 1000 / N);
