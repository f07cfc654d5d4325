// The CipherTrust Manager driver against the CipherTrust protocol double in
// lib/testing/kms (no appliance is reachable here): the driver's own HTTPS
// requests reach a local server that issues and checks its JWTs, does real
// AES-256-GCM with key versions and KMIP key states, and can be told to fail
// in every way CipherTrust does. Each failure must leave the driver as our code.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { startCipherTrustDouble, type TCipherTrustDouble, type TCtmKey, type TCtmUser } from '@/lib/testing/kms/ciphertrust-double';
import { makeTestTls } from '@/lib/testing/tls';

import { createKmsDriver, type TKmsDriverOptions } from './index';
import { decodeSealed } from './thales-ciphertrust';
import { expectContextBinding } from '@/lib/testing/kms/binding-cases';
import { closedPort, createDriverTestKit, pastHalfLife, refusedWithin, wrapAtOnce } from '@/lib/testing/kms/refusal';

let double: TCipherTrustDouble;
let key: TCtmKey;
let user: TCtmUser;
const dek = Uint8Array.from({ length: 32 }, (_, i) => i * 5 + 3);
const tenant = { tenantId: 'tenant-a' };
const kit = createDriverTestKit({ dek, tenant });
const { canaries, refusal, wrapWatched } = kit;

beforeAll(async () => {
  double = await startCipherTrustDouble();
  user = double.addUser({ username: 'cmk-proxy' });
  key = double.createKey({ name: 'tenant-a-cmk' });
  canaries.push({ label: 'password', value: user.password }, { label: 'DEK', value: dek });
});
afterEach(() => {
  double.clearFaults();
  double.throttle(false);
  double.delay(0);
  double.dropConnections(false);
  double.licenceIssue(false);
  double.allow(user.username);
  key.state = 'Active';
});
afterAll(async () => {
  kit.closeAll();
  await double.stop();
});

function driverFor(settings: Partial<Record<string, string>> = {}, options: TKmsDriverOptions = { timeoutMs: 2000 }, on = double, k = key, u = user) {
  const merged = Object.fromEntries(Object.entries({ ...on.settings(k, u), ...settings }).filter(([, value]) => value !== undefined));
  const driver = createKmsDriver('thales-ciphertrust', merged, options);
  return kit.keep(driver);
}



describe('CipherTrust Manager driver: round trips', () => {
  it('signs in once, wraps and unwraps under the configured key, trusting only the configured CA', async () => {
    double.resetCalls();
    const driver = driverFor();
    const edeks = await Promise.all(Array.from({ length: 4 }, () => wrapWatched(driver)));
    for (const edek of edeks) expect(await driver.unwrap(edek, tenant)).toEqual(dek);
    expect(Buffer.from(edeks[0] as Uint8Array).includes(Buffer.from(dek))).toBe(false);
    expect(double.count({ endpoint: 'auth', grant: 'password', status: 200 })).toBe(1);
    expect(double.count({ endpoint: 'encrypt', user: 'cmk-proxy', key: key.name, status: 200 })).toBe(4);
    expect(double.count({ endpoint: 'decrypt', status: 200 })).toBe(4);
  });

  it('binds the ciphertext to the tenant as GCM AAD: another tenant id cannot unwrap it', async () => {
    const driver = driverFor();
    const edek = await wrapWatched(driver);
    const error = await refusal(driver.unwrap(edek, { tenantId: 'tenant-b' }), 'kms_unwrap_failed');
    expect(error.tspCode).toBe(205);
    expect(error.message).toMatch(/NCERRCryptoError/);
  });

  it('binds a 64-byte tenant secret to its secretPath and tenantSecretId beside the tenant (GCM AAD)', async () => {
    const driver = driverFor();
    const tenantOnlyEdek = await wrapWatched(driver);
    await expectContextBinding(driver, { tenantId: tenant.tenantId, dek, tenantOnlyEdek, refusal });
  });

  it('keeps EDEKs made before a key rotation decrypting, and wraps new ones under the new version', async () => {
    const driver = driverFor();
    const before = await wrapWatched(driver);
    const version = double.rotateKey(key.id);
    const after = await wrapWatched(driver);
    expect(decodeSealed(before)?.version).toBe(version - 1);
    expect(decodeSealed(after)?.version).toBe(version);
    expect(await driver.unwrap(before, tenant)).toEqual(dek);
    expect(await driver.unwrap(after, tenant)).toEqual(dek);
  });

  it('works in a key domain other than the user’s auth domain, through another connection', async () => {
    const ldapUser = double.addUser({ authDomain: 'root', connection: 'corp-ldap', domains: ['root', 'tenant-acme'] });
    const acmeKey = double.createKey({ domain: 'tenant-acme' });
    const driver = driverFor({}, { timeoutMs: 2000 }, double, acmeKey, ldapUser);
    expect(await driver.unwrap(await wrapWatched(driver), tenant)).toEqual(dek);
    // Without the key domain the key is not found in the user's own domain.
    await refusal(driverFor({ keyDomain: undefined }, { timeoutMs: 2000 }, double, acmeKey, ldapUser).wrap(dek, tenant), 'kms_config_invalid');
  });

  it('renews the JWT before it expires with the refresh token, and signs in again once that is revoked', async () => {
    const shortLived = await startCipherTrustDouble({ tokenDurationSeconds: 2 });
    try {
      const u = shortLived.addUser();
      const k = shortLived.createKey();
      const driver = driverFor({}, { timeoutMs: 2000 }, shortLived, k, u);
      await driver.wrap(dek, tenant);
      await driver.wrap(dek, tenant);
      expect(shortLived.count({ endpoint: 'auth' })).toBe(1);
      // A 2 s token is renewed at most halfway through its life, once for concurrent callers.
      await pastHalfLife();
      await wrapAtOnce(driver, dek, tenant);
      expect(shortLived.count({ endpoint: 'auth', grant: 'refresh_token', status: 200 })).toBe(1);
      shortLived.revokeTokens();
      await driver.wrap(dek, tenant);
      expect(shortLived.count({ endpoint: 'encrypt', status: 401 })).toBe(1);
      expect(shortLived.count({ endpoint: 'auth', grant: 'refresh_token', status: 401 })).toBe(1);
      expect(shortLived.count({ endpoint: 'auth', grant: 'password', status: 200 })).toBe(2);
    } finally {
      await shortLived.stop();
    }
  });

  it('signs in again when CipherTrust no longer accepts the cached token', async () => {
    const driver = driverFor();
    await driver.wrap(dek, tenant);
    double.resetCalls();
    double.expireTokens();
    await driver.wrap(dek, tenant);
    expect(double.calls.map((call) => `${call.endpoint}:${call.status}`)).toEqual(['encrypt:401', 'auth:200', 'encrypt:200']);
  });

  it('a caller cancelled during the shared sign-in does not fail the others waiting on it', async () => {
    const driver = driverFor();
    double.delay(150);
    const [cancelled, patient] = await Promise.allSettled([driver.wrap(dek, tenant, AbortSignal.timeout(50)), driver.wrap(dek, tenant)]);
    expect(cancelled).toMatchObject({ status: 'rejected', reason: { code: 'kms_unreachable' } });
    expect(patient.status).toBe('fulfilled');
  });

  it('keeps at most 16 requests in flight per CipherTrust endpoint across the drivers of one proxy', async () => {
    const shared: TKmsDriverOptions = { timeoutMs: 3000 };
    const [a, b] = [driverFor({}, shared), driverFor({}, shared)];
    await Promise.all([a.wrap(dek, tenant), b.wrap(dek, tenant)]);
    double.delay(100);
    const started = Date.now();
    await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).wrap(dek, tenant)));
    // 40 calls, 16 at a time, 100 ms each: three rounds.
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });
});

describe('CipherTrust Manager driver: every failure maps to our code', () => {
  it('a wrong password, user, auth domain or connection → kms_unauthorized (206)', async () => {
    for (const wrong of [{ password: `${user.password}x` }, { username: 'nobody' }, { authDomain: 'acme' }, { connection: 'corp-ldap' }]) {
      const error = await refusal(driverFor(wrong).wrap(dek, tenant), 'kms_unauthorized');
      expect(error.tspCode).toBe(206);
      expect(error.message).toMatch(/^CipherTrust Manager refused to sign the proxy in: .*\(HTTP 401, NCERRUnauthorized\)\.$/);
    }
  });

  it('a denied user (key ACL) → kms_unauthorized, and works again once allowed', async () => {
    const driver = driverFor();
    const edek = await wrapWatched(driver);
    double.deny(user.username);
    expect((await refusal(driver.unwrap(edek, tenant), 'kms_unauthorized')).message).toMatch(/may not use the key .*HTTP 403/);
    double.allow(user.username);
    expect(await driver.unwrap(edek, tenant)).toEqual(dek);
    const private_ = double.createKey({ allow: ['someone-else'] });
    await refusal(driverFor({ keyId: private_.name }).wrap(dek, tenant), 'kms_unauthorized');
  });

  it('a deactivated key refuses to wrap (206) but still unwraps, as KMIP allows; a destroyed one refuses both', async () => {
    const driver = driverFor();
    const edek = await wrapWatched(driver);
    key.state = 'Deactivated';
    expect((await refusal(driver.wrap(dek, tenant), 'kms_unauthorized')).message).toMatch(/not in a state that allows this/);
    expect(await driver.unwrap(edek, tenant)).toEqual(dek);
    key.state = 'Destroyed';
    await refusal(driver.unwrap(edek, tenant), 'kms_unauthorized');
  });

  it('an unknown key → kms_config_invalid (207)', async () => {
    expect((await refusal(driverFor({ keyId: 'no-such-key' }).wrap(dek, tenant), 'kms_config_invalid')).tspCode).toBe(207);
  });

  it('throttling → kms_throttled (209) after three attempts with jitter; a short burst is absorbed', async () => {
    const driver = driverFor();
    await driver.wrap(dek, tenant);
    double.resetCalls();
    double.throttle(true);
    expect((await refusal(driver.wrap(dek, tenant), 'kms_throttled')).tspCode).toBe(209);
    expect(double.count({ endpoint: 'encrypt', status: 429 })).toBe(3);
    double.throttle(2);
    expect(await driver.unwrap(await driver.wrap(dek, tenant), tenant)).toEqual(dek);
  });

  it('a licence problem → kms_account_issue (210)', async () => {
    double.licenceIssue(true);
    expect((await refusal(driverFor().wrap(dek, tenant), 'kms_account_issue')).tspCode).toBe(210);
  });

  it('dropped connections and a closed port → kms_unreachable (208) within the time limit', async () => {
    double.dropConnections(true);
    expect((await refusedWithin(1500, () => refusal(driverFor({}, { timeoutMs: 1000 }).wrap(dek, tenant), 'kms_unreachable'))).tspCode).toBe(208);
    double.dropConnections(false);

    const port = await closedPort();
    const error = await refusedWithin(1500, () => refusal(driverFor({ url: `https://127.0.0.1:${port}` }, { timeoutMs: 1000 }).wrap(dek, tenant), 'kms_unreachable'));
    expect(error.message).toMatch(/ECONNREFUSED/);
  });

  it('a CipherTrust slower than the time limit, or a cancelled call → kms_unreachable', async () => {
    double.delay(3000);
    expect((await refusedWithin(1000, () => refusal(driverFor({}, { timeoutMs: 300 }).wrap(dek, tenant), 'kms_unreachable'))).message).toBe('CipherTrust Manager did not answer within 300 ms.');
    const cancelled = await refusal(driverFor().wrap(dek, tenant, AbortSignal.timeout(50)), 'kms_unreachable');
    expect(cancelled.message).toBe('The call to CipherTrust Manager was cancelled before it answered.');
  });

  it('a certificate the configuration does not trust → kms_config_invalid, naming the TLS failure', async () => {
    // Without the CA field only the public roots are trusted, and none of them signs the double.
    const error = await refusal(driverFor({ caCertificate: undefined }).wrap(dek, tenant), 'kms_config_invalid');
    expect(error.message).toMatch(/TLS certificate of CipherTrust Manager is not trusted.*\((UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\)/);
    // The double's own (leaf) certificate is no CA: trusting it does not make its chain verify.
    const leaf = await refusal(driverFor({ caCertificate: makeTestTls(['ctm.test']).certPem }).wrap(dek, tenant), 'kms_config_invalid');
    expect(leaf.message).toMatch(/not trusted/);
    // The right CA, but a host name the certificate does not name.
    const wrongHost = await refusal(driverFor({ url: double.url.replace('127.0.0.1', 'localhost') }).wrap(dek, tenant), 'kms_config_invalid');
    expect(wrongHost.message).toMatch(/ERR_TLS_CERT_ALTNAME_INVALID/);
  });

  it('garbage and a tampered ciphertext → kms_unwrap_failed (205)', async () => {
    const driver = driverFor();
    await refusal(driver.unwrap(new Uint8Array([1, 2, 3, 4]), tenant), 'kms_unwrap_failed');
    const tampered = Uint8Array.from(await wrapWatched(driver));
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] as number) ^ 0x80;
    expect((await refusal(driver.unwrap(tampered, tenant), 'kms_unwrap_failed')).tspCode).toBe(205);
  });

  // Answers the double's controls cannot cause by themselves, injected as CipherTrust words them (every attempt).
  it.each([
    ['crypto', 500, 'NCERRInternal', 'kms_wrap_failed'],
    ['crypto', 503, 'NCERRServiceUnavailable', 'kms_unreachable'],
    ['crypto', 502, 'NCERRBadGateway', 'kms_unreachable'],
    ['crypto', 400, 'NCERRInvalidParamValue', 'kms_wrap_failed'],
    ['crypto', 404, 'NCERRResourceNotFound', 'kms_config_invalid'],
    ['crypto', 403, 'NCERRPermissionDenied', 'kms_unauthorized'],
    ['auth', 403, 'NCERRAccountLocked', 'kms_unauthorized'],
    ['auth', 500, 'NCERRInternal', 'kms_unreachable'],
    ['auth', 429, 'NCERRTooManyRequests', 'kms_throttled'],
  ] as const)('%s %i %s → %s', async (endpoint, status, codeDesc, code) => {
    double.inject({ endpoint, status, codeDesc: `${codeDesc}: the appliance said secret-free things`, message: 'secret-free', times: 3 });
    const error = await refusal(driverFor().wrap(dek, tenant), code);
    expect(error.message).toContain(codeDesc);
    expect(error.message).not.toContain('secret-free');
  });
});
