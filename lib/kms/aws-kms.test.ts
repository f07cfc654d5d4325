// The AWS KMS driver against the AWS KMS/STS protocol double in
// lib/testing/kms (no cloud is reachable here): the unmodified SDK talks to a
// local server that checks SigV4, does real AES-GCM and can be told to fail
// in every way AWS does. Each failure must leave the driver as our code.
import { once } from 'node:events';
import https from 'node:https';

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { startAwsKmsDouble, type TAwsKmsDouble, type TDoubleKey, type TDoubleRole, type TDoubleUser } from '@/lib/testing/kms/aws-kms-double';
import { makeTestTls } from '@/lib/testing/tls';

import { createKmsDriver } from './index';
import { expectContextBinding } from '@/lib/testing/kms/binding-cases';
import { closedPort, createDriverTestKit, expectRenewedOnce, refusedWithin } from '@/lib/testing/kms/refusal';

let double: TAwsKmsDouble;
let key: TDoubleKey;
let user: TDoubleUser;
let vendor: TDoubleUser;
let role: TDoubleRole;
const dek = Uint8Array.from({ length: 32 }, (_, i) => i * 7 + 1);
const tenant = { tenantId: 'tenant-a' };
const kit = createDriverTestKit({ dek, tenant });
const { canaries, refusal, wrapWatched } = kit;

beforeAll(async () => {
  double = await startAwsKmsDouble();
  key = double.createKey();
  user = double.addUser();
  vendor = double.addUser({ name: 'vendor' });
  role = double.addRole({ trusted: [vendor.accessKeyId] });
  canaries.push({ label: 'user secret', value: user.secretAccessKey }, { label: 'vendor secret', value: vendor.secretAccessKey }, { label: 'DEK', value: dek });
});
afterEach(() => {
  double.clearFaults();
  double.throttle(false);
  double.delay(0);
  double.dropConnections(false);
  double.accountIssue(false);
});
afterAll(async () => {
  kit.closeAll();
  await double.stop();
});

function withKeys(settings: Partial<Record<string, string>> = {}, timeoutMs = 2000) {
  const driver = createKmsDriver('aws-kms', { ...double.accessKeySettings(key, user), ...settings }, double.driverOptions(undefined, timeoutMs));
  return kit.keep(driver);
}

function withRole(target: { roleArn: string; externalId: string } = role, caller: TDoubleUser = vendor, on = double) {
  const driver = createKmsDriver('aws-kms', on.assumeRoleSettings(on === double ? key : (on.keys[0] as TDoubleKey), target), on.driverOptions(caller, 2000));
  return kit.keep(driver);
}



describe('AWS KMS driver: round trips', () => {
  it('wraps and unwraps with access keys, under the configured key', async () => {
    const driver = withKeys();
    const edek = await wrapWatched(driver);
    expect(Buffer.from(edek).includes(Buffer.from(dek))).toBe(false);
    expect(await driver.unwrap(edek, tenant)).toEqual(dek);
    expect(double.calls.at(-1)).toMatchObject({ target: 'Decrypt', keyId: key.keyArn, principal: user.accessKeyId, status: 200 });
  });

  it('assumes the role once with the external id and shares the cached credentials', async () => {
    double.resetCalls();
    const driver = withRole();
    const edeks = await Promise.all(Array.from({ length: 5 }, () => driver.wrap(dek, tenant)));
    for (const edek of edeks) expect(await driver.unwrap(edek, tenant)).toEqual(dek);
    expect(double.count({ service: 'sts', target: 'AssumeRole', status: 200 })).toBe(1);
    expect(double.count({ service: 'kms', principal: role.roleArn, status: 200 })).toBe(10);
  });

  it('refreshes the temporary credentials before they expire, once for concurrent callers', async () => {
    const shortLived = await startAwsKmsDouble({ sessionDurationSeconds: 2 });
    try {
      shortLived.createKey();
      const caller = shortLived.addUser();
      const driver = withRole(shortLived.addRole({ trusted: [caller.accessKeyId] }), caller, shortLived);
      // A 1–2 s session is refreshed at most halfway through its life.
      await expectRenewedOnce(driver, dek, tenant, {
        signIns: () => shortLived.count({ target: 'AssumeRole' }),
        kmsSuccesses: () => shortLived.count({ service: 'kms', status: 200 }),
      });
    } finally {
      await shortLived.stop();
    }
  });

  it('binds the ciphertext to the tenant: another tenant id cannot unwrap it', async () => {
    const driver = withKeys();
    const edek = await wrapWatched(driver);
    const error = await refusal(driver.unwrap(edek, { tenantId: 'tenant-b' }), 'kms_unwrap_failed');
    expect(error.tspCode).toBe(205);
  });

  it('binds a 64-byte tenant secret to its secretPath and tenantSecretId beside the tenant (encryption context)', async () => {
    const driver = withKeys();
    const tenantOnlyEdek = await wrapWatched(driver);
    await expectContextBinding(driver, { tenantId: tenant.tenantId, dek, tenantOnlyEdek, refusal });
  });
});

describe('AWS KMS driver: what one proxy shares between configurations', () => {
  it("a driver made again with its configuration's memo keeps the role session; another configuration's memo is not shared", async () => {
    double.resetCalls();
    const options = double.driverOptions(vendor, 2000);
    const memo = {};
    const first = kit.keep(createKmsDriver('aws-kms', double.assumeRoleSettings(key, role), options, memo));
    const edek = await first.wrap(dek, tenant);
    // The TSP's driver cache closed it for room, and makes it again on the tenant's next request.
    first.close();
    const again = kit.keep(createKmsDriver('aws-kms', double.assumeRoleSettings(key, role), options, memo));
    expect(await again.unwrap(edek, tenant)).toEqual(dek);
    expect(double.count({ service: 'sts', target: 'AssumeRole', status: 200 })).toBe(1);
    // A fresh memo (another configuration, or another version) signs in for itself.
    const fresh = kit.keep(createKmsDriver('aws-kms', double.assumeRoleSettings(key, role), options, {}));
    expect(await fresh.unwrap(edek, tenant)).toEqual(dek);
    expect(double.count({ service: 'sts', target: 'AssumeRole', status: 200 })).toBe(2);
  });

  it('drivers made with one options object share the agents and the STS client, yet each signs with its own credentials', async () => {
    double.resetCalls();
    const options = double.driverOptions(vendor, 2000);
    const otherKey = double.createKey();
    const otherRole = double.addRole({ trusted: [vendor.accessKeyId] });
    const other = double.addUser();
    const mine = kit.keep(createKmsDriver('aws-kms', double.assumeRoleSettings(key, role), options));
    const theirs = kit.keep(createKmsDriver('aws-kms', double.assumeRoleSettings(otherKey, otherRole), options));
    const keys = kit.keep(createKmsDriver('aws-kms', double.accessKeySettings(otherKey, other), options));
    const [a, b, c] = await Promise.all([mine.wrap(dek, tenant), theirs.wrap(dek, tenant), keys.wrap(dek, tenant)]);
    expect(double.count({ service: 'kms', principal: role.roleArn, status: 200 })).toBe(1);
    expect(double.count({ service: 'kms', principal: otherRole.roleArn, status: 200 })).toBe(1);
    expect(double.count({ service: 'kms', principal: other.accessKeyId, status: 200 })).toBe(1);
    expect(double.count({ service: 'sts', target: 'AssumeRole', status: 200 })).toBe(2);
    // Each configuration's key only: the other role's ciphertext is refused under this one's key.
    expect(await mine.unwrap(a, tenant)).toEqual(dek);
    await expect(mine.unwrap(b, tenant)).rejects.toMatchObject({ code: 'kms_unwrap_failed' });
    expect(await keys.unwrap(c, tenant)).toEqual(dek);
    // Closing one driver leaves the others' shared agents working.
    mine.close();
    expect(await theirs.unwrap(b, tenant)).toEqual(dek);
  });

  it("one configuration's slow calls at its limit do not queue another configuration's calls", async () => {
    const options = { ...double.driverOptions(undefined, 2000), aws: { ...double.driverOptions(undefined, 2000).aws, maxConcurrency: 2 } };
    const slow = kit.keep(createKmsDriver('aws-kms', double.accessKeySettings(key, user), options));
    const quick = kit.keep(createKmsDriver('aws-kms', double.accessKeySettings(key, user), options));
    double.delay(1500);
    const pending = Array.from({ length: 6 }, () => slow.wrap(dek, tenant).catch((error: unknown) => error));
    await new Promise((resolve) => setTimeout(resolve, 100));
    double.delay(0);
    const started = Date.now();
    await quick.wrap(dek, tenant);
    // The slow configuration holds its 2 sockets for 1.5 s and 4 more calls wait in its own line, not in the shared agent.
    expect(Date.now() - started).toBeLessThan(1000);
    await Promise.all(pending);
  });
});

describe('AWS KMS driver: every AWS failure maps to our code', () => {
  it('a disabled key → kms_unauthorized (206), and works again once enabled', async () => {
    const driver = withKeys();
    double.disableKey(key.keyArn);
    const error = await refusal(driver.wrap(dek, tenant), 'kms_unauthorized');
    expect(error.tspCode).toBe(206);
    expect(error.message).toBe('AWS KMS refused: the key is disabled (DisabledException).');
    double.enableKey(key.keyArn);
    await driver.wrap(dek, tenant);
  });

  it('a key pending deletion → kms_unauthorized', async () => {
    const doomed = double.createKey();
    double.scheduleKeyDeletion(doomed.keyArn);
    await refusal(withKeys({ keyArn: doomed.keyArn }).wrap(dek, tenant), 'kms_unauthorized');
  });

  it('a denied principal and a key policy without it → kms_unauthorized', async () => {
    const driver = withKeys();
    const edek = await wrapWatched(driver);
    double.deny(user.accessKeyId);
    await refusal(driver.unwrap(edek, tenant), 'kms_unauthorized');
    double.allow(user.accessKeyId);
    const private_ = double.createKey({ allow: [vendor.accessKeyId] });
    await refusal(withKeys({ keyArn: private_.keyArn }).wrap(dek, tenant), 'kms_unauthorized');
  });

  it('throttling → kms_throttled (209) after the bounded retry', async () => {
    const driver = withKeys();
    double.resetCalls();
    double.throttle(true);
    expect((await refusal(driver.wrap(dek, tenant), 'kms_throttled')).tspCode).toBe(209);
    expect(double.count({ error: 'ThrottlingException' })).toBe(2);
  });

  it('dropped connections and a closed port → kms_unreachable (208) within the time limit', async () => {
    double.dropConnections(true);
    expect((await refusedWithin(1500, () => refusal(withKeys({}, 1000).wrap(dek, tenant), 'kms_unreachable'))).tspCode).toBe(208);

    const port = await closedPort();
    const closed = createKmsDriver('aws-kms', double.accessKeySettings(key, user), { timeoutMs: 1000, aws: { endpoints: { kms: `http://127.0.0.1:${port}` } } });
    kit.keep(closed);
    const error = await refusedWithin(1500, () => refusal(closed.wrap(dek, tenant), 'kms_unreachable'));
    expect(error.message).toMatch(/ECONNREFUSED/);
  });

  it('an endpoint whose TLS certificate does not verify → kms_unreachable (208), naming the TLS code', async () => {
    const tls = makeTestTls(['localhost']);
    const server = https.createServer({ cert: tls.certPem, key: tls.keyPem }, (_req, res) => res.end('{}')).listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as { port: number };
      const untrusted = createKmsDriver('aws-kms', double.accessKeySettings(key, user), { timeoutMs: 2000, aws: { endpoints: { kms: `https://localhost:${port}` } } });
      kit.keep(untrusted);
      const error = await refusal(untrusted.wrap(dek, tenant), 'kms_unreachable');
      expect(error.tspCode).toBe(208);
      expect(error.message).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY/);
    } finally {
      server.close();
    }
  });

  it('a KMS slower than the time limit, or a cancelled call → kms_unreachable', async () => {
    double.delay(3000);
    const error = await refusedWithin(1000, () => refusal(withKeys({}, 300).wrap(dek, tenant), 'kms_unreachable'));
    expect(error.message).toBe('AWS KMS did not answer within 300 ms.');
    const cancelled = await refusal(withKeys().wrap(dek, tenant, AbortSignal.timeout(50)), 'kms_unreachable');
    expect(cancelled.message).toBe('The call to AWS KMS was cancelled before it answered.');
  });

  it('a wrong external id, an untrusted caller, unknown vendor credentials → kms_unauthorized', async () => {
    await refusal(withRole({ roleArn: role.roleArn, externalId: 'not-the-external-id' }).wrap(dek, tenant), 'kms_unauthorized');
    const stranger = double.addUser();
    const error = await refusal(withRole(role, stranger).wrap(dek, tenant), 'kms_unauthorized');
    expect(error.message).toMatch(/^AWS STS refused to let the proxy assume the role: .*\(AccessDenied\)\.$/);
    const forged = { ...vendor, accessKeyId: 'AKIAZZZZZZZZZZZZZZZZ' };
    expect((await refusal(withRole(role, forged).wrap(dek, tenant), 'kms_unauthorized')).message).toMatch(/InvalidClientTokenId/);
  });

  it('expired temporary credentials → kms_unauthorized', async () => {
    const driver = withRole();
    await driver.wrap(dek, tenant);
    double.expireSessions();
    expect((await refusal(driver.wrap(dek, tenant), 'kms_unauthorized')).message).toMatch(/ExpiredTokenException/);
  });

  it('an account issue → kms_account_issue (210), from STS and from KMS', async () => {
    double.accountIssue(true);
    expect((await refusal(withRole().wrap(dek, tenant), 'kms_account_issue')).message).toMatch(/RegionDisabledException/);
    expect((await refusal(withKeys().wrap(dek, tenant), 'kms_account_issue')).tspCode).toBe(210);
  });

  it('an unknown key and a signing key → kms_config_invalid (207)', async () => {
    const missing = key.keyArn.replace(/key\/.*/, 'key/00000000-0000-4000-8000-000000000000');
    expect((await refusal(withKeys({ keyArn: missing }).wrap(dek, tenant), 'kms_config_invalid')).tspCode).toBe(207);
    const signing = double.createKey({ usage: 'SIGN_VERIFY' });
    await refusal(withKeys({ keyArn: signing.keyArn }).wrap(dek, tenant), 'kms_config_invalid');
  });

  it('garbage, a tampered ciphertext and another key’s ciphertext → kms_unwrap_failed (205)', async () => {
    const driver = withKeys();
    await refusal(driver.unwrap(new Uint8Array([1, 2, 3, 4]), tenant), 'kms_unwrap_failed');
    const edek = await wrapWatched(driver);
    const tampered = Uint8Array.from(edek);
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] as number) ^ 0x80;
    await refusal(driver.unwrap(tampered, tenant), 'kms_unwrap_failed');
    const other = double.createKey();
    const foreign = await wrapWatched(withKeys({ keyArn: other.keyArn }));
    expect((await refusal(driver.unwrap(foreign, tenant), 'kms_unwrap_failed')).message).toMatch(/IncorrectKeyException/);
  });

  it('a wrong secret and an unknown access key → kms_unauthorized', async () => {
    const wrongSecret = `${user.secretAccessKey.slice(0, 39)}${user.secretAccessKey.endsWith('A') ? 'B' : 'A'}`;
    expect((await refusal(withKeys({ secretAccessKey: wrongSecret }).wrap(dek, tenant), 'kms_unauthorized')).message).toMatch(/InvalidSignatureException/);
    expect((await refusal(withKeys({ accessKeyId: 'AKIAZZZZZZZZZZZZZZZZ' }).wrap(dek, tenant), 'kms_unauthorized')).message).toMatch(/UnrecognizedClientException/);
  });

  it('a plaintext KMS refuses as malformed → kms_wrap_failed (204)', async () => {
    expect((await refusal(withKeys().wrap(new Uint8Array(4097), tenant), 'kms_wrap_failed')).tspCode).toBe(204);
  });

  // Errors the double's controls cannot cause by themselves, injected as AWS would send them (both attempts).
  it.each([
    ['kms', 'LimitExceededException', 400, 'kms_throttled'],
    ['kms', 'SlowDownPlease', 429, 'kms_throttled'],
    ['kms', 'KMSInternalException', 500, 'kms_wrap_failed'],
    ['kms', 'DependencyTimeoutException', 503, 'kms_unreachable'],
    ['kms', 'KeyUnavailableException', 500, 'kms_unreachable'],
    ['kms', 'InvalidArnException', 400, 'kms_config_invalid'],
    ['kms', 'IncompleteSignatureException', 400, 'kms_unauthorized'],
    ['kms', 'MissingAuthenticationTokenException', 400, 'kms_unauthorized'],
    ['kms', 'SubscriptionRequiredException', 400, 'kms_account_issue'],
    ['kms', 'AccountSuspended', 403, 'kms_account_issue'],
    ['kms', 'SomethingNew', 400, 'kms_wrap_failed'],
    ['sts', 'Throttling', 400, 'kms_throttled'],
    ['sts', 'InternalFailure', 500, 'kms_unreachable'],
    ['sts', 'OptInRequired', 403, 'kms_account_issue'],
    ['sts', 'SignatureDoesNotMatch', 403, 'kms_unauthorized'],
    ['sts', 'ExpiredToken', 400, 'kms_unauthorized'],
  ] as const)('%s %s (%i) → %s', async (service, type, status, code) => {
    double.inject({ service, type, status, message: 'arn:aws:kms:secret-free', times: 2 });
    const error = await refusal((service === 'sts' ? withRole() : withKeys()).wrap(dek, tenant), code);
    expect(error.message).not.toContain('secret-free');
  });

  it('KMSInternalException while unwrapping → kms_unwrap_failed', async () => {
    const driver = withKeys();
    const edek = await wrapWatched(driver);
    double.inject({ type: 'KMSInternalException', status: 500, times: 2 });
    await refusal(driver.unwrap(edek, tenant), 'kms_unwrap_failed');
  });
});
