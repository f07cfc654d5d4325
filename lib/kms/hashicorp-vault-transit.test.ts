// The HashiCorp Vault Transit driver against the Vault protocol double in
// lib/testing/kms (no Vault is reachable here): the unmodified driver talks
// HTTPS to a local server with a test-CA certificate, which checks tokens,
// namespaces and AppRole, does real AES-256-GCM with versioned keys and can be
// told to fail as Vault does. Each failure must leave the driver as our code.
import { execFileSync } from 'node:child_process';

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { startVaultDouble, type TDoubleTransitKey, type TVaultDouble, type TVaultDoubleAppRole, type TVaultDoubleToken } from '@/lib/testing/kms/vault-double';

import { createKmsDriver } from './index';
import { expectContextBinding } from '@/lib/testing/kms/binding-cases';
import { VAULT_MAX_SOCKETS } from './hashicorp-vault-transit-http';
import { closedPort, createDriverTestKit, refusedWithin } from '@/lib/testing/kms/refusal';

let double: TVaultDouble;
let key: TDoubleTransitKey;
let token: TVaultDoubleToken;
let role: TVaultDoubleAppRole;
const dek = Uint8Array.from({ length: 32 }, (_, i) => i * 7 + 1);
const tenant = { tenantId: 'tenant-a' };
const kit = createDriverTestKit({ dek, tenant });
const { canaries, refusal, wrapWatched } = kit;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A CA that does not sign the double: a throw-away self-signed certificate (its key is discarded). */
const otherCa = () =>
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', '/dev/null', '-subj', '/CN=Not the Vault CA', '-days', '1'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  }).toString('utf8');

beforeAll(async () => {
  double = await startVaultDouble();
  key = double.createKey({ name: 'tenant-a-key' });
  token = double.createToken();
  role = double.addAppRole();
  canaries.push({ label: 'token', value: token.token }, { label: 'secret id', value: role.secretId }, { label: 'DEK', value: dek });
});
afterEach(() => {
  double.throttle(false);
  double.delay(0);
  double.dropConnections(false);
  double.seal(false);
  double.preAssociatedData(false);
});
afterAll(async () => {
  kit.closeAll();
  await double.stop();
});

function driverFor(settings: Record<string, string>, timeoutMs = 2000) {
  const driver = createKmsDriver('hashicorp-vault-transit', settings, { timeoutMs });
  return kit.keep(driver);
}
const withToken = (overrides: Record<string, string> = {}, timeoutMs?: number) => driverFor({ ...double.settings(key, token), ...overrides }, timeoutMs);
const withAppRole = (target: TDoubleTransitKey = key, approle: TVaultDoubleAppRole = role) => driverFor(double.settings(target, approle));


const text = (edek: Uint8Array) => Buffer.from(edek).toString('utf8');

describe('Vault Transit driver: round trips', () => {
  it('wraps and unwraps with a token; the EDEK is Vault’s versioned ciphertext as is', async () => {
    const driver = withToken();
    const edek = await wrapWatched(driver);
    expect(text(edek)).toMatch(/^vault:v1:[A-Za-z0-9+/]+=*$/);
    expect(await driver.unwrap(edek, tenant)).toEqual(dek);
    // The token's TTL was looked up once, not per call.
    expect(double.count('auth/token/lookup-self')).toBe(1);
  });

  it('signs in with AppRole once for concurrent callers, in an Enterprise namespace', async () => {
    const nsKey = double.createKey({ name: 'ns-key', namespace: 'admin/team-a', mount: 'kms/transit' });
    const nsRole = double.addAppRole({ namespace: 'admin/team-a' });
    const driver = withAppRole(nsKey, nsRole);
    const before = double.count('auth/approle/login');
    const edeks = await Promise.all(Array.from({ length: 8 }, () => wrapWatched(driver)));
    expect(double.count('auth/approle/login') - before).toBe(1);
    for (const edek of edeks) expect(await driver.unwrap(edek, tenant)).toEqual(dek);
    expect(double.calls.filter((call) => call.path === 'kms/transit/encrypt/ns-key').every((call) => call.namespace === 'admin/team-a')).toBe(true);
    // The namespace header is what selects them: a root AppRole cannot log in there, and the root has no such mount.
    await refusal(withAppRole(nsKey, role).wrap(dek, tenant), 'kms_unauthorized');
    const { namespace: _ns, ...atRoot } = double.settings(nsKey, token);
    await refusal(driverFor(atRoot).wrap(dek, tenant), 'kms_config_invalid');
  });

  it('keeps decrypting old EDEKs after the key is rotated, until min_decryption_version retires them', async () => {
    const rotating = double.createKey({ name: 'rotating' });
    const driver = driverFor(double.settings(rotating, token));
    const v1 = await wrapWatched(driver);
    expect(double.rotateKey('rotating')).toBe(2);
    const v2 = await wrapWatched(driver);
    expect(text(v2)).toMatch(/^vault:v2:/);
    expect(await driver.unwrap(v1, tenant)).toEqual(dek);
    expect(await driver.unwrap(v2, tenant)).toEqual(dek);
    double.setMinDecryptionVersion('rotating', 2);
    expect((await refusal(driver.unwrap(v1, tenant), 'kms_unauthorized')).message).toMatch(/min_decryption_version/);
    expect(await driver.unwrap(v2, tenant)).toEqual(dek);
  });

  it('binds the ciphertext to the tenant (associated data, and context for a derived key)', async () => {
    for (const target of [key, double.createKey({ name: 'derived', derived: true })]) {
      const driver = driverFor(double.settings(target, token));
      const edek = await wrapWatched(driver);
      expect(await driver.unwrap(edek, tenant)).toEqual(dek);
      await refusal(driver.unwrap(edek, { tenantId: 'tenant-b' }), 'kms_unwrap_failed');
    }
  });

  it('binds a 64-byte tenant secret to its secretPath and tenantSecretId beside the tenant (associated data, and context for a derived key)', async () => {
    for (const target of [key, double.createKey({ name: 'derived-secrets', derived: true })]) {
      const driver = driverFor(double.settings(target, token));
      const tenantOnlyEdek = await wrapWatched(driver);
      await expectContextBinding(driver, { tenantId: tenant.tenantId, dek, tenantOnlyEdek, refusal });
    }
  });

  it('renews a token at two thirds of its TTL, and logs in again when an AppRole token cannot be renewed', async () => {
    const shortToken = double.createToken({ ttlSeconds: 1 });
    const driver = driverFor(double.settings(key, shortToken));
    await wrapWatched(driver);
    const renewals = double.count('auth/token/renew-self');
    await sleep(750);
    await wrapWatched(driver);
    expect(double.count('auth/token/renew-self')).toBe(renewals + 1);

    const fixed = double.addAppRole({ tokenTtlSeconds: 1, renewable: false });
    const approle = withAppRole(key, fixed);
    await wrapWatched(approle);
    const logins = double.count('auth/approle/login');
    await sleep(750);
    await wrapWatched(approle);
    expect(double.count('auth/approle/login')).toBe(logins + 1);

    // Renewable, but at its max TTL: the renewal would leave almost nothing, so a new login instead.
    const capped = withAppRole(key, double.addAppRole({ tokenTtlSeconds: 1, tokenMaxTtlSeconds: 1 }));
    await wrapWatched(capped);
    const [cappedLogins, cappedRenewals] = [double.count('auth/approle/login'), double.count('auth/token/renew-self')];
    await sleep(750);
    await wrapWatched(capped);
    expect(double.count('auth/token/renew-self')).toBe(cappedRenewals + 1);
    expect(double.count('auth/approle/login')).toBe(cappedLogins + 1);
  });

  it('logs in again once when Vault revokes a working AppRole token; a revoked configured token is refused', async () => {
    const issued = double.tokens.length;
    const approle = withAppRole();
    const tokenDriver = driverFor(double.settings(key, double.createToken()));
    const edek = await wrapWatched(approle);
    await wrapWatched(tokenDriver);
    const logins = double.count('auth/approle/login');
    // Every token issued for this test (the AppRole login's and the configured one); the other tests' stay.
    for (const revoked of double.tokens.slice(issued)) double.revokeToken(revoked.token);
    expect(await approle.unwrap(edek, tenant)).toEqual(dek);
    expect(double.count('auth/approle/login')).toBe(logins + 1);
    expect((await refusal(tokenDriver.wrap(dek, tenant), 'kms_unauthorized')).message).toMatch(/token is not valid/);
  });

  it('caps its concurrent requests to one Vault', async () => {
    const driver = withToken();
    double.delay(30);
    await Promise.all(Array.from({ length: 40 }, () => driver.wrap(dek, tenant)));
    expect(double.peakConcurrency).toBeLessThanOrEqual(VAULT_MAX_SOCKETS);
  });
});

describe('Vault Transit driver: every Vault failure maps to our code', () => {
  it('a key the tenant denied → kms_unauthorized (206), once re-login did not help, and works again once allowed', async () => {
    const denied = double.createKey({ name: 'denied' });
    const driver = withAppRole(denied);
    await wrapWatched(driver);
    const logins = double.count('auth/approle/login');
    double.deny('denied');
    expect((await refusal(driver.wrap(dek, tenant), 'kms_unauthorized')).tspCode).toBe(206);
    await refusal(driver.wrap(dek, tenant), 'kms_unauthorized');
    // One fresh login for the token that used to work, none for the new one that never did.
    expect(double.count('auth/approle/login')).toBe(logins + 1);
    double.allow('denied');
    await wrapWatched(driver);
  });

  it('a deleted key → kms_unauthorized to encrypt (no create capability) and kms_config_invalid to decrypt', async () => {
    const doomed = double.createKey({ name: 'doomed' });
    const driver = driverFor(double.settings(doomed, token));
    const edek = await wrapWatched(driver);
    double.deleteKey('doomed');
    await refusal(driver.wrap(dek, tenant), 'kms_unauthorized');
    expect((await refusal(driver.unwrap(edek, tenant), 'kms_config_invalid')).message).toMatch(/does not exist/);
  });

  it('a wrong mount path → kms_config_invalid (207)', async () => {
    expect((await refusal(withToken({ mountPath: 'nowhere' }).wrap(dek, tenant), 'kms_config_invalid')).tspCode).toBe(207);
  });

  it('a wrong secret id, an unknown token, a token of another namespace → kms_unauthorized', async () => {
    await refusal(driverFor({ ...double.settings(key, role), secretId: '00000000-0000-0000-0000-000000000000' }).wrap(dek, tenant), 'kms_unauthorized');
    await refusal(withToken({ token: 'hvs.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }).wrap(dek, tenant), 'kms_unauthorized');
    await refusal(withToken({ namespace: 'admin' }).wrap(dek, tenant), 'kms_unauthorized');
  });

  it('throttling → retried with jitter, then kms_throttled (209)', async () => {
    const driver = withToken();
    await wrapWatched(driver);
    double.throttle(1);
    await wrapWatched(driver);
    double.throttle(true);
    const before = double.count('transit/encrypt/tenant-a-key');
    expect((await refusal(driver.wrap(dek, tenant), 'kms_throttled')).tspCode).toBe(209);
    expect(double.count('transit/encrypt/tenant-a-key') - before).toBe(3);
  });

  it('a sealed Vault → kms_unreachable (208); a locked namespace → kms_account_issue (210)', async () => {
    const driver = withToken();
    await wrapWatched(driver);
    double.seal(true);
    expect((await refusal(driver.wrap(dek, tenant), 'kms_unreachable')).message).toMatch(/sealed/);
    double.seal(false);
    const nsKey = double.createKey({ name: 'locked', namespace: 'locked-ns' });
    const nsDriver = driverFor(double.settings(nsKey, double.createToken({ namespace: 'locked-ns' })));
    await wrapWatched(nsDriver);
    double.lockNamespace('locked-ns', true);
    expect((await refusal(nsDriver.wrap(dek, tenant), 'kms_account_issue')).tspCode).toBe(210);
    double.lockNamespace('locked-ns', false);
  });

  it('dropped connections, a closed port and a slow Vault → kms_unreachable within the time limit', async () => {
    double.dropConnections(true);
    await refusedWithin(1500, () => refusal(withToken({}, 1000).wrap(dek, tenant), 'kms_unreachable'));
    double.dropConnections(false);

    const port = await closedPort();
    expect((await refusal(withToken({ address: `https://127.0.0.1:${port}` }, 1000).wrap(dek, tenant), 'kms_unreachable')).message).toMatch(/ECONNREFUSED/);

    const driver = withToken({}, 300);
    await wrapWatched(driver);
    double.delay(3000);
    expect((await refusedWithin(1000, () => refusal(driver.wrap(dek, tenant), 'kms_unreachable'))).message).toBe('HashiCorp Vault did not answer within 300 ms.');
  });

  it('a server certificate the configuration does not trust → kms_config_invalid: the CA is trusted for this address only', async () => {
    const { caCertificate: _trusted, ...publicRoots } = double.settings(key, token);
    expect((await refusal(driverFor(publicRoots).wrap(dek, tenant), 'kms_config_invalid')).message).toMatch(/TLS certificate is not trusted/);
    await refusal(withToken({ caCertificate: otherCa() }).wrap(dek, tenant), 'kms_config_invalid');
  });

  it('garbage, another KMS’s bytes and a tampered ciphertext → kms_unwrap_failed (205); garbage never reaches Vault', async () => {
    const driver = withToken();
    const edek = await wrapWatched(driver);
    const calls = double.calls.length;
    await refusal(driver.unwrap(Uint8Array.from([1, 2, 3]), tenant), 'kms_unwrap_failed');
    expect(double.calls.length).toBe(calls);
    const sealed = Buffer.from(text(edek).slice('vault:v1:'.length), 'base64');
    sealed[20] = (sealed[20] ?? 0) ^ 1;
    await refusal(driver.unwrap(Buffer.from(`vault:v1:${sealed.toString('base64')}`), tenant), 'kms_unwrap_failed');
  });

  it('a Vault older than 1.13, which would ignore the tenant binding → kms_config_invalid, not an unbound EDEK', async () => {
    double.preAssociatedData(true);
    expect((await refusal(withToken().wrap(dek, tenant), 'kms_config_invalid')).message).toMatch(/1\.13/);
  });
});
