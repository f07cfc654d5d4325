// The Google Cloud KMS driver against the Google protocol double in
// lib/testing/kms (no cloud is reachable here): the driver's own REST calls
// reach a local HTTPS server (test CA) that verifies the signed JWT, issues
// and checks bearer tokens, does real AES-GCM with the AAD and can be told to
// fail in every way Google does. Each failure must leave the driver as our code.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { startGoogleKmsDouble, type TDoubleCryptoKey, type TDoubleServiceAccount, type TGoogleKmsDouble } from '@/lib/testing/kms/google-kms-double';

import { crc32c } from './google-cloud-kms-crc32c';
import { isVersionOf, tenantAad } from './google-cloud-kms';
import { createKmsDriver, KmsError, type TKmsDriverOptions } from './index';
import { expectContextBinding } from '@/lib/testing/kms/binding-cases';
import { closedPort, createDriverTestKit, expectRenewedOnce, refusedWithin } from '@/lib/testing/kms/refusal';

let double: TGoogleKmsDouble;
let key: TDoubleCryptoKey;
let account: TDoubleServiceAccount;
const dek = Uint8Array.from({ length: 32 }, (_, i) => i * 7 + 1);
const tenant = { tenantId: 'tenant-a' };
const kit = createDriverTestKit({ dek, tenant, moreCanaries: () => double.tokens.map((value, i) => ({ label: `token ${i}`, value })) });
const { canaries, refusal, wrapWatched } = kit;

beforeAll(async () => {
  double = await startGoogleKmsDouble();
  account = double.createServiceAccount();
  key = double.createKey({ members: [account.email] });
  canaries.push({ label: 'private key', value: account.keyFile.private_key as string }, { label: 'DEK', value: dek });
});
afterEach(() => {
  double.clearFaults();
  double.throttle(false);
  double.tamper(false);
  double.delay(0);
  double.dropConnections(false);
  double.accountIssue(false);
});
afterAll(async () => {
  kit.closeAll();
  await double.stop();
});

function driverFor(opts: { key?: { name: string }; account?: TDoubleServiceAccount; timeoutMs?: number; options?: TKmsDriverOptions; on?: TGoogleKmsDouble } = {}) {
  const on = opts.on ?? double;
  const driver = createKmsDriver('google-cloud-kms', on.settings(opts.key ?? key, opts.account ?? account), opts.options ?? on.driverOptions(opts.timeoutMs ?? 2000));
  return kit.keep(driver);
}



describe('Google Cloud KMS driver: round trips', () => {
  it('wraps and unwraps under the configured key, signing in once', async () => {
    double.resetCalls();
    const driver = driverFor();
    const edeks = await Promise.all(Array.from({ length: 5 }, () => wrapWatched(driver)));
    for (const edek of edeks) {
      expect(Buffer.from(edek).includes(Buffer.from(dek))).toBe(false);
      expect(await driver.unwrap(edek, tenant)).toEqual(dek);
    }
    expect(double.count({ service: 'token', httpStatus: 200 })).toBe(1);
    expect(double.count({ service: 'kms', key: key.name, principal: account.email, httpStatus: 200 })).toBe(10);
  });

  it('binds the ciphertext to the tenant through the AAD: another tenant id cannot unwrap it', async () => {
    const driver = driverFor();
    const edek = await wrapWatched(driver);
    expect(tenantAad('tenant-a').toString()).toBe('{"tenantId":"tenant-a"}');
    const error = await refusal(driver.unwrap(edek, { tenantId: 'tenant-b' }), 'kms_unwrap_failed');
    expect(error.tspCode).toBe(205);
    expect(error.message).toBe('Google Cloud KMS refused: the ciphertext, its tenant or its key does not match (INVALID_ARGUMENT).');
  });

  it('binds a 64-byte tenant secret to its secretPath and tenantSecretId beside the tenant (AAD)', async () => {
    const driver = driverFor();
    const tenantOnlyEdek = await wrapWatched(driver);
    await expectContextBinding(driver, { tenantId: tenant.tenantId, dek, tenantOnlyEdek, refusal });
  });

  it('keeps decrypting old ciphertexts after the key is rotated, and wraps new ones under the new version', async () => {
    const rotating = double.createKey({ members: [account.email] });
    const driver = driverFor({ key: rotating });
    const old = await wrapWatched(driver);
    expect(double.rotate(rotating.name)).toBe(2);
    double.resetCalls();
    const fresh = await wrapWatched(driver);
    expect(double.calls.at(-1)).toMatchObject({ operation: 'encrypt', version: 2 });
    expect(await driver.unwrap(old, tenant)).toEqual(dek);
    expect(double.calls.at(-1)).toMatchObject({ operation: 'decrypt', version: 1 });
    expect(await driver.unwrap(fresh, tenant)).toEqual(dek);
    // Disabling the old version refuses its ciphertexts only.
    double.setVersionState(rotating.name, 'DISABLED', 1);
    await refusal(driver.unwrap(old, tenant), 'kms_unauthorized');
    expect(await driver.unwrap(fresh, tenant)).toEqual(dek);
  });

  it('refreshes the access token before it expires, once for concurrent callers', async () => {
    const shortLived = await startGoogleKmsDouble({ tokenLifetimeSeconds: 2 });
    try {
      const sa = shortLived.createServiceAccount();
      const driver = driverFor({ on: shortLived, key: shortLived.createKey({ members: [sa.email] }), account: sa });
      // A 2 s token is refreshed at most halfway through its life.
      await expectRenewedOnce(driver, dek, tenant, {
        signIns: () => shortLived.count({ service: 'token' }),
        kmsSuccesses: () => shortLived.count({ service: 'kms', httpStatus: 200 }),
      });
    } finally {
      await shortLived.stop();
    }
  });

  it('signs in again when KMS stops accepting its token (401), within the same call', async () => {
    const driver = driverFor();
    await driver.wrap(dek, tenant);
    double.resetCalls();
    double.revokeTokens();
    await driver.wrap(dek, tenant);
    expect(double.calls.map((c) => `${c.service}:${c.httpStatus}`)).toEqual(['kms:401', 'token:200', 'kms:200']);
  });

  it('checks the CRC32C of each answer: damage in transit is retried, and refused if it persists', async () => {
    // The standard check value of CRC-32C (RFC 3720 B.4).
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    const driver = driverFor();
    const edek = await wrapWatched(driver);
    double.resetCalls();
    double.tamper(1);
    expect(await driver.unwrap(edek, tenant)).toEqual(dek);
    expect(double.count({ operation: 'decrypt', httpStatus: 200 })).toBe(2);
    double.tamper(true);
    const wrap = await refusal(driver.wrap(dek, tenant), 'kms_wrap_failed');
    expect(wrap.message).toBe('Google Cloud KMS answered, but the ciphertext does not match its checksum.');
    await refusal(driver.unwrap(edek, tenant), 'kms_unwrap_failed');
    expect(double.count({ operation: 'encrypt', httpStatus: 200 })).toBe(3);
  });

  it('accepts an encrypt answer naming a version of the configured key only (project id or number alike)', () => {
    const name = 'projects/123456789012/locations/eu/keyRings/r/cryptoKeys/k';
    expect(isVersionOf('projects/acme-prod/locations/eu/keyRings/r/cryptoKeys/k/cryptoKeyVersions/3', name)).toBe(true);
    expect(isVersionOf(`${name}/cryptoKeyVersions/1`, name)).toBe(true);
    expect(isVersionOf(`${name}2/cryptoKeyVersions/1`, name)).toBe(false);
    expect(isVersionOf('projects/p/locations/eu/keyRings/other/cryptoKeys/k/cryptoKeyVersions/1', name)).toBe(false);
    expect(isVersionOf(`${name}/cryptoKeyVersions/`, name)).toBe(false);
    expect(isVersionOf(undefined, name)).toBe(false);
  });

  it('holds at most maxConcurrency calls in flight; the others wait their turn', async () => {
    const driver = driverFor({ options: { ...double.driverOptions(3000), google: { ...double.driverOptions().google, maxConcurrency: 2 } } });
    await driver.wrap(dek, tenant);
    double.delay(150);
    const started = Date.now();
    await Promise.all(Array.from({ length: 6 }, () => driver.wrap(dek, tenant)));
    // Six calls of 150 ms, two at a time: three rounds.
    expect(Date.now() - started).toBeGreaterThanOrEqual(440);
  });
});

describe('Google Cloud KMS driver: every Google failure maps to our code', () => {
  it('a disabled or destroyed key version → kms_unauthorized (206), and works again once enabled', async () => {
    const driver = driverFor();
    double.setVersionState(key.name, 'DISABLED');
    const error = await refusal(driver.wrap(dek, tenant), 'kms_unauthorized');
    expect(error.tspCode).toBe(206);
    expect(error.message).toBe('Google Cloud KMS refused: the key version is not enabled (disabled, destroyed or scheduled for destruction) (FAILED_PRECONDITION).');
    double.setVersionState(key.name, 'DESTROYED');
    await refusal(driver.wrap(dek, tenant), 'kms_unauthorized');
    double.setVersionState(key.name, 'ENABLED');
    await driver.wrap(dek, tenant);
  });

  it('an IAM deny, a revoked role, and a key in a ring the account cannot see → kms_unauthorized', async () => {
    const driver = driverFor();
    const edek = await wrapWatched(driver);
    double.deny(account.email);
    const error = await refusal(driver.unwrap(edek, tenant), 'kms_unauthorized');
    expect(error.message).toBe('Google Cloud KMS refused: the service account may not use the key, or the key does not exist (IAM_PERMISSION_DENIED).');
    double.allow(account.email);
    const other = double.createKey();
    await refusal(driverFor({ key: other }).wrap(dek, tenant), 'kms_unauthorized');
    const unseen = { name: `projects/${double.projectId}/locations/europe-west1/keyRings/elsewhere/cryptoKeys/k` };
    await refusal(driverFor({ key: unseen }).wrap(dek, tenant), 'kms_unauthorized');
  });

  it('a key missing from a known key ring → kms_config_invalid (207)', async () => {
    const missing = { name: key.name.replace(/cryptoKeys\/.*/, 'cryptoKeys/no-such-key') };
    const error = await refusal(driverFor({ key: missing }).wrap(dek, tenant), 'kms_config_invalid');
    expect(error.message).toBe('Google Cloud KMS refused: the key does not exist (NOT_FOUND).');
  });

  it('wrong credentials: a deleted service account key, an unknown service account → kms_unauthorized', async () => {
    const doomed = double.createServiceAccount('doomed');
    double.grant(key.name, doomed.email);
    double.deleteServiceAccountKeys(doomed.email);
    const deleted = await refusal(driverFor({ account: doomed }).wrap(dek, tenant), 'kms_unauthorized');
    expect(deleted.message).toBe(
      'Google refused the service account key: the service account key was not accepted: its private key is not (or no longer) a key of the service account; create a new key (invalid_grant).',
    );
    const stranger = await startGoogleKmsDouble();
    try {
      const elsewhere = stranger.createServiceAccount('stranger');
      canaries.push({ label: 'stranger private key', value: elsewhere.keyFile.private_key as string });
      const unknown = await refusal(driverFor({ account: elsewhere }).wrap(dek, tenant), 'kms_unauthorized');
      expect(unknown.message).toMatch(/the service account does not exist or is disabled \(invalid_grant\)\.$/);
    } finally {
      await stranger.stop();
    }
  });

  it('throttling → kms_throttled (209) after three attempts; a brief throttle is ridden out', async () => {
    const driver = driverFor();
    await driver.wrap(dek, tenant);
    double.resetCalls();
    double.throttle(true);
    expect((await refusal(driver.wrap(dek, tenant), 'kms_throttled')).tspCode).toBe(209);
    expect(double.count({ error: 'RESOURCE_EXHAUSTED' })).toBe(3);
    double.throttle(2);
    await driver.wrap(dek, tenant);
  });

  it('the API not enabled, billing disabled → kms_account_issue (210)', async () => {
    double.accountIssue('SERVICE_DISABLED');
    const error = await refusal(driverFor().wrap(dek, tenant), 'kms_account_issue');
    expect(error.tspCode).toBe(210);
    expect(error.message).toBe('Google Cloud KMS refused: the Cloud KMS API is not enabled in the key’s project (SERVICE_DISABLED).');
    double.accountIssue('BILLING_DISABLED');
    await refusal(driverFor().wrap(dek, tenant), 'kms_account_issue');
  });

  it('dropped connections and a closed port → kms_unreachable (208) within the time limit', async () => {
    double.dropConnections(true);
    expect((await refusedWithin(1500, () => refusal(driverFor({ timeoutMs: 1000 }).wrap(dek, tenant), 'kms_unreachable'))).tspCode).toBe(208);
    double.dropConnections(false);

    const port = await closedPort();
    const closed = driverFor({ options: { timeoutMs: 1000, google: { endpoint: `https://127.0.0.1:${port}`, tokenUrl: `https://127.0.0.1:${port}/token` } } });
    const error = await refusedWithin(1500, () => refusal(closed.wrap(dek, tenant), 'kms_unreachable'));
    expect(error.message).toMatch(/ECONNREFUSED/);
  });

  it('a TLS certificate the proxy does not trust → kms_unreachable, naming TLS', async () => {
    const untrusting = driverFor({ options: { timeoutMs: 1000, google: { endpoint: double.endpoint, tokenUrl: double.tokenUrl } } });
    const error = await refusal(untrusting.wrap(dek, tenant), 'kms_unreachable');
    // The token endpoint is the first host it meets.
    expect(error.message).toMatch(/^Google's token endpoint could not be reached: its TLS certificate is not trusted \([A-Z_]+\)\.$/);
  });

  it('a KMS slower than the time limit, or a cancelled call → kms_unreachable', async () => {
    const warm = driverFor({ timeoutMs: 300 });
    await warm.wrap(dek, tenant);
    double.delay(3000);
    const error = await refusedWithin(1000, () => refusal(warm.wrap(dek, tenant), 'kms_unreachable'));
    expect(error.message).toBe('Google Cloud KMS did not answer within 300 ms.');
    const cancelled = await refusal(driverFor().wrap(dek, tenant, AbortSignal.timeout(50)), 'kms_unreachable');
    expect(cancelled.message).toBe('The call to Google Cloud KMS was cancelled before it answered.');
  });

  it('garbage, a tampered ciphertext and another key’s ciphertext → kms_unwrap_failed (205)', async () => {
    const driver = driverFor();
    await refusal(driver.unwrap(new Uint8Array([1, 2, 3, 4]), tenant), 'kms_unwrap_failed');
    const edek = await wrapWatched(driver);
    const tampered = Uint8Array.from(edek);
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] as number) ^ 0x80;
    await refusal(driver.unwrap(tampered, tenant), 'kms_unwrap_failed');
    const other = double.createKey({ members: [account.email] });
    const foreign = await wrapWatched(driverFor({ key: other }));
    await refusal(driver.unwrap(foreign, tenant), 'kms_unwrap_failed');
  });

  it('a key file whose token_uri is not Google’s, without an override → kms_config_invalid before any call', () => {
    const settings = double.settings(key, account);
    settings.serviceAccountKey.token_uri = 'https://tokens.example.com/token';
    let error: unknown;
    try {
      createKmsDriver('google-cloud-kms', settings, { google: { endpoint: double.endpoint } });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(KmsError);
    expect((error as KmsError).code).toBe('kms_config_invalid');
  });

  // Errors the double's controls cannot cause by themselves, injected as Google would send them (on every attempt).
  it.each([
    ['kms', { httpStatus: 503, status: 'UNAVAILABLE' }, 'kms_unreachable', 3],
    ['kms', { httpStatus: 504, status: 'DEADLINE_EXCEEDED' }, 'kms_unreachable', 3],
    ['kms', { httpStatus: 500, status: 'INTERNAL' }, 'kms_wrap_failed', 1],
    ['kms', { httpStatus: 403, status: 'PERMISSION_DENIED', reason: 'CONSUMER_SUSPENDED' }, 'kms_account_issue', 1],
    ['kms', { httpStatus: 403, status: 'PERMISSION_DENIED', reason: 'SECURITY_POLICY_VIOLATED' }, 'kms_unauthorized', 1],
    ['kms', { httpStatus: 429, status: 'RESOURCE_EXHAUSTED', reason: 'RESOURCE_QUOTA_EXCEEDED' }, 'kms_throttled', 3],
    ['kms', { httpStatus: 401, status: 'UNAUTHENTICATED', reason: 'ACCESS_TOKEN_EXPIRED' }, 'kms_unauthorized', 2],
    ['kms', { httpStatus: 501, status: 'UNIMPLEMENTED' }, 'kms_config_invalid', 1],
    ['kms', { httpStatus: 418 }, 'kms_wrap_failed', 1],
    ['token', { httpStatus: 503, oauthError: 'internal_failure' }, 'kms_unreachable', 3],
    ['token', { httpStatus: 429, oauthError: 'rate_limit_exceeded' }, 'kms_throttled', 3],
    ['token', { httpStatus: 400, oauthError: 'invalid_grant', description: 'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.' }, 'kms_unauthorized', 1],
    ['token', { httpStatus: 400, oauthError: 'invalid_scope' }, 'kms_unauthorized', 1],
  ] as const)('%s %j → %s after %i attempt(s)', async (service, fault, code, attempts) => {
    // A new driver, so that a token fault meets a sign-in.
    const driver = driverFor();
    double.resetCalls();
    double.inject({ service, message: 'projects/secret-free', times: Infinity, ...fault });
    const error = await refusal(driver.wrap(dek, tenant), code);
    expect(error.message).not.toContain('secret-free');
    expect(double.count({ service, httpStatus: fault.httpStatus })).toBe(attempts);
  });
});
