// The reference product's own Node client (@ironcorelabs/tenant-security-nodejs,
// unmodified) against our TSP, for tenants whose KMS is Thales CipherTrust
// Manager. CipherTrust is the protocol double in lib/testing/kms (HTTPS from a
// test CA, trusted through the configuration's CA certificate field): no
// appliance is reachable here. Round trip, batch, rekey both ways with an AWS
// tenant, key rotation, and each refusal's code.
import { DocumentMetadata, TenantSecurityErrorCode, type TenantSecurityClient } from '@ironcorelabs/tenant-security-nodejs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { sealTestConfig, type TTestConfig } from '@/lib/testing/bundle-factory';
import { startCipherTrustDouble, type TCipherTrustDouble, type TCtmKey, type TCtmUser } from '@/lib/testing/kms/ciphertrust-double';
import { codeOf, disableConfig, expectBatchRoundTrip, expectCodeWhile, openedText, startCompatWorld } from '@/lib/testing/kms/compat-suite';
import { type TTspWorld } from '@/lib/testing/tsp-world';
import { decodeEdek } from '@/lib/tsp';

let world: TTspWorld;
let ctm: TCipherTrustDouble;
let client: TenantSecurityClient;
let user: TCtmUser;
let key: TCtmKey;
let config: TTestConfig;
const meta = (tenantId: string) => new DocumentMetadata(tenantId, 'svc-orders', 'PII');
const doc = { title: Buffer.from('wayne quarterly'), body: Buffer.from('kept under CipherTrust') };

beforeAll(async () => {
  ctm = await startCipherTrustDouble();
  user = ctm.addUser({ username: 'cmk-proxy' });
  key = ctm.createKey({ name: 'wayne-cmk' });
  const started = await startCompatWorld({
    flushMs: 10,
    tenants: { wayne: [{ provider: 'thales-ciphertrust', settings: ctm.settings(key, user), primary: true }] },
  });
  ({ world, client } = started);
  config = started.configOf('wayne');
}, 60_000);

afterAll(async () => {
  await world?.stop();
  await ctm?.stop();
});

describe('the reference Node client, tenant on CipherTrust Manager (double)', () => {
  let encrypted: Awaited<ReturnType<TenantSecurityClient['encryptDocument']>>;

  it('encrypts and decrypts a document, the EDEK naming the CipherTrust configuration', async () => {
    encrypted = await client.encryptDocument(doc, meta('wayne'));
    expect(encrypted.encryptedDocument.body?.equals(doc.body)).toBe(false);
    expect(decodeEdek(encrypted.edek)[0]).toMatchObject({ kmsConfigId: config.kmsConfigId, tenantId: 'wayne' });
    expect(await openedText(client, encrypted, meta('wayne'))).toBe(doc.body.toString());
    expect(ctm.count({ endpoint: 'encrypt', status: 200 })).toBe(1);
    expect(ctm.count({ endpoint: 'decrypt', status: 200 })).toBe(1);
  });

  it('encrypts and decrypts a batch', async () => {
    const opened = await expectBatchRoundTrip(client, doc, meta('wayne'));
    expect(opened.successes.b?.plaintextDocument.title?.toString()).toBe('wayne quarterly');
  });

  it('rekeys from CipherTrust to an AWS tenant and back', async () => {
    const toAcme = await client.rekeyEdek(encrypted.edek, 'acme', meta('wayne'));
    expect((await client.decryptDocument({ ...encrypted, edek: toAcme }, meta('acme'))).plaintextDocument.body?.toString()).toBe(doc.body.toString());
    const back = await client.rekeyEdek(toAcme, 'wayne', meta('acme'));
    expect(decodeEdek(back)[0]?.kmsConfigId).toBe(config.kmsConfigId);
    expect((await client.decryptDocument({ ...encrypted, edek: back }, meta('wayne'))).plaintextDocument.title?.toString()).toBe('wayne quarterly');
  });

  it('keeps documents made before a key rotation in CipherTrust decrypting', async () => {
    ctm.rotateKey(key.id);
    const after = await client.encryptDocument(doc, meta('wayne'));
    for (const document of [encrypted, after]) {
      expect(await openedText(client, document, meta('wayne'))).toBe(doc.body.toString());
    }
  });

  describe('surfaces the code of each refusal', () => {
    it('206 when the key is deactivated (no new documents; existing ones still open) or the user is denied', async () => {
      ctm.setKeyState(key.id, 'Deactivated');
      expect(await codeOf(client.encryptDocument(doc, meta('wayne')))).toBe(TenantSecurityErrorCode.KMS_AUTHORIZATION_FAILED);
      expect(await openedText(client, encrypted, meta('wayne'), 'title')).toBe('wayne quarterly');
      ctm.setKeyState(key.id, 'Destroyed');
      expect(await codeOf(client.decryptDocument(encrypted, meta('wayne')))).toBe(TenantSecurityErrorCode.KMS_AUTHORIZATION_FAILED);
      ctm.setKeyState(key.id, 'Active');
      ctm.deny(user.username);
      expect(await codeOf(client.decryptDocument(encrypted, meta('wayne')))).toBe(TenantSecurityErrorCode.KMS_AUTHORIZATION_FAILED);
      ctm.allow(user.username);
    });

    it('209 when it throttles, 208 when it is unreachable, 210 for a licence problem', async () => {
      await expectCodeWhile(ctm.throttle, () => client.encryptDocument(doc, meta('wayne')), TenantSecurityErrorCode.KMS_THROTTLED);
      await expectCodeWhile(ctm.dropConnections, () => client.decryptDocument(encrypted, meta('wayne')), TenantSecurityErrorCode.KMS_UNREACHABLE);
      await expectCodeWhile(ctm.licenceIssue, () => client.encryptDocument(doc, meta('wayne')), TenantSecurityErrorCode.KMS_ACCOUNT_ISSUE);
    });

    it('206 once the configuration’s password is wrong (the admin changed it in CipherTrust), and works again when fixed', async () => {
      await world.change('wayne', async (t) => {
        await sealTestConfig(t, { provider: 'thales-ciphertrust', configId: config.configId, settings: ctm.settings(key, user, { password: 'not-the-password' }), primary: true });
      });
      expect(await codeOf(client.decryptDocument(encrypted, meta('wayne')))).toBe(TenantSecurityErrorCode.KMS_AUTHORIZATION_FAILED);
      await world.change('wayne', async (t) => {
        await sealTestConfig(t, { provider: 'thales-ciphertrust', configId: config.configId, settings: ctm.settings(key, user), primary: true });
      });
      expect(await openedText(client, encrypted, meta('wayne'))).toBe(doc.body.toString());
    });

    it('202 once the tenant disables the configuration in the broker', async () => {
      await disableConfig(world, 'wayne', config);
      expect(await codeOf(client.decryptDocument(encrypted, meta('wayne')))).toBe(TenantSecurityErrorCode.KMS_CONFIGURATION_DISABLED);
    });
  });
});
