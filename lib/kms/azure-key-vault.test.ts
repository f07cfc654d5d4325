// The Azure Key Vault driver against the Entra + Key Vault protocol double in
// lib/testing/kms (no cloud is reachable here): the unmodified
// @azure/identity and @azure/keyvault-keys talk to a local HTTPS server that
// checks client secrets, goes through Key Vault's bearer challenge, does real
// RSA-OAEP-256 with versioned keys and can be told to fail as Azure does.
// Each failure must leave the driver as our code.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { startAzureKeyVaultDouble, type TAzureApp, type TAzureKeyVaultDouble, type TVault, type TVaultKey } from '@/lib/testing/kms/azure-key-vault-double';

import { createKmsDriver, KmsError, type TKmsDriver, type TKmsErrorCode } from './index';
import { expectContextBinding } from '@/lib/testing/kms/binding-cases';

let double: TAzureKeyVaultDouble;
let vault: TVault;
let key: TVaultKey;
let app: TAzureApp;
const drivers: TKmsDriver[] = [];
const dek = Uint8Array.from({ length: 32 }, (_, i) => i * 7 + 1);
const tenant = { tenantId: 'tenant-a' };

beforeAll(async () => {
  double = await startAzureKeyVaultDouble();
  app = double.createApp();
  vault = double.createVault('acme-cmk');
  key = double.createKey(vault, 'tenant-acme', [app.clientId]);
});
afterEach(() => {
  double.throttle(0);
  double.delay(0);
  double.dropConnections(false);
});
afterAll(async () => {
  for (const driver of drivers) driver.close();
  await double.stop();
});

function driverWith(settings: Record<string, unknown> = {}, timeoutMs?: number): TKmsDriver {
  const driver = createKmsDriver('azure-key-vault', { ...double.settings(vault, key, app), ...settings }, double.driverOptions(timeoutMs));
  drivers.push(driver);
  return driver;
}

async function failure(run: Promise<unknown>): Promise<KmsError> {
  const error = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KmsError);
  return error as KmsError;
}

async function expectCode(run: Promise<unknown>, code: TKmsErrorCode, message?: RegExp): Promise<KmsError> {
  const error = await failure(run);
  expect({ code: error.code, message: error.message }).toMatchObject({ code, ...(message ? { message: expect.stringMatching(message) } : {}) });
  return error;
}

describe('Azure Key Vault driver', () => {
  it('wraps and unwraps a DEK through the bearer challenge', async () => {
    double.resetCalls();
    const driver = driverWith();
    const edek = await driver.wrap(dek, tenant);
    expect(await driver.unwrap(edek, tenant)).toEqual(dek);
    expect(double.count({ kind: 'token' })).toBeGreaterThanOrEqual(1);
    expect(double.count({ kind: 'vault', status: 401 })).toBeGreaterThanOrEqual(1);
    expect(double.count({ kind: 'vault', path: `/keys/tenant-acme/${key.versions[0]?.version}/wrapkey`, status: 200 })).toBe(1);
  });

  it('records the key version in the EDEK, so EDEKs made before a rotation still unwrap after it', async () => {
    const rotating = double.createKey(vault, 'rotating', [app.clientId]);
    const first = rotating.versions[0]?.version ?? '';
    const before = driverWith({ keyName: 'rotating' });
    const oldEdek = await before.wrap(dek, tenant);
    expect(Buffer.from(oldEdek.subarray(2, 34)).toString('ascii')).toBe(first);

    const second = double.rotateKey(rotating);
    // A new driver (as after a configuration change or the version cache's 30 s) wraps with the new version.
    const after = driverWith({ keyName: 'rotating' });
    const newEdek = await after.wrap(dek, tenant);
    expect(Buffer.from(newEdek.subarray(2, 34)).toString('ascii')).toBe(second);
    expect(await after.unwrap(oldEdek, tenant)).toEqual(dek);
    expect(await after.unwrap(newEdek, tenant)).toEqual(dek);
    expect(await before.unwrap(newEdek, tenant)).toEqual(dek);

    // A pinned version keeps wrapping with that version.
    const pinned = driverWith({ keyName: 'rotating', keyVersion: first });
    expect(Buffer.from((await pinned.wrap(dek, tenant)).subarray(2, 34)).toString('ascii')).toBe(first);

    // Disabling the old version revokes exactly the EDEKs it made.
    double.disableKey(rotating, first);
    await expectCode(after.unwrap(oldEdek, tenant), 'kms_unauthorized', /disabled \(KeyDisabled\)/);
    expect(await after.unwrap(newEdek, tenant)).toEqual(dek);
  });

  it('signs in with a certificate: Entra verifies the client assertion against the registered certificate', async () => {
    const certApp = double.createApp({ certificate: true });
    key.users.add(certApp.clientId);
    double.resetCalls();
    const driver = driverWith({ ...double.settings(vault, key, certApp), clientSecret: undefined });
    const edek = await driver.wrap(dek, tenant);
    expect(await driver.unwrap(edek, tenant)).toEqual(dek);
    expect(double.count({ kind: 'token', clientId: certApp.clientId, status: 200 })).toBe(1);

    // A certificate Entra does not have for this app: the assertion's thumbprint and signature do not match.
    const stranger = double.createApp({ certificate: true });
    const error = await expectCode(
      driverWith({ ...double.settings(vault, key, certApp), clientSecret: undefined, clientCertificate: stranger.credentialPem }).wrap(dek, tenant),
      'kms_unauthorized',
      /certificate assertion is not valid.*AADSTS700027/,
    );
    expect(error.message).not.toContain('PRIVATE KEY');
  });

  it("refuses an EDEK replayed for another tenant, even on the same key", async () => {
    const driver = driverWith();
    const edek = await driver.wrap(dek, tenant);
    await expectCode(driver.unwrap(edek, { tenantId: 'tenant-b' }), 'kms_unwrap_failed', /not wrapped for this tenant/);
  });

  it('binds a 64-byte tenant secret to its secretPath and tenantSecretId beside the tenant (digest inside the RSA plaintext)', async () => {
    const driver = driverWith();
    const tenantOnlyEdek = await driver.wrap(dek, tenant);
    await expectContextBinding(driver, { tenantId: tenant.tenantId, dek, tenantOnlyEdek, refusal: (run, code) => expectCode(run, code) });
  });

  it('wraps 16 to 64 bytes, no more and no fewer', async () => {
    const driver = driverWith();
    await expectCode(driver.wrap(new Uint8Array(65), tenant), 'kms_wrap_failed', /16–64 bytes/);
    await expectCode(driver.wrap(new Uint8Array(15), tenant), 'kms_wrap_failed', /16–64 bytes/);
    const short = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
    expect(await driver.unwrap(await driver.wrap(short, tenant), tenant)).toEqual(short);
  });

  it('refuses a malformed envelope without calling the vault', async () => {
    const driver = driverWith();
    const edek = await driver.wrap(dek, tenant);
    double.resetCalls();
    for (const bad of [new Uint8Array(), Uint8Array.of(2, ...edek.subarray(1)), edek.subarray(0, edek.length - 1), Uint8Array.of(1, 40, ...edek.subarray(2))]) {
      await expectCode(driver.unwrap(bad, tenant), 'kms_unwrap_failed', /malformed envelope/);
    }
    expect(double.count()).toBe(0);
  });

  it('refuses a ciphertext that this key version did not make', async () => {
    const driver = driverWith();
    const edek = Uint8Array.from(await driver.wrap(dek, tenant));
    edek[40] = (edek[40] ?? 0) ^ 1;
    await expectCode(driver.unwrap(edek, tenant), 'kms_unwrap_failed', /Azure Key Vault refused: the EDEK was not wrapped by this key version \(BadParameter\)/);
  });

  it('reuses one token and one connection for many calls', async () => {
    const driver = driverWith();
    await driver.wrap(dek, tenant);
    double.resetCalls();
    const edeks = await Promise.all(Array.from({ length: 20 }, () => driver.wrap(dek, tenant)));
    await Promise.all(edeks.map((edek) => driver.unwrap(edek, tenant)));
    expect(double.count({ kind: 'token' })).toBe(0);
    expect(double.count({ kind: 'vault', status: 401 })).toBeLessThanOrEqual(1);
  });
});

describe('Azure Key Vault driver maps each failure', () => {
  it('a wrong client secret → kms_unauthorized', async () => {
    const error = await expectCode(driverWith({ authMethod: 'client-secret', clientSecret: 'Wr0ng~secret-value-that-is-long-enough' }).wrap(dek, tenant), 'kms_unauthorized', /client secret is wrong.*AADSTS7000215/);
    expect(JSON.stringify({ message: error.message, cause: error.cause })).not.toContain('Wr0ng~secret');
  });

  it('an unknown application → kms_unauthorized', async () => {
    await expectCode(driverWith({ clientId: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d' }).wrap(dek, tenant), 'kms_unauthorized', /AADSTS700016/);
  });

  it("a directory (tenant) id that is not the vault's → kms_config_invalid", async () => {
    // The vault's bearer challenge names its own directory; the credential refuses to sign in anywhere else.
    await expectCode(driverWith({ tenantId: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d' }).wrap(dek, tenant), 'kms_config_invalid', /another directory/);
  });

  it('a directory that does not exist → kms_config_invalid', async () => {
    const elsewhere = double.createVault('nowhere-cmk', '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4e');
    const orphanKey = double.createKey(elsewhere, 'k', [app.clientId]);
    double.forgetDirectory('0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4e');
    const settings = { ...double.settings(elsewhere, orphanKey, app), tenantId: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4e' };
    await expectCode(driverWith(settings).wrap(dek, tenant), 'kms_config_invalid', /directory \(tenant\) id was not found/);
  });

  it('an unreachable Entra ID → kms_unreachable', async () => {
    const driver = createKmsDriver('azure-key-vault', double.settings(vault, key, app), {
      ...double.driverOptions(2000),
      azure: { ...double.driverOptions().azure, authorityHost: 'https://localhost:1' },
    });
    drivers.push(driver);
    await expectCode(driver.wrap(dek, tenant), 'kms_unreachable', /Entra ID could not be reached.*ECONNREFUSED/);
  });

  it('a disabled key → kms_unauthorized, for wrap and unwrap', async () => {
    const disabled = double.createKey(vault, 'to-disable', [app.clientId]);
    const edek = await driverWith({ keyName: 'to-disable' }).wrap(dek, tenant);
    double.disableKey(disabled);
    await expectCode(driverWith({ keyName: 'to-disable' }).wrap(dek, tenant), 'kms_unauthorized', /disabled/);
    await expectCode(driverWith({ keyName: 'to-disable' }).unwrap(edek, tenant), 'kms_unauthorized', /disabled \(KeyDisabled\)/);
    double.enableKey(disabled);
    expect(await driverWith({ keyName: 'to-disable' }).unwrap(edek, tenant)).toEqual(dek);
  });

  it('a failed wrap looks the current version up again at the next wrap', async () => {
    const recreated = double.createKey(vault, 'recreated', [app.clientId]);
    const driver = driverWith({ keyName: 'recreated' });
    await driver.wrap(dek, tenant);
    double.deleteKey(vault, 'recreated');
    await expectCode(driver.wrap(dek, tenant), 'kms_config_invalid', /KeyNotFound/);
    const again = double.createKey(vault, 'recreated', [app.clientId]);
    expect(again.versions[0]?.version).not.toBe(recreated.versions[0]?.version);
    const edek = await driver.wrap(dek, tenant);
    expect(Buffer.from(edek.subarray(2, 34)).toString('ascii')).toBe(again.versions[0]?.version);
  });

  it('a missing key → kms_config_invalid', async () => {
    await expectCode(driverWith({ keyName: 'no-such-key' }).wrap(dek, tenant), 'kms_config_invalid', /does not exist.*KeyNotFound/);
  });

  it('a missing permission → kms_unauthorized', async () => {
    const driver = driverWith();
    const edek = await driver.wrap(dek, tenant);
    double.deny(app.clientId);
    try {
      await expectCode(driverWith().wrap(dek, tenant), 'kms_unauthorized', /Key Vault Crypto User.*ForbiddenByRbac/);
      await expectCode(driver.unwrap(edek, tenant), 'kms_unauthorized', /ForbiddenByRbac/);
    } finally {
      double.allow(app.clientId);
    }
  });

  it('throttling: retried with jitter, then kms_throttled', async () => {
    const driver = driverWith();
    const edek = await driver.wrap(dek, tenant);
    double.throttle(2);
    expect(await driver.unwrap(edek, tenant)).toEqual(dek);
    double.throttle(100);
    await expectCode(driver.unwrap(edek, tenant), 'kms_throttled', /throttling.*Throttled/);
    // A Retry-After beyond the deadline is not waited for.
    double.throttle(100, 30);
    const started = Date.now();
    await expectCode(driver.unwrap(edek, tenant), 'kms_throttled');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('an unreachable vault → kms_unreachable', async () => {
    const driver = createKmsDriver('azure-key-vault', double.settings(vault, key, app), {
      ...double.driverOptions(2000),
      azure: { ...double.driverOptions().azure, vaultConnectTo: '127.0.0.1:1' },
    });
    drivers.push(driver);
    await expectCode(driver.wrap(dek, tenant), 'kms_unreachable', /could not be reached.*ECONNREFUSED/);
  });

  it('dropped connections → kms_unreachable', async () => {
    const driver = driverWith({}, 2000);
    const edek = await driver.wrap(dek, tenant);
    double.dropConnections(true);
    await expectCode(driver.unwrap(edek, tenant), 'kms_unreachable');
  });

  it('a vault slower than the deadline → kms_unreachable', async () => {
    const driver = driverWith({}, 300);
    const edek = await driver.wrap(dek, tenant);
    double.delay(1000);
    await expectCode(driver.unwrap(edek, tenant), 'kms_unreachable', /did not answer within 300 ms/);
  });

  it("a vault certificate the configuration's CA does not sign → kms_unreachable (TLS)", async () => {
    // Without the configuration's CA the public roots apply, and they do not trust the test CA.
    await expectCode(driverWith({ caCertificate: undefined }).wrap(dek, tenant), 'kms_unreachable', /TLS certificate is not trusted/);
  });
});
