// The reference product's own Node client (@ironcorelabs/tenant-security-nodejs
// 4.1.3, AGPL, a devDependency for this test only), unmodified, against our
// TSP: round trips, batches, rekey, security events, and the error code it
// surfaces for every refusal. The KMS (AWS KMS + STS) and the SIEMs (webhook,
// Splunk HEC) are protocol doubles in this repo: no cloud or SIEM is reachable
// here. The tenants' configurations are sealed and signed with the real
// crypto and verified by the real proxy client (lib/testing/tsp-world.ts).
import { DocumentMetadata, EventMetadata, TenantSecurityClient, TenantSecurityErrorCode, UserEvent } from '@ironcorelabs/tenant-security-nodejs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeEdek } from '@/lib/tsp';
import { codeOf, disableConfig, startCompatWorld } from '@/lib/testing/kms/compat-suite';
import { scanForSecrets, formatFindings, type Canary } from '@/lib/testing/secret-scan';
import { HEC_TOKEN, TSP_API_KEY, WEBHOOK_SECRET, type TTspWorld } from '@/lib/testing/tsp-world';

let world: TTspWorld;
let client: TenantSecurityClient;
const meta = (tenantId: string) => new DocumentMetadata(tenantId, 'svc-orders', 'PII', '10.1.2.3', 'order-42', 'req-1', { region: 'eu' });
const doc = { title: Buffer.from('quarterly numbers'), body: Buffer.from('the canary-plaintext-8f2e stays in the app') };
/** Key uses each tenant's SIEM must have seen, counted as the test goes. */
const expected = { acme: 0, globex: 0, acmeSecurity: 0 };
const canaries: Canary[] = [];

beforeAll(async () => {
  ({ world, client } = await startCompatWorld({ flushMs: 10, tenants: {} }));
  canaries.push({ label: 'TSP API key', value: TSP_API_KEY }, { label: 'webhook secret', value: WEBHOOK_SECRET }, { label: 'HEC token', value: HEC_TOKEN });
  for (const user of world.kms.users) canaries.push({ label: `AWS secret of ${user.accessKeyId}`, value: user.secretAccessKey });
}, 60_000);

afterAll(async () => {
  await world?.stop();
});

describe('the reference Node client against our TSP', () => {
  let encrypted: Awaited<ReturnType<TenantSecurityClient['encryptDocument']>>;

  it('encrypts and decrypts a document', async () => {
    encrypted = await client.encryptDocument(doc, meta('acme'));
    expected.acme += 1;
    expect(encrypted.encryptedDocument.title?.equals(doc.title)).toBe(false);
    const decrypted = await client.decryptDocument(encrypted, meta('acme'));
    expected.acme += 1;
    expect(decrypted.plaintextDocument.body?.toString()).toBe(doc.body.toString());
    canaries.push({ label: 'EDEK', value: encrypted.edek });
  });

  it('writes EDEKs in the reference protobuf layout, naming the signed kmsConfigId and the tenant', () => {
    const entries = decodeEdek(encrypted.edek);
    expect(entries).toHaveLength(1);
    const [entry] = entries;
    expect(entry?.kmsConfigId).toBe(world.kmsConfig.acme?.kmsConfigId);
    expect(entry?.kmsConfigId).not.toBe(0);
    expect(entry?.tenantId).toBe('acme');
    expect(entry?.leasedKeyId).toBe(0);
    expect(entry?.encryptedDekData.length).toBeGreaterThan(32);
    canaries.push({ label: 'EDEK key material', value: entry?.encryptedDekData as Uint8Array });
  });

  it('encrypts and decrypts a batch, with a per-document failure', async () => {
    const batch = await client.encryptDocumentBatch({ a: doc, b: doc, c: doc }, meta('acme'));
    expected.acme += 3;
    expect(Object.keys(batch.successes).sort()).toEqual(['a', 'b', 'c']);
    expect(batch.hasFailures).toBe(false);
    const forged = { ...batch.successes.c!, edek: Buffer.from('not an edek at all').toString('base64') };
    const opened = await client.decryptDocumentBatch({ a: batch.successes.a!, b: batch.successes.b!, c: forged }, meta('acme'));
    expected.acme += 3;
    expect(Object.keys(opened.successes).sort()).toEqual(['a', 'b']);
    expect(opened.successes.a?.plaintextDocument.title?.toString()).toBe('quarterly numbers');
    expect(opened.failures.c?.errorCode).toBe(TenantSecurityErrorCode.INVALID_PROVIDED_EDEK);
  });

  it('rekeys an EDEK to another tenant (assume-role KMS), which then decrypts the document', async () => {
    const edek = await client.rekeyEdek(encrypted.edek, 'globex', meta('acme'));
    expected.acme += 1;
    expected.globex += 1;
    expect(decodeEdek(edek)[0]?.tenantId).toBe('globex');
    const decrypted = await client.decryptDocument({ ...encrypted, edek }, meta('globex'));
    expected.globex += 1;
    expect(decrypted.plaintextDocument.body?.toString()).toBe(doc.body.toString());
    // And the original tenant can no longer be asked to open globex's EDEK.
    expect(await codeOf(client.decryptDocument({ ...encrypted, edek }, meta('acme')))).toBe(TenantSecurityErrorCode.INVALID_PROVIDED_EDEK);
    expected.acme += 1;
  });

  it('logs a security event', async () => {
    await client.logSecurityEvent(UserEvent.LOGIN, new EventMetadata('acme', 'alice@acme', 'auth', 1_765_000_000_000, '10.9.8.7', undefined, 'req-login', { via: 'sso' }));
    expected.acmeSecurity += 1;
  });

  it('rejects a security event (301) for a tenant with no SIEM to receive it', async () => {
    expect(await codeOf(client.logSecurityEvent(UserEvent.LOGOUT, new EventMetadata('quiet', 'bob@quiet')))).toBe(TenantSecurityErrorCode.SECURITY_EVENT_REJECTED);
  });

  describe('surfaces the code of each refusal', () => {
    it('101 for a wrong API key', async () => {
      const wrong = new TenantSecurityClient(world.url, Buffer.from('a-wrong-key-of-sixteen+').toString('base64'));
      expect(await codeOf(wrong.encryptDocument(doc, meta('acme')))).toBe(TenantSecurityErrorCode.UNAUTHORIZED_REQUEST);
    });

    it('201 for an unknown, a suspended, and a not-approving tenant', async () => {
      for (const tenant of ['nobody', 'initech', 'umbrella']) {
        expect(await codeOf(client.encryptDocument(doc, meta(tenant))), tenant).toBe(TenantSecurityErrorCode.UNKNOWN_TENANT_OR_NO_ACTIVE_KMS_CONFIGURATIONS);
        expect(await codeOf(client.decryptDocument(encrypted, meta(tenant))), tenant).toBe(TenantSecurityErrorCode.UNKNOWN_TENANT_OR_NO_ACTIVE_KMS_CONFIGURATIONS);
      }
    });

    it('201 for a tenant whose only KMS configuration is disabled, 200 for one with no primary', async () => {
      expect(await codeOf(client.encryptDocument(doc, meta('hooli')))).toBe(TenantSecurityErrorCode.UNKNOWN_TENANT_OR_NO_ACTIVE_KMS_CONFIGURATIONS);
      expect(await codeOf(client.encryptDocument(doc, meta('nopri')))).toBe(TenantSecurityErrorCode.NO_PRIMARY_KMS_CONFIGURATION);
    });

    it('203 for a truncated, a forged and another tenant’s EDEK', async () => {
      const truncated = Buffer.from(encrypted.edek, 'base64').subarray(0, 20).toString('base64');
      expect(await codeOf(client.decryptDocument({ ...encrypted, edek: truncated }, meta('acme')))).toBe(TenantSecurityErrorCode.INVALID_PROVIDED_EDEK);
      expect(await codeOf(client.decryptDocument({ ...encrypted, edek: 'Zm9yZ2Vk' }, meta('acme')))).toBe(TenantSecurityErrorCode.INVALID_PROVIDED_EDEK);
      expect(await codeOf(client.decryptDocument(encrypted, meta('globex')))).toBe(TenantSecurityErrorCode.INVALID_PROVIDED_EDEK);
      expected.acme += 2;
      expected.globex += 1;
    });

    it('202 once the tenant disables the configuration, and decrypts again once it is re-enabled', async () => {
      const config = world.kmsConfig.acme!;
      await disableConfig(world, 'acme', config);
      expect(await codeOf(client.decryptDocument(encrypted, meta('acme')))).toBe(TenantSecurityErrorCode.KMS_CONFIGURATION_DISABLED);
      expect(await codeOf(client.encryptDocument(doc, meta('acme')))).toBe(TenantSecurityErrorCode.UNKNOWN_TENANT_OR_NO_ACTIVE_KMS_CONFIGURATIONS);
      await world.change('acme', (t) => void Object.assign(t.configs.get(config.configId)!, { status: 'active', primary: true }));
      expect((await client.decryptDocument(encrypted, meta('acme'))).plaintextDocument.title?.toString()).toBe('quarterly numbers');
      expected.acme += 3;
    });

    it('206 when the key is disabled in the KMS, 209 when it throttles, 208 when it is unreachable', async () => {
      const arn = world.kmsConfig.acme!.settings.keyArn as string;
      world.kms.disableKey(arn);
      expect(await codeOf(client.decryptDocument(encrypted, meta('acme')))).toBe(TenantSecurityErrorCode.KMS_AUTHORIZATION_FAILED);
      world.kms.enableKey(arn);
      world.kms.deny(world.kms.users[0]!.accessKeyId);
      expect(await codeOf(client.encryptDocument(doc, meta('acme')))).toBe(TenantSecurityErrorCode.KMS_AUTHORIZATION_FAILED);
      world.kms.allow(world.kms.users[0]!.accessKeyId);
      world.kms.throttle(true);
      expect(await codeOf(client.encryptDocument(doc, meta('acme')))).toBe(TenantSecurityErrorCode.KMS_THROTTLED);
      world.kms.throttle(false);
      world.kms.dropConnections(true);
      expect(await codeOf(client.decryptDocument(encrypted, meta('acme')))).toBe(TenantSecurityErrorCode.KMS_UNREACHABLE);
      world.kms.dropConnections(false);
      expected.acme += 4;
    });
  });

  it('the SIEMs hold exactly one event per key use and per security event, and no secret', async () => {
    await expect.poll(() => world.webhook.events.filter((e) => e.tenantId === 'acme').length, { timeout: 10_000 }).toBe(expected.acme + expected.acmeSecurity);
    await expect.poll(() => world.splunk.events.length, { timeout: 10_000 }).toBe(expected.acme + expected.acmeSecurity);
    await expect.poll(() => world.webhook.events.filter((e) => e.tenantId === 'globex').length, { timeout: 10_000 }).toBe(expected.globex);
    // Each event exactly once, at each destination.
    for (const events of [world.webhook.events, world.splunk.events]) expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    const login = world.splunk.events.find((e) => e.category === 'security_event');
    expect(login).toMatchObject({ event: 'USER_LOGIN', tenantId: 'acme', iclFields: { requestingId: 'alice@acme', sourceIp: '10.9.8.7', requestId: 'req-login' }, customFields: { via: 'sso' }, details: { timestampMillis: 1_765_000_000_000 } });
    const disabled = world.webhook.events.find((e) => e.errorCode === 202);
    expect(disabled).toMatchObject({ category: 'key_use', event: 'unwrap', outcome: 'failure', kmsConfigId: world.kmsConfig.acme?.kmsConfigId, deploymentId: world.deployment.id });
    const report = scanForSecrets([...world.webhook.events, ...world.splunk.events].map((value, i) => ({ where: `event ${i}`, value })), canaries);
    expect(report.findings, formatFindings(report.findings)).toEqual([]);
    // The scan looks at something: every event was read.
    expect(report.stats.values).toBe(world.webhook.events.length + world.splunk.events.length);
  });
});
