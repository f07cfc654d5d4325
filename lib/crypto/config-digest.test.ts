import { describe, expect, it } from 'vitest';

import { configDigest, isConfigDigest } from './config-digest';
import { CryptoError } from './errors';

const JWE = {
  protected: 'eyJhIjoxfQ',
  iv: 'AAAAAAAAAAAAAAAA',
  ciphertext: 'AQID',
  tag: 'AAAAAAAAAAAAAAAAAAAAAA',
};
// python3: base64url(sha256(b'eyJhIjoxfQ.AAAAAAAAAAAAAAAA.AQID.AAAAAAAAAAAAAAAAAAAAAA'))
const VECTOR = 'jtwl9L_NVqVZFiReIYjp7ucihp0j0Ir03CQyeRgbCEk';

async function expectInvalid(value: unknown) {
  const error = await configDigest(value as typeof JWE).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CryptoError);
  expect((error as CryptoError).code).toBe('invalid_input');
}

describe('configDigest', () => {
  it('matches an independently computed vector', async () => {
    const digest = await configDigest(JWE);
    expect(digest).toBe(VECTOR);
    expect(isConfigDigest(digest)).toBe(true);
  });

  it('ignores the recipient members and changes with every shared member', async () => {
    const flattened = { ...JWE, header: { kid: 'a' }, encrypted_key: 'AAAA' };
    const general = { ...JWE, recipients: [{ header: { kid: 'b' }, encrypted_key: 'BBBB' }] };
    expect(await configDigest(flattened)).toBe(VECTOR);
    expect(await configDigest(general)).toBe(VECTOR);
    for (const member of ['protected', 'iv', 'ciphertext', 'tag'] as const) {
      expect(await configDigest({ ...JWE, [member]: `${JWE[member]}AA` })).not.toBe(VECTOR);
    }
    // The separator is part of the input: moving bytes between members changes the digest.
    expect(await configDigest({ ...JWE, iv: 'AAAAAAAAAAAAAAAAAQID', ciphertext: 'AAAA' })).not.toBe(VECTOR);
  });

  it('refuses missing, empty and non-canonical base64url members', async () => {
    await expectInvalid(null);
    await expectInvalid('x');
    for (const member of ['protected', 'iv', 'ciphertext', 'tag'] as const) {
      const missing: Record<string, unknown> = { ...JWE };
      delete missing[member];
      await expectInvalid(missing);
      await expectInvalid({ ...JWE, [member]: '' });
      await expectInvalid({ ...JWE, [member]: 'AQID=' });
      await expectInvalid({ ...JWE, [member]: 'AQ.D' });
      await expectInvalid({ ...JWE, [member]: 'AQI+' });
      await expectInvalid({ ...JWE, [member]: 42 });
    }
  });
});

describe('isConfigDigest', () => {
  it('accepts exactly 32-byte base64url values', () => {
    expect(isConfigDigest(VECTOR)).toBe(true);
    expect(isConfigDigest(VECTOR.slice(1))).toBe(false);
    expect(isConfigDigest(`${VECTOR}A`)).toBe(false);
    expect(isConfigDigest(`${VECTOR.slice(0, 42)}+`)).toBe(false);
    expect(isConfigDigest(`${VECTOR.slice(0, 42)}l`)).toBe(false); // non-zero trailing bits
    expect(isConfigDigest(undefined)).toBe(false);
  });
});
