import { describe, expect, it } from 'vitest';
import { handshakeAddress } from './connection-limits.ts';

describe('handshakeAddress', () => {
  const headers = { 'x-forwarded-for': '6.6.6.6, 10.0.0.7, 10.0.0.1' };

  it('takes the entry the trusted proxies appended, as the HTTP routes do, never one the client wrote', () => {
    expect(handshakeAddress(headers, '127.0.0.1', { trustProxy: true, trustProxyHops: 1 })).toBe('10.0.0.1');
    expect(handshakeAddress(headers, '127.0.0.1', { trustProxy: true, trustProxyHops: 2 })).toBe('10.0.0.7');
  });

  it('uses the socket address without a trusted proxy or without the header', () => {
    expect(handshakeAddress(headers, '127.0.0.1', { trustProxy: false, trustProxyHops: 1 })).toBe(
      '127.0.0.1',
    );
    expect(handshakeAddress({}, '127.0.0.1', { trustProxy: true, trustProxyHops: 1 })).toBe('127.0.0.1');
  });
});
