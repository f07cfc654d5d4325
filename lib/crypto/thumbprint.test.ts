// eslint-disable-next-line no-restricted-imports -- test-only reference implementation
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';

import { generateAdminKeyPair } from './admin-key';
import { CryptoError, type TCryptoErrorCode } from './errors';
import { fingerprintGroups, formatFingerprint, jwkThumbprint } from './thumbprint';

// RFC 7517 Appendix A.1, the P-256 example key.
const RFC_KEY = {
  kty: 'EC',
  crv: 'P-256',
  x: 'MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4',
  y: '4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM',
};

// RFC 7638 §3.2: the required members, lexicographic order, no whitespace.
function referenceThumbprint(jwk: { crv: string; kty: string; x: string; y: string }): string {
  const json = `{"crv":"${jwk.crv}","kty":"${jwk.kty}","x":"${jwk.x}","y":"${jwk.y}"}`;
  return createHash('sha256').update(json).digest('base64url');
}

async function expectCryptoError(promise: Promise<unknown>, code: TCryptoErrorCode) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CryptoError);
  expect((error as CryptoError).code).toBe(code);
}

describe('jwkThumbprint', () => {
  it('is the RFC 7638 SHA-256 thumbprint', async () => {
    expect(await jwkThumbprint(RFC_KEY)).toBe(referenceThumbprint(RFC_KEY));
    expect(await jwkThumbprint({ ...RFC_KEY, kid: 'ignored', use: 'enc' })).toBe(referenceThumbprint(RFC_KEY));
  });

  it('gives the same value for a private JWK and its public half', async () => {
    const { publicJwk, privateJwk } = await generateAdminKeyPair();
    const expected = referenceThumbprint(publicJwk as typeof RFC_KEY);
    expect(await jwkThumbprint(privateJwk)).toBe(expected);
    expect(await jwkThumbprint(publicJwk)).toBe(expected);
  });

  it('accepts only P-256 EC keys with full-length coordinates', async () => {
    await expectCryptoError(jwkThumbprint({ ...RFC_KEY, crv: 'P-384' }), 'invalid_input');
    await expectCryptoError(jwkThumbprint({ kty: 'RSA', n: 'AQAB', e: 'AQAB' }), 'invalid_input');
    await expectCryptoError(jwkThumbprint({ ...RFC_KEY, x: RFC_KEY.x.slice(0, 42) }), 'invalid_input');
    await expectCryptoError(jwkThumbprint({ kty: 'EC', crv: 'P-256', x: RFC_KEY.x }), 'invalid_input');
  });
});

describe('formatFingerprint', () => {
  it('shows the first 32 characters as 8 groups of 4', async () => {
    const thumbprint = await jwkThumbprint(RFC_KEY);
    const formatted = formatFingerprint(thumbprint);
    expect(formatted).toMatch(/^([A-Za-z0-9_-]{4} ){7}[A-Za-z0-9_-]{4}$/);
    expect(formatted.replaceAll(' ', '')).toBe(thumbprint.slice(0, 32));
    expect(fingerprintGroups(thumbprint)).toEqual(formatted.split(' '));
    expect(fingerprintGroups(thumbprint)).toHaveLength(8);
  });

  it('refuses something that is not a thumbprint', () => {
    expect(() => formatFingerprint('abcd')).toThrow(CryptoError);
    expect(() => fingerprintGroups('!'.repeat(43))).toThrow(CryptoError);
  });
});
