// The reference product's own Node client (@ironcorelabs/tenant-security-nodejs,
// unmodified) against our TSP with tenants whose KMS is HashiCorp Vault
// Transit. Vault is the protocol double in lib/testing/kms/vault-double.ts (an
// HTTPS server from a test CA, trusted through each configuration's CA
// certificate): no Vault is reachable here. Proves a round trip, a batch, a
// rekey between a Vault tenant and an AWS tenant, a key rotated in Vault still
// opening older documents, a primary moved from AWS to Vault, and the codes
// the client sees when Vault refuses.
import { DocumentMetadata, TenantSecurityErrorCode, type TenantSecurityClient } from '@ironcorelabs/tenant-security-nodejs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { decodeEdek } from '@/lib/tsp';
import { sealTestConfig, type TTestConfig } from '@/lib/testing/bundle-factory';
import { codeOf, expectBatchRoundTrip, expectCodeWhile, openedText, startCompatWorld } from '@/lib/testing/kms/compat-suite';
import { startVaultDouble, type TDoubleTransitKey, type TVaultDouble } from '@/lib/testing/kms/vault-double';
import { type TTspWorld } from '@/lib/testing/tsp-world';

let vault: TVaultDouble;
let world: TTspWorld;
let client: TenantSecurityClient;
let vaultKey: TDoubleTransitKey;
let moverVault: TTestConfig;
const meta = (tenantId: string) => new DocumentMetadata(tenantId, 'svc-orders', 'PII');
const doc = { title: Buffer.from('vault numbers'), body: Buffer.from('kept in the app, never in Vault') };
const vaultPart = (edek: string) => Buffer.from(decodeEdek(edek)[0]?.encryptedDekData ?? []).toString('utf8');

beforeAll(async () => {
  vault = await startVaultDouble();
  // The Vault tenant signs in with AppRole in an Enterprise namespace; the mover has a token at the root.
  vaultKey = vault.createKey({ name: 'vaultco', namespace: 'admin/vaultco' });
  const role = vault.addAppRole({ namespace: 'admin/vaultco' });
  const moverKey = vault.createKey({ name: 'mover' });
  const started = await startCompatWorld({
    tenants: {
      vaultco: [{ provider: 'hashicorp-vault-transit', settings: vault.settings(vaultKey, role), primary: true }],
      mover: [{ provider: 'hashicorp-vault-transit', settings: vault.settings(moverKey, vault.createToken()), primary: false, status: 'disabled' }],
    },
  });
  ({ world, client } = started);
  moverVault = started.configOf('mover');
}, 60_000);

afterAll(async () => {
  await world?.stop();
  await vault?.stop();
});

describe('the reference Node client with a HashiCorp Vault Transit tenant', () => {
  let encrypted: Awaited<ReturnType<TenantSecurityClient['encryptDocument']>>;

  it('encrypts and decrypts a document; the EDEK holds Vault’s versioned ciphertext', async () => {
    encrypted = await client.encryptDocument(doc, meta('vaultco'));
    expect(vaultPart(encrypted.edek)).toMatch(/^vault:v1:/);
    const decrypted = await client.decryptDocument(encrypted, meta('vaultco'));
    expect(decrypted.plaintextDocument.body?.toString()).toBe(doc.body.toString());
    expect(vault.calls.filter((call) => call.path === 'transit/encrypt/vaultco').every((call) => call.namespace === 'admin/vaultco')).toBe(true);
  });

  it('encrypts and decrypts a batch', async () => {
    const opened = await expectBatchRoundTrip(client, doc, meta('vaultco'));
    expect(opened.successes.b?.plaintextDocument.title?.toString()).toBe('vault numbers');
  });

  it('rekeys between the Vault tenant and an AWS tenant, both ways', async () => {
    const toAws = await client.rekeyEdek(encrypted.edek, 'acme', meta('vaultco'));
    expect(decodeEdek(toAws)[0]?.tenantId).toBe('acme');
    expect(await openedText(client, { ...encrypted, edek: toAws }, meta('acme'), 'title')).toBe('vault numbers');
    const back = await client.rekeyEdek(toAws, 'vaultco', meta('acme'));
    expect(vaultPart(back)).toMatch(/^vault:v\d+:/);
    expect(await openedText(client, { ...encrypted, edek: back }, meta('vaultco'), 'title')).toBe('vault numbers');
  });

  it('still opens documents made before the tenant rotated its key in Vault', async () => {
    vault.rotateKey('vaultco', 'admin/vaultco');
    const after = await client.encryptDocument(doc, meta('vaultco'));
    expect(vaultPart(after.edek)).toMatch(/^vault:v2:/);
    expect(await openedText(client, encrypted, meta('vaultco'), 'title')).toBe('vault numbers');
    expect(await openedText(client, after, meta('vaultco'), 'title')).toBe('vault numbers');
  });

  it('a tenant whose primary moves from AWS to Vault still decrypts its AWS documents until that configuration is disabled', async () => {
    const user = world.kms.users[0]!;
    const awsKey = world.kms.createKey({ allow: [user.accessKeyId] });
    let aws: TTestConfig | undefined;
    await world.change('mover', async (t) => {
      aws = await sealTestConfig(t, { provider: 'aws-kms', settings: world.kms.accessKeySettings(awsKey, user), primary: true });
    });
    const underAws = await client.encryptDocument(doc, meta('mover'));
    await world.change('mover', (t) => {
      Object.assign(t.configs.get(aws!.configId)!, { primary: false });
      Object.assign(t.configs.get(moverVault.configId)!, { primary: true, status: 'active' });
    });
    const underVault = await client.encryptDocument(doc, meta('mover'));
    expect(vaultPart(underVault.edek)).toMatch(/^vault:v1:/);
    expect(await openedText(client, underAws, meta('mover'), 'title')).toBe('vault numbers');
    await world.change('mover', (t) => void Object.assign(t.configs.get(aws!.configId)!, { status: 'disabled' }));
    expect(await codeOf(client.decryptDocument(underAws, meta('mover')))).toBe(TenantSecurityErrorCode.KMS_CONFIGURATION_DISABLED);
    expect(await openedText(client, underVault, meta('mover'), 'title')).toBe('vault numbers');
  });

  describe('surfaces the code of each refusal', () => {
    it('203 for another tenant’s Vault EDEK (the driver tests prove Vault refuses it too: the tenant id is its associated data)', async () => {
      expect(await codeOf(client.decryptDocument(encrypted, meta('mover')))).toBe(TenantSecurityErrorCode.INVALID_PROVIDED_EDEK);
    });

    it('206 when the tenant denies the key in Vault, 209 when Vault throttles, 208 when it is sealed or unreachable, 210 when the namespace is locked', async () => {
      vault.deny('vaultco', 'admin/vaultco');
      expect(await codeOf(client.decryptDocument(encrypted, meta('vaultco')))).toBe(TenantSecurityErrorCode.KMS_AUTHORIZATION_FAILED);
      expect(await codeOf(client.encryptDocument(doc, meta('vaultco')))).toBe(TenantSecurityErrorCode.KMS_AUTHORIZATION_FAILED);
      vault.allow('vaultco', 'admin/vaultco');
      await expectCodeWhile(vault.throttle, () => client.encryptDocument(doc, meta('vaultco')), TenantSecurityErrorCode.KMS_THROTTLED);
      await expectCodeWhile(vault.seal, () => client.decryptDocument(encrypted, meta('vaultco')), TenantSecurityErrorCode.KMS_UNREACHABLE);
      await expectCodeWhile(vault.dropConnections, () => client.encryptDocument(doc, meta('vaultco')), TenantSecurityErrorCode.KMS_UNREACHABLE);
      await expectCodeWhile((on) => vault.lockNamespace('admin/vaultco', on), () => client.encryptDocument(doc, meta('vaultco')), TenantSecurityErrorCode.KMS_ACCOUNT_ISSUE);
      expect(await openedText(client, encrypted, meta('vaultco'), 'title')).toBe('vault numbers');
    });
  });
});
