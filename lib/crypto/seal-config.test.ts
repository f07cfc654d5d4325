import { compactVerify, decodeProtectedHeader, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';

import { generateAdminKeyPair } from './admin-key';
import { configDigest } from './config-digest';
import { newConfigId, type TConfigDocument } from './config-document';
import { base64urlDecode } from './encoding';
import { CryptoError, type TCryptoErrorCode } from './errors';
import { sealConfig, type TSealConfigInput } from './seal-config';
import { generateTenantKeys, importTenantKeys, type TImportedTenantKeys, type TTenantKeyPairs } from './tenant-keys';
import { jwkThumbprint } from './thumbprint';

async function expectCryptoError(promise: Promise<unknown>, code: TCryptoErrorCode, message?: RegExp) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CryptoError);
  expect((error as CryptoError).code).toBe(code);
  if (message) expect((error as CryptoError).message).toMatch(message);
}

const decodeJson = (s: string): unknown => JSON.parse(new TextDecoder().decode(base64urlDecode(s)));

let tenant: TTenantKeyPairs;
let keys: TImportedTenantKeys;
let proxy: { publicJwk: JWK; privateJwk: JWK };
let document: TConfigDocument;
let input: TSealConfigInput;

beforeAll(async () => {
  tenant = await generateTenantKeys();
  keys = await importTenantKeys({ encryption: tenant.encryption.privateJwk, signing: tenant.signing.privateJwk });
  proxy = await generateAdminKeyPair();
  document = {
    typ: 'kms',
    tenantId: 'acme',
    configId: newConfigId(),
    version: 2,
    provider: 'aws-kms',
    settings: { keyArn: 'arn:aws:kms:eu-west-1:111122223333:key/abc', roleArn: 'arn:aws:iam::111122223333:role/p' },
    iat: 1764300000,
  };
  input = {
    document,
    signingKey: keys.signingKey,
    signingKid: keys.signingKid,
    recipients: [
      { kid: keys.encryptionKid, publicJwk: tenant.encryption.publicJwk },
      { kid: proxy.publicJwk.kid as string, publicJwk: proxy.publicJwk },
    ],
  };
});

describe('sealConfig', () => {
  it('signs the document as a cmk-config+jws compact JWS by the tenant signing key', async () => {
    const { jws } = await sealConfig(input);
    expect(decodeProtectedHeader(jws)).toEqual({ alg: 'ES256', kid: keys.signingKid, typ: 'cmk-config+jws' });
    const { payload } = await compactVerify(jws, tenant.signing.publicJwk, { algorithms: ['ES256'] });
    expect(JSON.parse(new TextDecoder().decode(payload))).toEqual(document);
  });

  it('writes a general JWE: protected {enc, cty}, one {alg, kid, epk} header per recipient, no aad/unprotected', async () => {
    const { jwe, digest } = await sealConfig(input);
    expect(Object.keys(jwe).sort()).toEqual(['ciphertext', 'iv', 'protected', 'recipients', 'tag']);
    expect(decodeJson(jwe.protected)).toEqual({ enc: 'A256GCM', cty: 'cmk-config+jws' });
    expect(jwe.recipients.map((r) => r.header.kid)).toEqual([keys.encryptionKid, proxy.publicJwk.kid]);
    for (const r of jwe.recipients) {
      expect(Object.keys(r).sort()).toEqual(['encrypted_key', 'header']);
      expect(Object.keys(r.header).sort()).toEqual(['alg', 'epk', 'kid']);
      expect(r.header.alg).toBe('ECDH-ES+A256KW');
      expect(Object.keys(r.header.epk).sort()).toEqual(['crv', 'kty', 'x', 'y']);
    }
    expect(jwe.recipients[0]?.header.epk).not.toEqual(jwe.recipients[1]?.header.epk);
    expect(digest).toBe(await configDigest(jwe));
  });

  it('keeps a lone recipient’s epk out of the protected header', async () => {
    const { jwe } = await sealConfig({ ...input, recipients: [input.recipients[0]!] });
    expect(decodeJson(jwe.protected)).toEqual({ enc: 'A256GCM', cty: 'cmk-config+jws' });
    expect(jwe.recipients).toHaveLength(1);
    expect(jwe.recipients[0]?.header.kid).toBe(keys.encryptionKid);
    expect(jwe.recipients[0]?.header.epk).toBeDefined();
  });

  it('uses a fresh IV and content key every time', async () => {
    const [a, b] = await Promise.all([sealConfig(input), sealConfig(input)]);
    expect(a.jwe.iv).not.toBe(b.jwe.iv);
    expect(a.jwe.ciphertext).not.toBe(b.jwe.ciphertext);
    expect(a.digest).not.toBe(b.digest);
  });

  it('refuses a recipient kid that is not the key’s thumbprint', async () => {
    const [t, p] = input.recipients as [TSealConfigInput['recipients'][0], TSealConfigInput['recipients'][0]];
    await expectCryptoError(sealConfig({ ...input, recipients: [t, { ...p, kid: t.kid }] }), 'invalid_input');
    await expectCryptoError(sealConfig({ ...input, recipients: [{ ...t, kid: undefined as unknown as string }] }), 'invalid_input');
    // The JWK's own kid must agree too.
    await expectCryptoError(
      sealConfig({ ...input, recipients: [{ ...p, publicJwk: { ...p.publicJwk, kid: t.kid } }] }),
      'invalid_input',
    );
    // Control: a JWK without kid is fine when the given kid is its thumbprint.
    const { kid: _kid, ...bare } = p.publicJwk;
    expect((await sealConfig({ ...input, recipients: [{ kid: p.kid, publicJwk: bare }] })).jwe.recipients).toHaveLength(1);
  });

  it('refuses no recipients, duplicates, more than 64, private or signing keys as recipients', async () => {
    await expectCryptoError(sealConfig({ ...input, recipients: [] }), 'invalid_input');
    const [t] = input.recipients as [TSealConfigInput['recipients'][0]];
    await expectCryptoError(sealConfig({ ...input, recipients: [t, t] }), 'invalid_input', /listed twice/);
    await expectCryptoError(sealConfig({ ...input, recipients: [{ kid: t.kid, publicJwk: tenant.encryption.privateJwk }] }), 'invalid_input');
    const signingKid = await jwkThumbprint(tenant.signing.publicJwk);
    await expectCryptoError(sealConfig({ ...input, recipients: [{ kid: signingKid, publicJwk: tenant.signing.publicJwk }] }), 'invalid_input');

    const many = await Promise.all(Array.from({ length: 65 }, () => generateAdminKeyPair()));
    const recipients = many.map((k) => ({ kid: k.publicJwk.kid as string, publicJwk: k.publicJwk }));
    await expectCryptoError(sealConfig({ ...input, recipients }), 'invalid_input', /^A configuration can have at most 64/);
    expect((await sealConfig({ ...input, recipients: recipients.slice(0, 64) })).jwe.recipients).toHaveLength(64);
  });

  it('refuses a malformed document and a key that cannot sign', async () => {
    await expectCryptoError(sealConfig({ ...input, document: { ...document, version: 0 } }), 'invalid_input');
    await expectCryptoError(sealConfig({ ...input, document: { ...document, extra: 1 } as TConfigDocument }), 'invalid_input');
    await expectCryptoError(sealConfig({ ...input, signingKey: keys.encryptionKey }), 'invalid_input');
    await expectCryptoError(sealConfig({ ...input, signingKid: 'not-a-thumbprint' }), 'invalid_input');
  });
});
