import { CompactEncrypt, compactVerify, CompactSign, decodeProtectedHeader, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';

import { generateAdminKeyPair } from './admin-key';
import { base64urlDecode, base64urlEncode, utf8 } from './encoding';
import { CryptoError, type TCryptoErrorCode } from './errors';
import {
  generateTenantKeys,
  importTenantKeys,
  tenantPublicJwks,
  unwrapTenantKeys,
  wrapTenantKeys,
  type TTenantKeyPairs,
  type TTenantPrivateKeys,
} from './tenant-keys';
import { jwkThumbprint } from './thumbprint';

const TENANT = 'acme';

async function expectCryptoError(promise: Promise<unknown>, code: TCryptoErrorCode) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CryptoError);
  expect((error as CryptoError).code).toBe(code);
}

async function importEcdhPrivate(jwk: JWK): Promise<CryptoKey> {
  const { kty, crv, x, y, d } = jwk;
  return crypto.subtle.importKey('jwk', { kty, crv, x, y, d }, { name: 'ECDH', namedCurve: 'P-256' }, false, [
    'deriveBits',
  ]);
}

const privatesOf = (pairs: TTenantKeyPairs): TTenantPrivateKeys => ({
  encryption: pairs.encryption.privateJwk,
  signing: pairs.signing.privateJwk,
});

// Re-encodes the protected header with a change; the rest of the JWE is untouched.
function editHeader(jwe: string, change: Record<string, unknown>): string {
  const [header, ...rest] = jwe.split('.');
  const decoded = JSON.parse(new TextDecoder().decode(base64urlDecode(header ?? ''))) as Record<string, unknown>;
  return [base64urlEncode(utf8(JSON.stringify({ ...decoded, ...change }))), ...rest].join('.');
}

function flipCiphertextBit(jwe: string): string {
  const parts = jwe.split('.');
  const ct = base64urlDecode(parts[3] ?? '');
  ct[0] = (ct[0] ?? 0) ^ 0x01;
  parts[3] = base64urlEncode(ct);
  return parts.join('.');
}

// What a forger holding only the admin's public key can produce.
async function craft(header: Record<string, unknown>, payload: unknown, adminPublicJwk: JWK): Promise<string> {
  return new CompactEncrypt(utf8(JSON.stringify(payload)))
    .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', ...header })
    .encrypt(adminPublicJwk);
}

let admin: Awaited<ReturnType<typeof generateAdminKeyPair>>;
let adminKey: CryptoKey;
let adminKid: string;
let tenant: TTenantKeyPairs;
let jwe: string;

beforeAll(async () => {
  admin = await generateAdminKeyPair();
  adminKey = await importEcdhPrivate(admin.privateJwk);
  adminKid = admin.publicJwk.kid as string;
  tenant = await generateTenantKeys();
  jwe = await wrapTenantKeys(privatesOf(tenant), admin.publicJwk, TENANT);
});

describe('generateTenantKeys', () => {
  it('makes an ECDH encryption pair and an ECDSA signing pair, kid = thumbprint', async () => {
    const { encryption, signing } = tenant;
    const encKid = await jwkThumbprint(encryption.publicJwk);
    const sigKid = await jwkThumbprint(signing.publicJwk);
    expect(encKid).not.toBe(sigKid);
    for (const jwk of [encryption.publicJwk, encryption.privateJwk]) {
      expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-256', kid: encKid, alg: 'ECDH-ES+A256KW', use: 'enc' });
    }
    for (const jwk of [signing.publicJwk, signing.privateJwk]) {
      expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-256', kid: sigKid, alg: 'ES256', use: 'sig' });
    }
    expect(encryption.publicJwk.d).toBeUndefined();
    expect(signing.publicJwk.d).toBeUndefined();
    expect(typeof encryption.privateJwk.d).toBe('string');
    expect(typeof signing.privateJwk.d).toBe('string');
  });
});

describe('wrap / unwrap tenant keys', () => {
  it('round-trips to the same private JWKs', async () => {
    const keys = await unwrapTenantKeys(jwe, adminKey, { tenantId: TENANT, adminKid });
    expect(keys).toEqual(privatesOf(tenant));
  });

  it('writes the pinned protected header and no private key in clear', async () => {
    const header = decodeProtectedHeader(jwe);
    expect(Object.keys(header).sort()).toEqual(['alg', 'cty', 'enc', 'epk', 'kid', 'tenant', 'typ']);
    expect(header).toMatchObject({
      alg: 'ECDH-ES+A256KW',
      enc: 'A256GCM',
      kid: await jwkThumbprint(admin.publicJwk),
      typ: 'cmk-tenant-keys+jwe',
      cty: 'json',
      tenant: TENANT,
    });
    expect(JSON.stringify(header)).not.toContain('"d"');
    for (const d of [tenant.encryption.privateJwk.d, tenant.signing.privateJwk.d]) expect(jwe).not.toContain(d);
  });

  it('recomputes the admin kid instead of trusting the JWK', async () => {
    const { kid: _kid, ...withoutKid } = admin.publicJwk;
    const wrapped = await wrapTenantKeys(privatesOf(tenant), withoutKid, TENANT);
    expect(decodeProtectedHeader(wrapped).kid).toBe(adminKid);
    const other = await generateAdminKeyPair();
    const staleKid = { ...admin.publicJwk, kid: other.publicJwk.kid };
    await expectCryptoError(wrapTenantKeys(privatesOf(tenant), staleKid, TENANT), 'invalid_input');
    await expectCryptoError(wrapTenantKeys(privatesOf(tenant), admin.privateJwk, TENANT), 'invalid_input');
  });

  it('reports a blob for another admin key as wrong_key', async () => {
    const other = await generateAdminKeyPair();
    const otherKey = await importEcdhPrivate(other.privateJwk);
    const expected = { tenantId: TENANT, adminKid: other.publicJwk.kid as string };
    await expectCryptoError(unwrapTenantKeys(jwe, otherKey, expected), 'wrong_key');
  });

  it('fails with decrypt_failed for a wrong key claiming the right kid, a wrong tenant, or tampering', async () => {
    const other = await generateAdminKeyPair();
    const otherKey = await importEcdhPrivate(other.privateJwk);
    const expected = { tenantId: TENANT, adminKid };
    await expectCryptoError(unwrapTenantKeys(jwe, otherKey, expected), 'decrypt_failed');
    await expectCryptoError(unwrapTenantKeys(jwe, adminKey, { ...expected, tenantId: 'globex' }), 'decrypt_failed');
    await expectCryptoError(unwrapTenantKeys(flipCiphertextBit(jwe), adminKey, expected), 'decrypt_failed');
    await expectCryptoError(unwrapTenantKeys(editHeader(jwe, { typ: 'JWT' }), adminKey, expected), 'decrypt_failed');
    // Re-labelling the blob for another tenant breaks the GCM tag (the header is the AAD).
    const relabelled = editHeader(jwe, { tenant: 'globex' });
    await expectCryptoError(unwrapTenantKeys(relabelled, adminKey, { ...expected, tenantId: 'globex' }), 'decrypt_failed');
  });

  it('refuses algorithms outside the pin', async () => {
    const expected = { tenantId: TENANT, adminKid };
    await expectCryptoError(unwrapTenantKeys(editHeader(jwe, { alg: 'ECDH-ES' }), adminKey, expected), 'unsupported');
    await expectCryptoError(unwrapTenantKeys(editHeader(jwe, { enc: 'A128GCM' }), adminKey, expected), 'unsupported');
    await expectCryptoError(unwrapTenantKeys(editHeader(jwe, { alg: 'PBES2-HS256+A128KW' }), adminKey, expected), 'unsupported');
    await expectCryptoError(unwrapTenantKeys('a.b.c', adminKey, expected), 'invalid_input');
  });

  it('checks the authenticated header and payload, not just the tag', async () => {
    const keys = privatesOf(tenant);
    const header = { kid: adminKid, typ: 'cmk-tenant-keys+jwe', cty: 'json', tenant: TENANT };
    const payload = { tenantId: TENANT, ...keys };
    const expected = { tenantId: TENANT, adminKid };
    // The crafting helper itself is sound: the untouched version opens.
    expect(await unwrapTenantKeys(await craft(header, payload, admin.publicJwk), adminKey, expected)).toEqual(keys);
    const refused = [
      await craft({ ...header, typ: 'cmk-other+jwe' }, payload, admin.publicJwk),
      await craft({ ...header, cty: 'text' }, payload, admin.publicJwk),
      await craft({ ...header, extra: 1 }, payload, admin.publicJwk),
      await craft({ ...header, tenant: 'globex' }, payload, admin.publicJwk),
      await craft(header, { ...payload, tenantId: 'globex' }, admin.publicJwk),
      await craft(header, { ...payload, extra: 1 }, admin.publicJwk),
      await craft(header, { ...payload, signing: keys.encryption, encryption: keys.signing }, admin.publicJwk),
      await craft(header, { ...payload, signing: { ...keys.signing, d: undefined } }, admin.publicJwk),
      await craft(header, { ...payload, signing: { ...keys.signing, kid: keys.encryption.kid } }, admin.publicJwk),
      await craft(header, { ...payload, signing: { ...keys.signing, d: keys.encryption.d } }, admin.publicJwk),
      // alg/use are always written, so a key without them was not written by us.
      await craft(header, { ...payload, signing: { ...keys.signing, alg: undefined } }, admin.publicJwk),
      await craft(header, { ...payload, encryption: { ...keys.encryption, use: undefined } }, admin.publicJwk),
      // One key in both roles.
      await craft(header, { ...payload, signing: { ...keys.encryption, alg: 'ES256', use: 'sig' } }, admin.publicJwk),
    ];
    for (const blob of refused) await expectCryptoError(unwrapTenantKeys(blob, adminKey, expected), 'decrypt_failed');
  });

  it('refuses a substituted key set when the tenant kids are known', async () => {
    // Anyone with the admin public key can wrap *some* keys; only kids on record tell them apart.
    const forged = privatesOf(await generateTenantKeys());
    const blob = await wrapTenantKeys(forged, admin.publicJwk, TENANT);
    const expected = { tenantId: TENANT, adminKid };
    expect(await unwrapTenantKeys(blob, adminKey, expected)).toEqual(forged);
    const kids = { encryptionKid: tenant.encryption.publicJwk.kid as string, signingKid: tenant.signing.publicJwk.kid as string };
    await expectCryptoError(unwrapTenantKeys(blob, adminKey, { ...expected, ...kids }), 'wrong_key');
    await expectCryptoError(unwrapTenantKeys(blob, adminKey, { ...expected, signingKid: kids.signingKid }), 'wrong_key');
    await expectCryptoError(unwrapTenantKeys(blob, adminKey, { ...expected, encryptionKid: kids.encryptionKid }), 'wrong_key');
    expect(await unwrapTenantKeys(jwe, adminKey, { ...expected, ...kids })).toEqual(privatesOf(tenant));
  });
});

describe('importTenantKeys', () => {
  it('imports non-extractable keys that work with the public halves', async () => {
    const imported = await importTenantKeys(privatesOf(tenant));
    expect(imported.encryptionKid).toBe(tenant.encryption.publicJwk.kid);
    expect(imported.signingKid).toBe(tenant.signing.publicJwk.kid);
    for (const key of [imported.encryptionKey, imported.signingKey]) {
      expect(key.extractable).toBe(false);
      await expect(crypto.subtle.exportKey('jwk', key)).rejects.toThrow();
      await expect(crypto.subtle.exportKey('pkcs8', key)).rejects.toThrow();
    }
    expect(imported.encryptionKey.usages).toEqual(['deriveBits']);
    expect(imported.signingKey.usages).toEqual(['sign']);

    const jws = await new CompactSign(utf8('state')).setProtectedHeader({ alg: 'ES256' }).sign(imported.signingKey);
    const verified = await compactVerify(jws, tenant.signing.publicJwk, { algorithms: ['ES256'] });
    expect(new TextDecoder().decode(verified.payload)).toBe('state');
  });

  it('refuses keys of the wrong kind', async () => {
    const keys = privatesOf(tenant);
    await expectCryptoError(importTenantKeys({ encryption: keys.signing, signing: keys.encryption }), 'invalid_input');
    await expectCryptoError(importTenantKeys({ ...keys, signing: tenant.signing.publicJwk }), 'invalid_input');
    const sameKey = { ...keys.encryption, alg: 'ES256', use: 'sig' } as const;
    await expectCryptoError(importTenantKeys({ ...keys, signing: sameKey }), 'invalid_input');
  });
});

describe('tenantPublicJwks', () => {
  it('gives the public halves with kids and no d', async () => {
    const publics = await tenantPublicJwks(privatesOf(tenant));
    expect(publics).toEqual({ encryption: tenant.encryption.publicJwk, signing: tenant.signing.publicJwk });
    expect(JSON.stringify(publics)).not.toContain('"d"');
  });
});
