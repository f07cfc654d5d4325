// eslint-disable-next-line no-restricted-imports -- test-only reference implementation
import { createDecipheriv, hkdfSync, pbkdf2Sync } from 'node:crypto';

import type { JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';

import { generateAdminKeyPair, openAdminPrivateKey, resealAdminPrivateKey, sealAdminPrivateKey } from './admin-key';
import { deriveAccountKeys } from './derive-account-keys';
import { base64urlDecode, base64urlEncode } from './encoding';
import { CryptoError, type TCryptoErrorCode } from './errors';
import { jwkThumbprint } from './thumbprint';

const FAST = 1_000;
const SALT = 'c2FsdHNhbHRzYWx0c2FsdA';
const USER = 'user_123';

async function expectCryptoError(promise: Promise<unknown>, code: TCryptoErrorCode) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CryptoError);
  expect((error as CryptoError).code).toBe(code);
}

type TEnvelope = { v: number; typ: string; alg: string; kid: string; iv: string; ct: string };
const parse = (sealed: string) => JSON.parse(sealed) as TEnvelope;
const edit = (sealed: string, change: Partial<Record<keyof TEnvelope, unknown>>) =>
  JSON.stringify({ ...parse(sealed), ...change });

// Flips one bit in the middle so the value stays valid base64url of the same length.
function flipBit(value: string): string {
  const bytes = base64urlDecode(value);
  const i = Math.floor(bytes.length / 2);
  bytes[i] = (bytes[i] ?? 0) ^ 0x01;
  return base64urlEncode(bytes);
}

// Same shared secret from the opened CryptoKey as from the original private JWK.
async function sameEcdhKey(opened: CryptoKey, privateJwk: JWK): Promise<boolean> {
  const { kty, crv, x, y, d } = privateJwk;
  const algorithm = { name: 'ECDH', namedCurve: 'P-256' };
  const original = await crypto.subtle.importKey('jwk', { kty, crv, x, y, d }, algorithm, false, ['deriveBits']);
  const peer = (await crypto.subtle.generateKey(algorithm, false, ['deriveBits'])) as CryptoKeyPair;
  const a = await crypto.subtle.deriveBits({ name: 'ECDH', public: peer.publicKey }, opened, 256);
  const b = await crypto.subtle.deriveBits({ name: 'ECDH', public: peer.publicKey }, original, 256);
  return base64urlEncode(new Uint8Array(a)) === base64urlEncode(new Uint8Array(b));
}

let wrapKey: CryptoKey;
let otherWrapKey: CryptoKey;

beforeAll(async () => {
  wrapKey = (await deriveAccountKeys('the right passphrase', SALT, FAST)).wrapKey;
  otherWrapKey = (await deriveAccountKeys('a wrong passphrase', SALT, FAST)).wrapKey;
});

describe('generateAdminKeyPair', () => {
  it('makes an ECDH P-256 pair with kid = thumbprint, alg and use on both halves', async () => {
    const { publicJwk, privateJwk } = await generateAdminKeyPair();
    const kid = await jwkThumbprint(publicJwk);
    for (const jwk of [publicJwk, privateJwk]) {
      expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-256', kid, alg: 'ECDH-ES+A256KW', use: 'enc' });
      expect(jwk.key_ops).toBeUndefined();
    }
    expect(publicJwk.d).toBeUndefined();
    expect(privateJwk.d).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect([privateJwk.x, privateJwk.y]).toEqual([publicJwk.x, publicJwk.y]);
    expect((await generateAdminKeyPair()).publicJwk.kid).not.toBe(kid);
  });
});

describe('seal / open admin private key', () => {
  it('round-trips into a non-extractable ECDH key for the same private key', async () => {
    const { publicJwk, privateJwk } = await generateAdminKeyPair();
    const sealed = await sealAdminPrivateKey(privateJwk, wrapKey, USER);
    const envelope = parse(sealed);
    expect(Object.keys(envelope)).toEqual(['v', 'typ', 'alg', 'kid', 'iv', 'ct']);
    expect(envelope).toMatchObject({ v: 1, typ: 'cmk-sealed-admin-key', alg: 'A256GCM', kid: publicJwk.kid });
    expect(base64urlDecode(envelope.iv)).toHaveLength(12);

    const { privateKey, kid } = await openAdminPrivateKey(sealed, wrapKey, USER);
    expect(kid).toBe(publicJwk.kid);
    expect(privateKey.extractable).toBe(false);
    expect(privateKey.algorithm).toMatchObject({ name: 'ECDH', namedCurve: 'P-256' });
    expect([...privateKey.usages].sort()).toEqual(['deriveBits', 'deriveKey']);
    await expect(crypto.subtle.exportKey('jwk', privateKey)).rejects.toThrow();
    expect(await sameEcdhKey(privateKey, privateJwk)).toBe(true);
  });

  it('never shows the private key in clear and uses a fresh IV each time', async () => {
    const { privateJwk } = await generateAdminKeyPair();
    const a = await sealAdminPrivateKey(privateJwk, wrapKey, USER);
    const b = await sealAdminPrivateKey(privateJwk, wrapKey, USER);
    for (const sealed of [a, b]) {
      expect(sealed).not.toContain('"d"');
      expect(sealed).not.toContain(privateJwk.d);
    }
    expect(parse(a).iv).not.toBe(parse(b).iv);
  });

  it('fails with decrypt_failed for a wrong passphrase, a swapped context or tampering', async () => {
    const { privateJwk } = await generateAdminKeyPair();
    const other = await generateAdminKeyPair();
    const sealed = await sealAdminPrivateKey(privateJwk, wrapKey, USER);
    const { ct, iv } = parse(sealed);
    await expectCryptoError(openAdminPrivateKey(sealed, otherWrapKey, USER), 'decrypt_failed');
    await expectCryptoError(openAdminPrivateKey(sealed, wrapKey, 'user_456'), 'decrypt_failed');
    await expectCryptoError(openAdminPrivateKey(edit(sealed, { ct: flipBit(ct) }), wrapKey, USER), 'decrypt_failed');
    await expectCryptoError(openAdminPrivateKey(edit(sealed, { iv: flipBit(iv) }), wrapKey, USER), 'decrypt_failed');
    await expectCryptoError(openAdminPrivateKey(edit(sealed, { ct: ct.slice(0, 10) }), wrapKey, USER), 'decrypt_failed');
    await expectCryptoError(openAdminPrivateKey(edit(sealed, { kid: other.publicJwk.kid }), wrapKey, USER), 'decrypt_failed');
  });

  it('follows the documented format (decrypts with node:crypto from the passphrase)', async () => {
    const { privateJwk } = await generateAdminKeyPair();
    const { iv, ct, kid } = parse(await sealAdminPrivateKey(privateJwk, wrapKey, USER));
    const master = pbkdf2Sync('the right passphrase', base64urlDecode(SALT), FAST, 32, 'sha256');
    const key = Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), 'cmk-broker/v1/wrap-key', 32));
    const bytes = base64urlDecode(ct);
    const decipher = createDecipheriv('aes-256-gcm', key, base64urlDecode(iv));
    decipher.setAAD(Buffer.from(`cmk-broker/v1/admin-key|${USER}|${kid}`));
    decipher.setAuthTag(bytes.subarray(bytes.length - 16));
    const plaintext = Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - 16)), decipher.final()]);
    expect(JSON.parse(plaintext.toString())).toEqual(privateJwk);
  });

  it('refuses an authentic blob whose key is not the one its kid names', async () => {
    const { privateJwk } = await generateAdminKeyPair();
    const other = await generateAdminKeyPair();
    const iv = new Uint8Array(12);
    const aad = new TextEncoder().encode(`cmk-broker/v1/admin-key|${USER}|${other.publicJwk.kid}`);
    const plaintext = new TextEncoder().encode(JSON.stringify(privateJwk));
    const ct = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: aad }, wrapKey, plaintext));
    const forged = JSON.stringify({
      v: 1,
      typ: 'cmk-sealed-admin-key',
      alg: 'A256GCM',
      kid: other.publicJwk.kid,
      iv: base64urlEncode(iv),
      ct: base64urlEncode(ct),
    });
    await expectCryptoError(openAdminPrivateKey(forged, wrapKey, USER), 'decrypt_failed');
  });

  it('refuses envelopes it does not understand', async () => {
    const { privateJwk } = await generateAdminKeyPair();
    const sealed = await sealAdminPrivateKey(privateJwk, wrapKey, USER);
    await expectCryptoError(openAdminPrivateKey(edit(sealed, { v: 2 }), wrapKey, USER), 'unsupported');
    await expectCryptoError(openAdminPrivateKey(edit(sealed, { alg: 'A128GCM' }), wrapKey, USER), 'unsupported');
    await expectCryptoError(openAdminPrivateKey(edit(sealed, { typ: 'other' }), wrapKey, USER), 'unsupported');
    await expectCryptoError(openAdminPrivateKey(edit(sealed, { d: privateJwk.d } as never), wrapKey, USER), 'invalid_input');
    await expectCryptoError(openAdminPrivateKey('not json', wrapKey, USER), 'invalid_input');
    await expectCryptoError(openAdminPrivateKey(sealed, wrapKey, ''), 'invalid_input');
  });

  it('refuses to seal a bad key or with a bad wrap key', async () => {
    const a = await generateAdminKeyPair();
    const b = await generateAdminKeyPair();
    await expectCryptoError(sealAdminPrivateKey(a.publicJwk, wrapKey, USER), 'invalid_input');
    await expectCryptoError(sealAdminPrivateKey({ ...a.privateJwk, kid: b.publicJwk.kid }, wrapKey, USER), 'invalid_input');
    await expectCryptoError(sealAdminPrivateKey({ ...a.privateJwk, d: b.privateJwk.d }, wrapKey, USER), 'invalid_input');
    await expectCryptoError(sealAdminPrivateKey({ ...a.privateJwk, alg: 'ES256' }, wrapKey, USER), 'invalid_input');
    const hmac = await crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    await expectCryptoError(sealAdminPrivateKey(a.privateJwk, hmac, USER), 'invalid_input');
  });
});

describe('resealAdminPrivateKey', () => {
  it('moves the key to the new wrap key only', async () => {
    const { privateJwk, publicJwk } = await generateAdminKeyPair();
    const sealed = await sealAdminPrivateKey(privateJwk, wrapKey, USER);
    const resealed = await resealAdminPrivateKey(sealed, wrapKey, otherWrapKey, USER);
    expect(parse(resealed).iv).not.toBe(parse(sealed).iv);
    expect(resealed).not.toContain(privateJwk.d);
    const opened = await openAdminPrivateKey(resealed, otherWrapKey, USER);
    expect(opened.kid).toBe(publicJwk.kid);
    expect(await sameEcdhKey(opened.privateKey, privateJwk)).toBe(true);
    await expectCryptoError(openAdminPrivateKey(resealed, wrapKey, USER), 'decrypt_failed');
  });

  it('needs the old wrap key', async () => {
    const { privateJwk } = await generateAdminKeyPair();
    const sealed = await sealAdminPrivateKey(privateJwk, wrapKey, USER);
    await expectCryptoError(resealAdminPrivateKey(sealed, otherWrapKey, wrapKey, USER), 'decrypt_failed');
  });
});
