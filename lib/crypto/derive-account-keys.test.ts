// The known-answer vector is computed independently with node:crypto; the
// library itself may only use WebCrypto, the test may use Node.
// eslint-disable-next-line no-restricted-imports -- test-only reference implementation
import { createDecipheriv, hkdfSync, pbkdf2Sync } from 'node:crypto';
import { describe, expect, it } from 'vitest';

import { deriveAccountKeys, generateSalt, PBKDF2_ITERATIONS } from './derive-account-keys';
import { base64urlDecode } from './encoding';
import { CryptoError, type TCryptoErrorCode } from './errors';

const FAST = 1_000;
const SALT = 'AAECAwQFBgcICQoLDA0ODw'; // bytes 0..15

async function expectCryptoError(promise: Promise<unknown>, code: TCryptoErrorCode) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CryptoError);
  expect((error as CryptoError).code).toBe(code);
}

function reference(passphrase: string, salt: string, iterations: number) {
  const master = pbkdf2Sync(passphrase.normalize('NFKC'), base64urlDecode(salt), iterations, 32, 'sha256');
  const hkdf = (info: string) => Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), info, 32));
  return { authKey: hkdf('cmk-broker/v1/auth-key').toString('base64url'), wrapKey: hkdf('cmk-broker/v1/wrap-key') };
}

// Encrypt with the derived CryptoKey, decrypt with node:crypto using the reference bytes.
async function wrapKeyMatches(wrapKey: CryptoKey, expected: Buffer): Promise<boolean> {
  const iv = new Uint8Array(12);
  const ct = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, wrapKey, new TextEncoder().encode('probe')));
  const decipher = createDecipheriv('aes-256-gcm', expected, iv);
  decipher.setAuthTag(ct.subarray(ct.length - 16));
  try {
    const pt = Buffer.concat([decipher.update(ct.subarray(0, ct.length - 16)), decipher.final()]);
    return pt.toString() === 'probe';
  } catch {
    return false;
  }
}

describe('deriveAccountKeys', () => {
  it('defaults to 600 000 PBKDF2 iterations and matches the node:crypto vector', async () => {
    expect(PBKDF2_ITERATIONS).toBe(600_000);
    const keys = await deriveAccountKeys('correct horse battery staple', SALT);
    const expected = reference('correct horse battery staple', SALT, 600_000);
    expect(keys.authKey).toBe(expected.authKey);
    expect(await wrapKeyMatches(keys.wrapKey, expected.wrapKey)).toBe(true);
  });

  it('matches the vector at a low count, and wrapKey is not authKey', async () => {
    const keys = await deriveAccountKeys('pässwörd', SALT, FAST);
    const expected = reference('pässwörd', SALT, FAST);
    expect(keys.authKey).toBe(expected.authKey);
    expect(keys.authKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await wrapKeyMatches(keys.wrapKey, expected.wrapKey)).toBe(true);
    expect(await wrapKeyMatches(keys.wrapKey, Buffer.from(base64urlDecode(expected.authKey)))).toBe(false);
  });

  it('is deterministic, and differs for another salt or passphrase', async () => {
    const a = await deriveAccountKeys('passphrase one', SALT, FAST);
    const b = await deriveAccountKeys('passphrase one', SALT, FAST);
    const otherSalt = await deriveAccountKeys('passphrase one', generateSalt(), FAST);
    const otherPass = await deriveAccountKeys('passphrase two', SALT, FAST);
    expect(a.authKey).toBe(b.authKey);
    expect(otherSalt.authKey).not.toBe(a.authKey);
    expect(otherPass.authKey).not.toBe(a.authKey);
  });

  it('normalises the passphrase with NFKC', async () => {
    const composed = await deriveAccountKeys('caf\u00e9 \ufb01sh', SALT, FAST);
    const decomposed = await deriveAccountKeys('cafe\u0301 fish', SALT, FAST);
    expect(decomposed.authKey).toBe(composed.authKey);
  });

  it('gives a non-extractable AES-GCM-256 wrapKey for encrypt/decrypt', async () => {
    const { wrapKey } = await deriveAccountKeys('p', SALT, FAST);
    expect(wrapKey.extractable).toBe(false);
    expect(wrapKey.algorithm).toMatchObject({ name: 'AES-GCM', length: 256 });
    expect([...wrapKey.usages].sort()).toEqual(['decrypt', 'encrypt']);
    await expect(crypto.subtle.exportKey('raw', wrapKey)).rejects.toThrow();
  });

  it('rejects bad input', async () => {
    await expectCryptoError(deriveAccountKeys('', SALT, FAST), 'invalid_input');
    await expectCryptoError(deriveAccountKeys('p', 'AAECAwQFBgcICQoLDA0O', FAST), 'invalid_input'); // 15 bytes
    await expectCryptoError(deriveAccountKeys('p', 'not base64url!', FAST), 'invalid_input');
    await expectCryptoError(deriveAccountKeys('p', SALT, 0), 'invalid_input');
    await expectCryptoError(deriveAccountKeys('p', SALT, 1e9), 'invalid_input');
  });
});

describe('generateSalt', () => {
  it('is 16 random bytes in base64url', () => {
    const a = generateSalt();
    expect(base64urlDecode(a)).toHaveLength(16);
    expect(generateSalt()).not.toBe(a);
  });
});
