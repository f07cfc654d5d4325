// Leased keys through the whole TSP (docs/tsp.md "Leased keys"): the
// reference product's own Node client (@ironcorelabs/tenant-security-nodejs,
// unmodified, a devDependency for tests) against our TSP, for a tenant whose
// HashiCorp Vault Transit configuration turns leasing on. Vault is the
// protocol double in lib/testing/kms/vault-double.ts (no Vault is reachable
// here); what is counted is how often the TSP asks it. Proves the EDEK layout
// (fields 3 to 5), one KMS call per lease, that a key denied inside the KMS
// keeps working for the lifetime while a configuration disabled in the broker
// is refused at once and its leased keys wiped, that a change to the
// configuration wipes them too, and the same SIEM events and usage as
// without leasing.
import { DocumentMetadata, type TenantSecurityClient } from '@ironcorelabs/tenant-security-nodejs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { decodeEdek } from '@/lib/tsp';
import { sealTestConfig, type TTestConfig } from '@/lib/testing/bundle-factory';
import { codeOf, startCompatWorld } from '@/lib/testing/kms/compat-suite';
import { startVaultDouble, type TDoubleTransitKey, type TVaultDouble, type TVaultDoubleToken } from '@/lib/testing/kms/vault-double';
import { type TTspWorld, WEBHOOK_SECRET } from '@/lib/testing/tsp-world';

let vault: TVaultDouble;
let world: TTspWorld;
let client: TenantSecurityClient;
let key: TDoubleTransitKey;
let token: TVaultDoubleToken;
let leased: TTestConfig;
/** The TSP's clock: real time plus what a test skips ahead. */
let skipped = 0;
const meta = new DocumentMetadata('leasy', 'svc-orders', 'PII');
const doc = { body: Buffer.from('under a leased key') };
const encrypts = () => vault.count('transit/encrypt/leasy');
const decrypts = () => vault.count('transit/decrypt/leasy');

async function metric(name: string): Promise<number> {
  const text = await (await fetch(`${world.healthUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(name));
  return Number(line?.split(' ').at(-1));
}

beforeAll(async () => {
  vault = await startVaultDouble();
  key = vault.createKey({ name: 'leasy' });
  token = vault.createToken();
  const started = await startCompatWorld({
    tsp: { now: () => Date.now() + skipped },
    tenants: { leasy: [{ provider: 'hashicorp-vault-transit', settings: { ...vault.settings(key, token), leasedKeyLifetime: '3600' }, primary: true }] },
  });
  ({ world, client } = started);
  leased = started.configOf('leasy');
}, 60_000);

afterAll(async () => {
  await world?.stop();
  await vault?.stop();
});

describe('leased keys through the TSP, with the reference Node client', () => {
  let first: Awaited<ReturnType<TenantSecurityClient['encryptDocument']>>;

  it('makes leased EDEKs (fields 3 to 5) with one KMS call for many documents, and opens them with none', async () => {
    first = await client.encryptDocument(doc, meta);
    const more = await Promise.all(Array.from({ length: 30 }, () => client.encryptDocument(doc, meta)));
    expect(encrypts()).toBe(1);
    const entry = decodeEdek(first.edek)[0];
    expect(entry?.leasedKeyId).toBeGreaterThan(0);
    expect(entry?.leasedKeyIv).toHaveLength(12);
    expect(entry?.encryptedLeasedKeyData.length).toBeGreaterThan(0);
    expect(entry).toMatchObject({ kmsConfigId: leased.kmsConfigId, tenantId: 'leasy' });
    // The leased key inside is Vault's ciphertext, bound to the tenant like any other.
    expect(Buffer.from(decodeEdek(Buffer.from(entry?.encryptedLeasedKeyData ?? []).toString('base64'))[0]?.encryptedDekData ?? []).toString()).toMatch(/^vault:v1:/);
    const opened = await Promise.all([first, ...more].map((e) => client.decryptDocument(e, meta)));
    expect(opened.every((o) => o.plaintextDocument.body?.toString() === 'under a leased key')).toBe(true);
    expect(decrypts()).toBe(0);
    expect(await metric('tsp_lease_cache_total{result="hit"}')).toBeGreaterThanOrEqual(31);
    expect(await metric('tsp_lease_cache_entries')).toBe(1);
  });

  it('a batch of documents takes no KMS call', async () => {
    const before = encrypts() + decrypts();
    const docs = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`doc-${i}`, doc]));
    const batch = await client.encryptDocumentBatch(docs, meta);
    expect(Object.keys(batch.successes)).toHaveLength(50);
    const opened = await client.decryptDocumentBatch(batch.successes, meta);
    expect(opened.hasFailures).toBe(false);
    expect(encrypts() + decrypts()).toBe(before);
  });

  it('every leased key use is still one event in the tenant’s SIEM', async () => {
    await world.change('leasy', (t) => sealTestConfig(t, { provider: 'webhook', settings: { url: world.webhook.url('/cmk/events'), hmacSecret: WEBHOOK_SECRET, headers: {} }, primary: true }).then(() => undefined));
    const withNote = new DocumentMetadata('leasy', 'svc-orders', 'PII', '10.1.2.3', 'order-9', 'req-9', { note: 'leased-siem' });
    const encrypted = await client.encryptDocument(doc, withNote);
    await client.decryptDocument(encrypted, withNote);
    const seen = () => world.webhook.events.filter((e) => e.tenantId === 'leasy' && e.customFields.note === 'leased-siem').map((e) => `${e.event}:${e.outcome}:${e.kmsConfigId}`);
    await expect.poll(seen, { timeout: 5_000 }).toEqual([`wrap:success:${leased.kmsConfigId}`, `unwrap:success:${leased.kmsConfigId}`]);
  });

  it('a key denied inside the KMS keeps working until the lifetime ends, then is refused', async () => {
    vault.deny('leasy');
    try {
      // Within the lifetime: from the cache, as the configuration page warns.
      expect((await client.decryptDocument(first, meta)).plaintextDocument.body?.toString()).toBe('under a leased key');
      await client.encryptDocument(doc, meta);
      // Past the lifetime: the leased key is forgotten, and the KMS refuses to open it again or to lease a new one.
      skipped += 3_600_000;
      expect(await codeOf(client.decryptDocument(first, meta))).toBe(206);
      expect(await codeOf(client.encryptDocument(doc, meta))).toBe(206);
    } finally {
      vault.allow('leasy');
    }
    expect((await client.decryptDocument(first, meta)).plaintextDocument.body?.toString()).toBe('under a leased key');
  });

  it('a change to the configuration wipes its leased keys: the next unwrap asks the KMS', async () => {
    const edek = await client.encryptDocument(doc, meta);
    await client.decryptDocument(edek, meta);
    const before = decrypts();
    await world.change('leasy', (t) => sealTestConfig(t, { provider: 'hashicorp-vault-transit', configId: leased.configId, settings: { ...vault.settings(key, token), leasedKeyLifetime: '900' }, primary: true }).then(() => undefined));
    expect(await metric('tsp_lease_cache_entries')).toBe(0);
    await client.decryptDocument(edek, meta);
    expect(decrypts()).toBe(before + 1);
  });

  it('a configuration disabled in the broker is refused at once (202), whatever the cache holds, and its keys are wiped', async () => {
    const edek = await client.encryptDocument(doc, meta);
    await client.decryptDocument(edek, meta);
    expect(await metric('tsp_lease_cache_entries')).toBeGreaterThan(0);
    await world.change('leasy', (t) => void Object.assign(t.configs.get(leased.configId)!, { status: 'disabled', primary: false }));
    expect(await codeOf(client.decryptDocument(edek, meta))).toBe(202);
    expect(await metric('tsp_lease_cache_entries')).toBe(0);
  });
});
