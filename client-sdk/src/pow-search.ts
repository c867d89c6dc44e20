/**
 * The proof-of-work search: the first nonce in [start, start + count) for which SHA-256(`${prefix}${nonce}`)
 * (UTF-8, the nonce in decimal) starts with `bits` zero bits (bits <= 32), or -1.
 *
 * Self-contained on purpose (no imports, no outer names): the solver sends its source text to a Web Worker or a
 * Node worker thread. The blocks of the prefix that never change are hashed once (the midstate), so a try costs
 * one or two compressions.
 */
export function powSearch(prefix: string, bits: number, start: number, count: number): number {
  const K = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  ];
  const w = new Int32Array(64);
  const h = new Int32Array(8);
  const compress = (state: Int32Array, block: Uint8Array, off: number) => {
    for (let i = 0; i < 16; i++) {
      const p = off + 4 * i;
      w[i] = (block[p]! << 24) | (block[p + 1]! << 16) | (block[p + 2]! << 8) | block[p + 3]!;
    }
    for (let i = 16; i < 64; i++) {
      const x = w[i - 15]!;
      const y = w[i - 2]!;
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0;
    }
    let a = state[0]!;
    let b = state[1]!;
    let c = state[2]!;
    let d = state[3]!;
    let e = state[4]!;
    let f = state[5]!;
    let g = state[6]!;
    let hh = state[7]!;
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const t1 = (hh + S1 + ((e & f) ^ (~e & g)) + K[i]! + w[i]!) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    state[0] = (state[0]! + a) | 0;
    state[1] = (state[1]! + b) | 0;
    state[2] = (state[2]! + c) | 0;
    state[3] = (state[3]! + d) | 0;
    state[4] = (state[4]! + e) | 0;
    state[5] = (state[5]! + f) | 0;
    state[6] = (state[6]! + g) | 0;
    state[7] = (state[7]! + hh) | 0;
  };
  const bytes = new TextEncoder().encode(prefix);
  const mid = new Int32Array([
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
  ]);
  const full = bytes.length - (bytes.length % 64);
  for (let off = 0; off < full; off += 64) compress(mid, bytes, off);
  const tail = bytes.subarray(full);
  const last = new Uint8Array(128);
  const mask = bits >= 32 ? -1 : bits <= 0 ? 0 : ~(-1 >>> bits);
  for (let n = start; n < start + count; n++) {
    const digits = String(n);
    last.fill(0);
    last.set(tail);
    for (let i = 0; i < digits.length; i++) last[tail.length + i] = digits.charCodeAt(i);
    const len = tail.length + digits.length;
    last[len] = 0x80;
    const blocks = len + 9 <= 64 ? 1 : 2;
    const totalBits = (bytes.length + digits.length) * 8;
    const end = blocks * 64;
    last[end - 4] = (totalBits >>> 24) & 0xff;
    last[end - 3] = (totalBits >>> 16) & 0xff;
    last[end - 2] = (totalBits >>> 8) & 0xff;
    last[end - 1] = totalBits & 0xff;
    h.set(mid);
    compress(h, last, 0);
    if (blocks === 2) compress(h, last, 64);
    if ((h[0]! & mask) === 0) return n;
  }
  return -1;
}
