import { compactVerify, decodeProtectedHeader, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TConfigTestDocument } from '@/lib/schemas/config-tests';
import { generateAdminKeyPair } from './admin-key';
import { base64urlDecode } from './encoding';
import { readGeneralJwe } from './jwe-types';
import { sealConfigTest } from './seal-config-test';
import { generateTenantKeys, importTenantKeys, type TImportedTenantKeys, type TTenantKeyPairs } from './tenant-keys';

let tenant: TTenantKeyPairs;
let keys: TImportedTenantKeys;
let proxies: { publicJwk: JWK; privateJwk: JWK }[];
const document: TConfigTestDocument = {
  typ: 'config-test',
  testId: 'ct_AAAAAAAAAAAAAAAAAAAAAA',
  tenantId: 'acme',
  kind: 'kms',
  configId: null,
  provider: 'aws-kms',
  settings: { keyArn: 'arn:aws:kms:eu-west-1:111122223333:key/abc' },
  iat: 1764300000,
};

beforeAll(async () => {
  tenant = await generateTenantKeys();
  keys = await importTenantKeys({ encryption: tenant.encryption.privateJwk, signing: tenant.signing.privateJwk });
  proxies = [await generateAdminKeyPair(), await generateAdminKeyPair()];
});

describe('sealConfigTest', () => {
  it('signs a cmk-config-test+jws JWS and seals it to the given deployments only, with cty cmk-config-test+jws', async () => {
    const recipients = proxies.map((p) => ({ kid: p.publicJwk.kid as string, publicJwk: p.publicJwk }));
    const { jws, jwe } = await sealConfigTest({ document, signingKey: keys.signingKey, signingKid: keys.signingKid, recipients });
    expect(decodeProtectedHeader(jws)).toEqual({ alg: 'ES256', kid: keys.signingKid, typ: 'cmk-config-test+jws' });
    const { payload } = await compactVerify(jws, tenant.signing.publicJwk, { algorithms: ['ES256'] });
    expect(JSON.parse(new TextDecoder().decode(payload))).toEqual(document);
    expect(JSON.parse(new TextDecoder().decode(base64urlDecode(jwe.protected)))).toEqual({ enc: 'A256GCM', cty: 'cmk-config-test+jws' });
    expect(jwe.recipients.map((r) => r.header.kid).sort()).toEqual(recipients.map((r) => r.kid).sort());
    expect(jwe.recipients.map((r) => r.header.kid)).not.toContain(keys.encryptionKid);
    // Never readable where a configuration is expected.
    expect(() => readGeneralJwe(jwe)).toThrow(/cty/);
  });

  it('refuses a document that is not a configuration test', async () => {
    const recipients = [{ kid: proxies[0]!.publicJwk.kid as string, publicJwk: proxies[0]!.publicJwk }];
    await expect(sealConfigTest({ document: { ...document, typ: 'kms' } as never, signingKey: keys.signingKey, signingKid: keys.signingKid, recipients })).rejects.toThrow(/not valid/);
  });
});
