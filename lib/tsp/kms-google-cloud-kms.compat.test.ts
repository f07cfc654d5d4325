// The reference product's own Node client (@ironcorelabs/tenant-security-nodejs,
// unmodified) against our TSP for a tenant whose KMS is Google Cloud KMS: a
// round trip, a batch, a rekey to and from an AWS KMS tenant, a rotated key
// still opening old documents, and the code the client surfaces for each
// refusal. Google Cloud KMS and AWS KMS are protocol doubles in this repo (no
// cloud is reachable here); the Google double serves HTTPS from a test CA that
// the TSP trusts only through its Google driver options.
import { DocumentMetadata, TenantSecurityErrorCode, type TenantSecurityClient } from '@ironcorelabs/tenant-security-nodejs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { decodeEdek } from '@/lib/tsp';
import { type TTestConfig } from '@/lib/testing/bundle-factory';
import { codeOf, disableConfig, expectBatchRoundTrip, expectCodeWhile, openedText, startCompatWorld } from '@/lib/testing/kms/compat-suite';
import { startGoogleKmsDouble, type TDoubleCryptoKey, type TDoubleServiceAccount, type TGoogleKmsDouble } from '@/lib/testing/kms/google-kms-double';
import { type TTspWorld } from '@/lib/testing/tsp-world';

const TENANT = 'gcp-corp';
let google: TGoogleKmsDouble;
let account: TDoubleServiceAccount;
let key: TDoubleCryptoKey;
let config: TTestConfig;
let world: TTspWorld;
let client: TenantSecurityClient;
const meta = (tenantId: string) => new DocumentMetadata(tenantId, 'svc-orders', 'PII', '10.1.2.3', 'order-7', 'req-7');
const doc = { title: Buffer.from('board minutes'), body: Buffer.from('kept under a Google Cloud KMS key') };

beforeAll(async () => {
  google = await startGoogleKmsDouble();
  account = google.createServiceAccount('cmk-proxy');
  key = google.createKey({ ring: 'gcp-corp', id: 'documents', members: [account.email] });
  const started = await startCompatWorld({
    flushMs: 10,
    kms: google.driverOptions(2000),
    tenants: { [TENANT]: [{ provider: 'google-cloud-kms', settings: google.settings(key, account), primary: true }] },
  });
  ({ world, client } = started);
  config = started.configOf(TENANT);
}, 60_000);

afterAll(async () => {
  await world?.stop();
  await google?.stop();
});

describe('the reference Node client, for a tenant on Google Cloud KMS', () => {
  let encrypted: Awaited<ReturnType<TenantSecurityClient['encryptDocument']>>;

  it('encrypts and decrypts a document, through Cloud KMS encrypt and decrypt with the tenant in the AAD', async () => {
    google.resetCalls();
    encrypted = await client.encryptDocument(doc, meta(TENANT));
    expect(encrypted.encryptedDocument.body?.equals(doc.body)).toBe(false);
    const [entry] = decodeEdek(encrypted.edek);
    expect(entry).toMatchObject({ kmsConfigId: config.kmsConfigId, tenantId: TENANT });
    const decrypted = await client.decryptDocument(encrypted, meta(TENANT));
    expect(decrypted.plaintextDocument.body?.toString()).toBe(doc.body.toString());
    expect(google.calls.filter((c) => c.service === 'kms').map((c) => `${c.operation}:${c.httpStatus}`)).toEqual(['encrypt:200', 'decrypt:200']);
    expect(google.count({ service: 'kms', principal: account.email, key: key.name })).toBe(2);
  });

  it('encrypts and decrypts a batch', async () => {
    const opened = await expectBatchRoundTrip(client, doc, meta(TENANT));
    expect(Object.values(opened.successes).map((d) => d.plaintextDocument.title?.toString())).toEqual(['board minutes', 'board minutes', 'board minutes']);
  });

  it('rekeys from an AWS KMS tenant to the Google tenant, and back', async () => {
    const fromAws = await client.encryptDocument(doc, meta('acme'));
    const toGoogle = await client.rekeyEdek(fromAws.edek, TENANT, meta('acme'));
    expect(decodeEdek(toGoogle)[0]?.tenantId).toBe(TENANT);
    const openedByGoogle = await client.decryptDocument({ ...fromAws, edek: toGoogle }, meta(TENANT));
    expect(openedByGoogle.plaintextDocument.body?.toString()).toBe(doc.body.toString());

    const toAws = await client.rekeyEdek(encrypted.edek, 'acme', meta(TENANT));
    expect(decodeEdek(toAws)[0]?.kmsConfigId).toBe(world.kmsConfig.acme?.kmsConfigId);
    const openedByAws = await client.decryptDocument({ ...encrypted, edek: toAws }, meta('acme'));
    expect(openedByAws.plaintextDocument.title?.toString()).toBe('board minutes');
    // Google's tenant cannot open an EDEK now bound to acme.
    expect(await codeOf(client.decryptDocument({ ...encrypted, edek: toAws }, meta(TENANT)))).toBe(TenantSecurityErrorCode.INVALID_PROVIDED_EDEK);
  });

  it('still decrypts documents made before the tenant rotated its key', async () => {
    google.rotate(key.name);
    const fresh = await client.encryptDocument(doc, meta(TENANT));
    expect(google.calls.at(-1)).toMatchObject({ operation: 'encrypt', version: 2 });
    expect(await openedText(client, encrypted, meta(TENANT))).toBe(doc.body.toString());
    expect(google.calls.at(-1)).toMatchObject({ operation: 'decrypt', version: 1, httpStatus: 200 });
    expect(await openedText(client, fresh, meta(TENANT), 'title')).toBe('board minutes');
  });

  describe('surfaces the code of each refusal', () => {
    it('206 when the key version is disabled or the service account denied, 209 when throttled, 208 when unreachable, 210 for an account issue', async () => {
      google.setVersionState(key.name, 'DISABLED', 1);
      expect(await codeOf(client.decryptDocument(encrypted, meta(TENANT)))).toBe(TenantSecurityErrorCode.KMS_AUTHORIZATION_FAILED);
      google.setVersionState(key.name, 'ENABLED', 1);
      google.deny(account.email);
      expect(await codeOf(client.encryptDocument(doc, meta(TENANT)))).toBe(TenantSecurityErrorCode.KMS_AUTHORIZATION_FAILED);
      google.allow(account.email);
      await expectCodeWhile(google.throttle, () => client.encryptDocument(doc, meta(TENANT)), TenantSecurityErrorCode.KMS_THROTTLED);
      await expectCodeWhile(google.dropConnections, () => client.decryptDocument(encrypted, meta(TENANT)), TenantSecurityErrorCode.KMS_UNREACHABLE);
      await expectCodeWhile((on) => google.accountIssue(on && 'BILLING_DISABLED'), () => client.encryptDocument(doc, meta(TENANT)), TenantSecurityErrorCode.KMS_ACCOUNT_ISSUE);
      expect(await openedText(client, encrypted, meta(TENANT))).toBe(doc.body.toString());
    });

    it('206 when the service account key was deleted, once the cached token is gone', async () => {
      google.deleteServiceAccountKeys(account.email);
      google.revokeTokens();
      expect(await codeOf(client.encryptDocument(doc, meta(TENANT)))).toBe(TenantSecurityErrorCode.KMS_AUTHORIZATION_FAILED);
    });

    it('202 once the tenant disables the configuration in the broker', async () => {
      await disableConfig(world, TENANT, config);
      expect(await codeOf(client.decryptDocument(encrypted, meta(TENANT)))).toBe(TenantSecurityErrorCode.KMS_CONFIGURATION_DISABLED);
    });
  });
});
