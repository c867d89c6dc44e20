import { describe, expect, it } from 'vitest';
import { verifiedTokens } from './verified-tokens.ts';

describe('verified tokens', () => {
  it('answers the exact token until its expiry, then no more', () => {
    const memory = verifiedTokens<{ id: string; expiresAt: Date }>();
    const at = Date.UTC(2026, 10, 22, 12);
    memory.set('a.b.c', { id: 'fan-1', expiresAt: new Date(at + 60_000) });
    expect(memory.get('a.b.c', at)).toEqual({ id: 'fan-1', expiresAt: new Date(at + 60_000) });
    expect(memory.get('a.b.d', at)).toBeUndefined();
    expect(memory.get('a.b.c', at + 60_000)).toBeUndefined();
  });

  it('starts over when full instead of growing', () => {
    const memory = verifiedTokens<{ expiresAt: Date }>(2);
    const later = { expiresAt: new Date(Date.now() + 60_000) };
    memory.set('t1', later);
    memory.set('t2', later);
    memory.set('t3', later);
    expect(memory.get('t1', Date.now())).toBeUndefined();
    expect(memory.get('t3', Date.now())).toBe(later);
  });
});
