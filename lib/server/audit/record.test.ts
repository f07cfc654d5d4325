import { describe, expect, it } from 'vitest';
import { auditContext, AuditSecretError, sanitizeDetails } from './record';

const CANARY = 'canary-7f3a-secret';

describe('sanitizeDetails', () => {
  it('keeps ids, kinds and counts', () => {
    expect(sanitizeDetails({ configId: 'cfg_1', kind: 'kms', version: 2, kids: ['a', 'b'], nested: { seq: 3 } })).toEqual({
      configId: 'cfg_1',
      kind: 'kms',
      version: 2,
      kids: ['a', 'b'],
      nested: { seq: 3 },
    });
    expect(sanitizeDetails(undefined)).toEqual({});
  });

  it.each([
    ['password', { password: CANARY }],
    ['passphrase', { passphrase: CANARY }],
    ['secret', { clientSecret: CANARY }],
    ['token', { accessToken: CANARY }],
    ['apiKey', { apiKey: CANARY }],
    ['api_key', { api_key: CANARY }],
    ['privateJwk', { privateJwk: { kty: 'EC', d: CANARY } }],
    ['d', { jwk: { d: CANARY } }],
    ['authKey', { authKey: CANARY }],
    ['settings', { settings: { keyArn: CANARY } }],
    ['jwe', { put: { jwe: { ciphertext: CANARY } } }],
    ['nested in an array', { items: [{ ok: 1 }, { newPassword: CANARY }] }],
    ['a proxy API key as a value', { note: 'cmkp_abcdef' }],
    ['a vendor token as a value', { list: ['cmkv_abcdef'] }],
  ])('refuses %s', (_name, details) => {
    expect(() => sanitizeDetails(details)).toThrow(AuditSecretError);
  });

  it('names the refused path but never the value', () => {
    const error = (() => {
      try {
        sanitizeDetails({ put: { settings: CANARY } });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error?.message).toContain('put.settings');
    expect(error?.message).not.toContain(CANARY);
  });

  it('refuses what would not survive the database round trip, and oversized details', () => {
    expect(() => sanitizeDetails({ n: 2 ** 60 })).toThrow(TypeError);
    expect(() => sanitizeDetails({ s: 'a\u0000b' })).toThrow(TypeError);
    expect(() => sanitizeDetails({ f: Number.NaN })).toThrow(TypeError);
    expect(() => sanitizeDetails({ big: 'x'.repeat(5000) })).toThrow(/larger/);
  });
});

describe('auditContext', () => {
  it('reads the address, user agent (truncated) and request id the server recorded', () => {
    const headers = new Headers({ 'x-cmk-client-ip': '203.0.113.9', 'user-agent': 'u'.repeat(400), 'x-request-id': 'req-abcdefgh' });
    expect(auditContext({ headers })).toEqual({ ip: '203.0.113.9', userAgent: 'u'.repeat(300), requestId: 'req-abcdefgh' });
  });
});
