import { CompactSign, GeneralEncrypt, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';

import { generateAdminKeyPair } from './admin-key';
import { configDigest } from './config-digest';
import { newConfigId, type TConfigDocument } from './config-document';
import { base64urlDecode, base64urlEncode, utf8 } from './encoding';
import { CryptoError, type TCryptoErrorCode } from './errors';
import type { TFlattenedJwe, TGeneralJwe, TJweRecipientHeader } from './jwe-types';
import { narrowJwe } from './narrow-jwe';
import { openConfig, type TOpenConfigInput } from './open-config';
import { sealConfig } from './seal-config';
import { generateTenantKeys, importTenantKeys, type TImportedTenantKeys, type TTenantKeyPairs } from './tenant-keys';

async function expectCryptoError(promise: Promise<unknown>, code: TCryptoErrorCode, message?: RegExp) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CryptoError);
  expect((error as CryptoError).code).toBe(code);
  if (message) expect((error as CryptoError).message).toMatch(message);
}

async function importEcdhPrivate(jwk: JWK): Promise<CryptoKey> {
  const { kty, crv, x, y, d } = jwk;
  return crypto.subtle.importKey('jwk', { kty, crv, x, y, d }, { name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits']);
}

async function importEcdsaPublic(jwk: JWK, extractable: boolean): Promise<CryptoKey> {
  const { kty, crv, x, y } = jwk;
  return crypto.subtle.importKey('jwk', { kty, crv, x, y }, { name: 'ECDSA', namedCurve: 'P-256' }, extractable, ['verify']);
}

function flipFirstByte(b64: string): string {
  const bytes = base64urlDecode(b64);
  bytes[0] = (bytes[0] ?? 0) ^ 0x01;
  return base64urlEncode(bytes);
}

const encodeHeader = (header: unknown) => base64urlEncode(utf8(JSON.stringify(header)));

type TParty = { kid: string; publicJwk: JWK; key: CryptoKey };

let tenant: TTenantKeyPairs;
let keys: TImportedTenantKeys;
let other: TImportedTenantKeys; // another tenant's keys
let proxy: TParty;
let proxy2: TParty;
let tenantParty: TParty;
let document: TConfigDocument;
let jwe: TGeneralJwe;
let digest: string;

// What anyone holding only the recipients' public keys can produce: any
// plaintext, encrypted exactly as sealConfig would.
async function encryptRaw(plaintext: string, parties: TParty[] = [tenantParty, proxy]): Promise<TGeneralJwe> {
  const encrypt = new GeneralEncrypt(utf8(plaintext)).setProtectedHeader({ enc: 'A256GCM', cty: 'cmk-config+jws' });
  for (const p of parties) encrypt.addRecipient(p.publicJwk).setUnprotectedHeader({ alg: 'ECDH-ES+A256KW', kid: p.kid });
  return (await encrypt.encrypt()) as TGeneralJwe;
}

// A statement really signed by the tenant, with whatever header/payload a test needs.
async function signRaw(payload: unknown, header: Record<string, unknown>, signingKey = keys.signingKey): Promise<string> {
  return new CompactSign(utf8(JSON.stringify(payload))).setProtectedHeader({ alg: 'ES256', ...header }).sign(signingKey);
}

function openAs(party: TParty, change: Partial<TOpenConfigInput> = {}) {
  return openConfig({
    jwe,
    decryptionKey: party.key,
    decryptionKid: party.kid,
    verifyKey: tenant.signing.publicJwk,
    expected: { tenantId: document.tenantId, configId: document.configId, version: document.version },
    ...change,
  });
}

async function party(): Promise<TParty> {
  const pair = await generateAdminKeyPair();
  return { kid: pair.publicJwk.kid as string, publicJwk: pair.publicJwk, key: await importEcdhPrivate(pair.privateJwk) };
}

beforeAll(async () => {
  tenant = await generateTenantKeys();
  keys = await importTenantKeys({ encryption: tenant.encryption.privateJwk, signing: tenant.signing.privateJwk });
  const otherPairs = await generateTenantKeys();
  other = await importTenantKeys({ encryption: otherPairs.encryption.privateJwk, signing: otherPairs.signing.privateJwk });
  tenantParty = { kid: keys.encryptionKid, publicJwk: tenant.encryption.publicJwk, key: keys.encryptionKey };
  [proxy, proxy2] = await Promise.all([party(), party()]);
  document = {
    typ: 'kms',
    tenantId: 'acme',
    configId: newConfigId(),
    version: 3,
    provider: 'aws-kms',
    settings: { keyArn: 'arn:aws:kms:eu-west-1:111122223333:key/abc', region: 'eu-west-1' },
    iat: 1764300000,
  };
  ({ jwe, digest } = await sealConfig({
    document,
    signingKey: keys.signingKey,
    signingKid: keys.signingKid,
    recipients: [tenantParty, proxy, proxy2].map(({ kid, publicJwk }) => ({ kid, publicJwk })),
  }));
});

describe('openConfig round trip', () => {
  it('opens for the tenant key and for each proxy key, general or narrowed', async () => {
    for (const p of [tenantParty, proxy, proxy2]) {
      expect(await openAs(p)).toEqual(document);
      expect(await openAs(p, { jwe: narrowJwe(jwe, p.kid) })).toEqual(document);
    }
  });

  it('takes the verify key as a JWK or a CryptoKey (extractable or not)', async () => {
    expect(await openAs(proxy, { verifyKey: await importEcdsaPublic(tenant.signing.publicJwk, true) })).toEqual(document);
    expect(await openAs(proxy, { verifyKey: await importEcdsaPublic(tenant.signing.publicJwk, false) })).toEqual(document);
    const { kid: _kid, alg: _alg, use: _use, ...bare } = tenant.signing.publicJwk;
    expect(await openAs(proxy, { verifyKey: bare })).toEqual(document);
  });

  it('has one digest for the general JWE and every narrowed JWE, and checks it when given', async () => {
    expect(digest).toBe(await configDigest(jwe));
    for (const p of [tenantParty, proxy, proxy2]) {
      const narrowed = narrowJwe(jwe, p.kid);
      expect(await configDigest(narrowed)).toBe(digest);
      expect(await openAs(p, { jwe: narrowed, expected: { tenantId: 'acme', digest } })).toEqual(document);
    }
    const other = await sealConfig({
      document,
      signingKey: keys.signingKey,
      signingKid: keys.signingKid,
      recipients: [{ kid: proxy.kid, publicJwk: proxy.publicJwk }],
    });
    expect(other.digest).not.toBe(digest);
    // A perfectly valid sealing of the same document, but not the version the state lists.
    await expectCryptoError(openAs(proxy, { jwe: other.jwe, expected: { tenantId: 'acme', digest } }), 'decrypt_failed', /digest/);
    expect(await openAs(proxy, { jwe: other.jwe, expected: { tenantId: 'acme', digest: other.digest } })).toEqual(document);
  });
});

describe('openConfig recipient selection', () => {
  it('refuses a kid that is not a recipient with wrong_key', async () => {
    const stranger = await party();
    await expectCryptoError(openAs(stranger), 'wrong_key');
    await expectCryptoError(openAs(stranger, { jwe: narrowJwe(jwe, proxy.kid) }), 'wrong_key');
    // A narrowed JWE for another proxy is not ours either, even though we are a recipient of the original.
    await expectCryptoError(openAs(proxy, { jwe: narrowJwe(jwe, proxy2.kid) }), 'wrong_key');
  });

  it('uses only the entry its kid names and never falls back to the others', async () => {
    // The tenant key with proxy's kid: proxy's entry is selected and cannot be
    // unwrapped by the tenant key. Trying every entry would have found the tenant's own.
    await expectCryptoError(openAs({ ...tenantParty, kid: proxy.kid }), 'decrypt_failed');
    // Same with the tenant's entry swapped out for a stranger's kid in place.
    const stranger = await party();
    const relabelled = {
      ...jwe,
      recipients: jwe.recipients.map((r) =>
        r.header.kid === tenantParty.kid ? { ...r, header: { ...r.header, kid: stranger.kid } } : r,
      ),
    };
    await expectCryptoError(openAs(tenantParty, { jwe: relabelled }), 'wrong_key');
  });

  it('refuses a recipient entry moved onto another configuration', async () => {
    const second = await sealConfig({
      document: { ...document, configId: newConfigId() },
      signingKey: keys.signingKey,
      signingKid: keys.signingKid,
      recipients: [tenantParty, proxy].map(({ kid, publicJwk }) => ({ kid, publicJwk })),
    });
    const ours = jwe.recipients.find((r) => r.header.kid === proxy.kid)!;
    const grafted = { ...second.jwe, recipients: second.jwe.recipients.map((r) => (r.header.kid === proxy.kid ? ours : r)) };
    await expectCryptoError(openAs(proxy, { jwe: grafted, expected: { tenantId: 'acme' } }), 'decrypt_failed');
  });
});

describe('openConfig identity checks', () => {
  it('refuses a configuration served as another tenant’s, another config or another version', async () => {
    const base = { tenantId: 'acme', configId: document.configId, version: document.version };
    await expectCryptoError(openAs(proxy, { expected: { ...base, tenantId: 'globex' } }), 'decrypt_failed', /another tenant/);
    await expectCryptoError(openAs(proxy, { expected: { ...base, configId: newConfigId() } }), 'decrypt_failed', /another configuration/);
    await expectCryptoError(openAs(proxy, { expected: { ...base, version: 2 } }), 'decrypt_failed', /another version/);
    expect(await openAs(proxy, { expected: { tenantId: 'acme' } })).toEqual(document);
  });

  it('refuses a configuration another tenant sealed to the same proxy', async () => {
    const foreign = await sealConfig({
      document: { ...document, tenantId: 'globex' },
      signingKey: other.signingKey,
      signingKid: other.signingKid,
      recipients: [{ kid: proxy.kid, publicJwk: proxy.publicJwk }],
    });
    // Checked against acme's pinned signing key: the kid is globex's.
    await expectCryptoError(openAs(proxy, { jwe: foreign.jwe, expected: { tenantId: 'acme' } }), 'wrong_key');
  });
});

describe('openConfig forgeries', () => {
  it('refuses a configuration signed by another key claiming the tenant’s kid', async () => {
    const forged = await sealConfig({
      document: { ...document, settings: { keyArn: 'arn:aws:kms:eu-west-1:999999999999:key/evil' } },
      signingKey: other.signingKey,
      signingKid: keys.signingKid,
      recipients: [{ kid: proxy.kid, publicJwk: proxy.publicJwk }],
    });
    await expectCryptoError(openAs(proxy, { jwe: forged.jwe }), 'decrypt_failed', /signature/);
    // Also when the verify key's thumbprint cannot be known (non-extractable CryptoKey).
    const opaque = await importEcdsaPublic(tenant.signing.publicJwk, false);
    await expectCryptoError(openAs(proxy, { jwe: forged.jwe, verifyKey: opaque }), 'decrypt_failed', /signature/);
  });

  it('refuses a configuration signed by another key under its own kid', async () => {
    const forged = await sealConfig({
      document,
      signingKey: other.signingKey,
      signingKid: other.signingKid,
      recipients: [{ kid: proxy.kid, publicJwk: proxy.publicJwk }],
    });
    await expectCryptoError(openAs(proxy, { jwe: forged.jwe }), 'wrong_key');
  });

  it('refuses an unsigned or wrongly typed inner statement, even when encrypted correctly', async () => {
    const signedState = await signRaw({ typ: 'tenant-state' }, { kid: keys.signingKid, typ: 'cmk-tenant-state+jws' });
    await expectCryptoError(openAs(proxy, { jwe: await encryptRaw(signedState) }), 'unsupported', /typ/);
    const noTyp = await signRaw(document, { kid: keys.signingKid });
    await expectCryptoError(openAs(proxy, { jwe: await encryptRaw(noTyp) }), 'unsupported');
    const unsigned = `${encodeHeader({ alg: 'none', kid: keys.signingKid, typ: 'cmk-config+jws' })}.${base64urlEncode(utf8(JSON.stringify(document)))}.`;
    await expectCryptoError(openAs(proxy, { jwe: await encryptRaw(unsigned) }), 'decrypt_failed');
    const hs = `${encodeHeader({ alg: 'HS256', kid: keys.signingKid, typ: 'cmk-config+jws' })}.${base64urlEncode(utf8(JSON.stringify(document)))}.${base64urlEncode(new Uint8Array(64))}`;
    await expectCryptoError(openAs(proxy, { jwe: await encryptRaw(hs) }), 'unsupported');
    await expectCryptoError(openAs(proxy, { jwe: await encryptRaw(JSON.stringify(document)) }), 'decrypt_failed');
    // Control: the same path with a proper statement opens.
    const proper = await signRaw(document, { kid: keys.signingKid, typ: 'cmk-config+jws' });
    expect(await openAs(proxy, { jwe: await encryptRaw(proper) })).toEqual(document);
  });

  it('refuses a tenant-signed payload that is not a well-formed document', async () => {
    for (const payload of [{ ...document, extra: 1 }, { ...document, version: 0 }, [document]]) {
      const jws = await signRaw(payload, { kid: keys.signingKid, typ: 'cmk-config+jws' });
      await expectCryptoError(openAs(proxy, { jwe: await encryptRaw(jws), expected: { tenantId: 'acme' } }), 'decrypt_failed');
    }
  });
});

describe('openConfig tampering', () => {
  const mutate = async (change: (j: TGeneralJwe) => TGeneralJwe, code: TCryptoErrorCode) => {
    await expectCryptoError(openAs(proxy, { jwe: change(structuredClone(jwe)) }), code);
    // The narrowed form is refused the same way.
    const { header, encrypted_key, ...rest } = structuredClone(narrowJwe(jwe, proxy.kid));
    const { recipients, ...shared } = change({ ...rest, recipients: [{ header, encrypted_key }] });
    await expectCryptoError(openAs(proxy, { jwe: { ...shared, ...recipients[0] } as TFlattenedJwe }), code);
  };
  const ours = (j: TGeneralJwe) => j.recipients.find((r) => r.header.kid === proxy.kid)!;

  it('detects a changed protected header, ciphertext, tag, iv, wrapped key or epk', async () => {
    // Same members, other order: passes the header check but not GCM.
    await mutate((j) => ({ ...j, protected: encodeHeader({ cty: 'cmk-config+jws', enc: 'A256GCM' }) }), 'decrypt_failed');
    await mutate((j) => ({ ...j, ciphertext: flipFirstByte(j.ciphertext) }), 'decrypt_failed');
    await mutate((j) => ({ ...j, tag: flipFirstByte(j.tag) }), 'decrypt_failed');
    await mutate((j) => ({ ...j, iv: flipFirstByte(j.iv) }), 'decrypt_failed');
    await mutate((j) => {
      ours(j).encrypted_key = flipFirstByte(ours(j).encrypted_key);
      return j;
    }, 'decrypt_failed');
    const stranger = await generateAdminKeyPair();
    await mutate((j) => {
      const { kty, crv, x, y } = stranger.publicJwk as { kty: 'EC'; crv: 'P-256'; x: string; y: string };
      ours(j).header.epk = { kty, crv, x, y };
      return j;
    }, 'decrypt_failed');
    // An epk that is not a point on the curve.
    await mutate((j) => {
      ours(j).header.epk = { ...ours(j).header.epk, y: ours(j).header.epk.x };
      return j;
    }, 'decrypt_failed');
  });

  it('refuses added aad, a shared unprotected header and other header features before decrypting', async () => {
    await mutate((j) => ({ ...j, aad: base64urlEncode(utf8('x')) }), 'invalid_input');
    await mutate((j) => ({ ...j, unprotected: { kid: proxy.kid } }), 'invalid_input');
    await mutate((j) => ({ ...j, protected: encodeHeader({ enc: 'A256GCM', cty: 'cmk-config+jws', zip: 'DEF' }) }), 'unsupported');
    await mutate((j) => ({ ...j, protected: encodeHeader({ enc: 'A256GCM', cty: 'cmk-config+jws', crit: ['x'], x: 1 }) }), 'unsupported');
    await mutate((j) => ({ ...j, protected: encodeHeader({ enc: 'A128GCM', cty: 'cmk-config+jws' }) }), 'unsupported');
    await mutate((j) => ({ ...j, protected: encodeHeader({ enc: 'A256GCM', cty: 'json' }) }), 'unsupported');
    for (const alg of ['dir', 'ECDH-ES', 'PBES2-HS256+A128KW']) {
      await mutate((j) => {
        ours(j).header = { ...ours(j).header, alg } as TJweRecipientHeader;
        return j;
      }, 'unsupported');
    }
    await mutate((j) => {
      ours(j).header = { ...ours(j).header, apu: 'AAAA' } as TJweRecipientHeader;
      return j;
    }, 'unsupported');
  });

  it('checks its arguments', async () => {
    await expectCryptoError(openAs(proxy, { decryptionKey: keys.signingKey }), 'invalid_input');
    await expectCryptoError(openAs(proxy, { decryptionKid: 'nope' }), 'invalid_input');
    await expectCryptoError(openAs(proxy, { verifyKey: tenant.encryption.publicJwk }), 'invalid_input');
    await expectCryptoError(openAs(proxy, { verifyKey: tenant.signing.privateJwk }), 'invalid_input');
    await expectCryptoError(openAs(proxy, { expected: { tenantId: '' } }), 'invalid_input');
    await expectCryptoError(openAs(proxy, { expected: { tenantId: 'acme', version: 0 } }), 'invalid_input');
    await expectCryptoError(openAs(proxy, { expected: { tenantId: 'acme', configId: 'x' } }), 'invalid_input');
    await expectCryptoError(openAs(proxy, { jwe: 'compact' as unknown as TGeneralJwe }), 'invalid_input');
  });
});
