// The reference product's own Node client (@ironcorelabs/tenant-security-nodejs,
// unmodified) against our TSP, for a tenant whose KMS is Azure Key Vault. The
// vault and Microsoft Entra ID are the protocol double in lib/testing/kms (no
// cloud is reachable here): the unmodified Azure SDKs sign in with the client
// secret, go through Key Vault's bearer challenge and wrap with real
// RSA-OAEP-256 over HTTPS that only the configuration's CA certificate makes
// trusted. AWS tenants (acme) come from lib/testing/tsp-world.ts.
import { DocumentMetadata, TenantSecurityErrorCode, type TenantSecurityClient } from '@ironcorelabs/tenant-security-nodejs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { decodeEdek } from '@/lib/tsp';
import { type TTestConfig } from '@/lib/testing/bundle-factory';
import { startAzureKeyVaultDouble, type TAzureApp, type TAzureKeyVaultDouble, type TVault, type TVaultKey } from '@/lib/testing/kms/azure-key-vault-double';
import { codeOf, disableConfig, expectBatchRoundTrip, expectCodeWhile, openedText, startCompatWorld } from '@/lib/testing/kms/compat-suite';
import { type TTspWorld } from '@/lib/testing/tsp-world';

const TENANT = 'contoso';
const CERT_TENANT = 'fabrikam';
let azure: TAzureKeyVaultDouble;
let app: TAzureApp;
let vault: TVault;
let key: TVaultKey;
let config: TTestConfig;
let world: TTspWorld;
let client: TenantSecurityClient;
const meta = (tenantId: string) => new DocumentMetadata(tenantId, 'svc-orders', 'PII', '10.1.2.3', 'order-42', 'req-1', { region: 'eu' });
const doc = { title: Buffer.from('quarterly numbers'), body: Buffer.from('kept in the app, never sent to the TSP') };

beforeAll(async () => {
  azure = await startAzureKeyVaultDouble();
  app = azure.createApp();
  vault = azure.createVault('contoso-cmk');
  key = azure.createKey(vault, 'tsp-wrapping-key', [app.clientId]);
  // A second Azure tenant whose app signs in with a certificate instead of a secret.
  const certApp = azure.createApp({ certificate: true });
  const certVault = azure.createVault('fabrikam-cmk');
  const certKey = azure.createKey(certVault, 'tsp-key', [certApp.clientId]);
  const started = await startCompatWorld({
    flushMs: 10,
    kms: { azure: azure.driverOptions().azure },
    tenants: {
      [TENANT]: [{ provider: 'azure-key-vault', settings: azure.settings(vault, key, app), primary: true }],
      [CERT_TENANT]: [{ provider: 'azure-key-vault', settings: azure.settings(certVault, certKey, certApp), primary: true }],
    },
  });
  ({ world, client } = started);
  config = started.configOf(TENANT);
}, 60_000);

afterAll(async () => {
  await world?.stop();
  await azure?.stop();
});

describe('the reference Node client with an Azure Key Vault tenant', () => {
  let encrypted: Awaited<ReturnType<TenantSecurityClient['encryptDocument']>>;

  it('encrypts and decrypts a document, the EDEK naming the signed kmsConfigId', async () => {
    encrypted = await client.encryptDocument(doc, meta(TENANT));
    expect(await openedText(client, encrypted, meta(TENANT))).toBe(doc.body.toString());
    const [entry] = decodeEdek(encrypted.edek);
    expect(entry).toMatchObject({ kmsConfigId: config.kmsConfigId, tenantId: TENANT });
    // The driver's envelope: format 1, the 32-character key version, then RSA-2048 ciphertext.
    expect(entry?.encryptedDekData.subarray(0, 2)).toEqual(Uint8Array.of(1, 32));
    expect(Buffer.from(entry?.encryptedDekData.subarray(2, 34) ?? []).toString()).toBe(key.versions[0]?.version);
    expect(azure.count({ kind: 'vault', status: 401 })).toBeGreaterThanOrEqual(1);
  });

  it('works the same for a tenant whose app signs in with a certificate', async () => {
    const mine = await client.encryptDocument(doc, meta(CERT_TENANT));
    expect(await openedText(client, mine, meta(CERT_TENANT))).toBe(doc.body.toString());
  });

  it('encrypts and decrypts a batch', async () => {
    await expectBatchRoundTrip(client, doc, meta(TENANT));
  });

  it('rekeys between Azure Key Vault and AWS KMS tenants, both ways', async () => {
    const toAws = await client.rekeyEdek(encrypted.edek, 'acme', meta(TENANT));
    expect(await openedText(client, { ...encrypted, edek: toAws }, meta('acme'), 'title')).toBe('quarterly numbers');
    const back = await client.rekeyEdek(toAws, TENANT, meta('acme'));
    expect(await openedText(client, { ...encrypted, edek: back }, meta(TENANT), 'title')).toBe('quarterly numbers');
    // An Azure EDEK is the Azure tenant's only: another tenant cannot open it.
    expect(await codeOf(client.decryptDocument(encrypted, meta('acme')))).toBe(TenantSecurityErrorCode.INVALID_PROVIDED_EDEK);
  });

  it('still decrypts documents made before the tenant rotated its key', async () => {
    azure.rotateKey(key);
    expect(await openedText(client, encrypted, meta(TENANT), 'title')).toBe('quarterly numbers');
  });

  describe('refusals', () => {
    it('206 when the key is disabled or the app loses its role, 209 when the vault throttles, 208 when it is unreachable', async () => {
      azure.disableKey(key);
      expect(await codeOf(client.decryptDocument(encrypted, meta(TENANT)))).toBe(TenantSecurityErrorCode.KMS_AUTHORIZATION_FAILED);
      expect(await codeOf(client.encryptDocument(doc, meta(TENANT)))).toBe(TenantSecurityErrorCode.KMS_AUTHORIZATION_FAILED);
      azure.enableKey(key);
      azure.deny(app.clientId);
      expect(await codeOf(client.encryptDocument(doc, meta(TENANT)))).toBe(TenantSecurityErrorCode.KMS_AUTHORIZATION_FAILED);
      expect(await codeOf(client.decryptDocument(encrypted, meta(TENANT)))).toBe(TenantSecurityErrorCode.KMS_AUTHORIZATION_FAILED);
      azure.allow(app.clientId);
      await expectCodeWhile((on) => azure.throttle(on ? 1000 : 0), () => client.decryptDocument(encrypted, meta(TENANT)), TenantSecurityErrorCode.KMS_THROTTLED);
      await expectCodeWhile(azure.dropConnections, () => client.decryptDocument(encrypted, meta(TENANT)), TenantSecurityErrorCode.KMS_UNREACHABLE);
      expect(await openedText(client, encrypted, meta(TENANT), 'title')).toBe('quarterly numbers');
    });

    it('202 once the tenant disables the configuration', async () => {
      await disableConfig(world, TENANT, config);
      expect(await codeOf(client.decryptDocument(encrypted, meta(TENANT)))).toBe(TenantSecurityErrorCode.KMS_CONFIGURATION_DISABLED);
      expect(await codeOf(client.encryptDocument(doc, meta(TENANT)))).toBe(TenantSecurityErrorCode.UNKNOWN_TENANT_OR_NO_ACTIVE_KMS_CONFIGURATIONS);
    });
  });
});
