// The TSP's tenant-secrets module (lib/tsp/secrets.ts) against the AWS KMS
// protocol double (SigV4 checked, real AES-GCM, encryption context enforced;
// no cloud KMS is reachable here). The broker's storage is a function here
// that keeps the first writer's row, as POST /api/v1/proxy/secrets does
// (tested against the real broker in lib/server and lib/tsp/derive.int.test.ts).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { secretDigest } from '@/lib/crypto/tenant-secrets';
import type { TProxyConfig, TProxyError, TProxyTenant } from '@/lib/proxy-client';
import type { TStoredSecret } from '@/lib/proxy-client/types';
import { startAwsKmsDouble, type TAwsKmsDouble } from '@/lib/testing/kms/aws-kms-double';
import { createDriverCache, type TDriverCache } from './configs';
import { createLeases } from './lease';
import { SILENT_LOGGER } from './log';
import { createTenantSecrets, SECRET_BYTES, type TStoreSecret } from './secrets';

let kms: TAwsKmsDouble;
let drivers: TDriverCache;
let settings: Record<string, string>;
let stored: Map<string, TStoredSecret>;
let posts: number;

const storeSecret: TStoreSecret = async (input) => {
  posts += 1;
  const key = `${input.tenantId}|${input.secretPath}|${input.tenantSecretId}`;
  // A little later than the caller: lets concurrent callers race, as replicas do.
  await new Promise((resolve) => setTimeout(resolve, 5));
  if (!stored.has(key)) stored.set(key, { secretPath: input.secretPath, tenantSecretId: input.tenantSecretId, kmsConfigId: input.kmsConfigId, wrapped: input.wrapped, createdAt: new Date().toISOString() });
  return stored.get(key) as TStoredSecret;
};

function tenant(tenantId: string, extra: { leased?: string; status?: 'active' | 'disabled'; rows?: TStoredSecret[]; digests?: Map<string, string> } = {}): TProxyTenant {
  const config: TProxyConfig = {
    configId: `cfg_${tenantId}`,
    label: null,
    kind: 'kms',
    provider: 'aws-kms',
    version: 1,
    status: extra.status ?? 'active',
    primary: (extra.status ?? 'active') === 'active',
    kmsConfigId: 1,
    settings: { ...settings, ...(extra.leased ? { leasedKeyLifetime: extra.leased } : {}) },
  };
  const rows = new Map<string, TStoredSecret & { digest: string }>();
  for (const row of extra.rows ?? []) rows.set(`${row.secretPath}\u0000${row.tenantSecretId}`, { ...row, digest: extra.digests?.get(row.wrapped) ?? '' });
  return { tenantId, status: 'active', seq: 1, approved: true, configs: [config], primary: config.status === 'active' ? { kms: config } : {}, secrets: { listed: [], stored: rows } };
}

beforeAll(async () => {
  kms = await startAwsKmsDouble();
  const user = kms.addUser();
  settings = kms.accessKeySettings(kms.createKey({ allow: [user.accessKeyId] }), user);
  drivers = createDriverCache(kms.driverOptions(undefined, 2_000));
});

afterAll(async () => {
  drivers.close();
  await kms.stop();
});

beforeEach(() => {
  stored = new Map();
  posts = 0;
  kms.resetCalls();
});

const copy = (secrets: { secret: Buffer }[]) => secrets.map((s) => Buffer.from(s.secret));

describe('tenant secrets in the TSP', () => {
  it('makes the current secret once however many ask at once, and every caller gets the same one', async () => {
    const secrets = createTenantSecrets({ drivers, storeSecret, logger: SILENT_LOGGER });
    const acme = tenant('acme');
    const got = await Promise.all(Array.from({ length: 8 }, () => secrets.withSecrets(acme, 'ssn', copy)));
    expect(posts).toBe(1);
    expect(kms.count({ target: 'Encrypt' })).toBe(1);
    for (const list of got) {
      expect(list).toHaveLength(1);
      expect(list[0]).toHaveLength(SECRET_BYTES);
      expect(list[0]?.equals(got[0]?.[0] as Buffer)).toBe(true);
    }
  });

  it('a replica that loses the race uses the winner’s secret, opened through the KMS', async () => {
    const one = createTenantSecrets({ drivers, storeSecret, logger: SILENT_LOGGER });
    const two = createTenantSecrets({ drivers, storeSecret, logger: SILENT_LOGGER });
    const [a, b] = await Promise.all([one.withSecrets(tenant('globex'), 'email', copy), two.withSecrets(tenant('globex'), 'email', copy)]);
    expect(posts).toBe(2);
    expect(stored.size).toBe(1);
    expect(a[0]?.equals(b[0] as Buffer)).toBe(true);
    expect(kms.count({ target: 'Decrypt' })).toBe(1);
  });

  it('hands the secret to `run` and wipes it after, unless the configuration leases keys', async () => {
    const secrets = createTenantSecrets({ drivers, storeSecret, logger: SILENT_LOGGER, leases: createLeases({}) });
    let held: Buffer | undefined;
    await secrets.withSecrets(tenant('acme'), 'ssn', (list) => (held = list[0]?.secret));
    expect(held?.every((b) => b === 0)).toBe(true);

    const row = stored.get('acme|ssn|1') as TStoredSecret;
    const leased = tenant('acme', { leased: '300', rows: [row], digests: new Map([[row.wrapped, await secretDigest(1, row.wrapped)]]) });
    let cached: Buffer | undefined;
    await secrets.withSecrets(leased, 'ssn', (list) => (cached = list[0]?.secret));
    await secrets.withSecrets(leased, 'ssn', () => null);
    expect(kms.count({ target: 'Decrypt' })).toBe(1);
    expect(secrets.stats().cached).toBe(1);
    expect(cached?.some((b) => b !== 0)).toBe(true);
    // Disabled: refused before the cache, and the sweep wipes it.
    const disabled = tenant('acme', { leased: '300', status: 'disabled', rows: [row], digests: new Map([[row.wrapped, await secretDigest(1, row.wrapped)]]) });
    await expect(secrets.withSecrets(disabled, 'ssn', () => null)).rejects.toMatchObject({ code: 202 });
    secrets.sweep(() => disabled);
    expect(secrets.stats().cached).toBe(0);
    expect(cached?.every((b) => b === 0)).toBe(true);
  });

  it('does not serve a secret the KMS will not open under its binding, and reports it once', async () => {
    const problems: TProxyError[] = [];
    const secrets = createTenantSecrets({ drivers, storeSecret, logger: SILENT_LOGGER, onProblem: (_t, p) => problems.push(p) });
    await secrets.withSecrets(tenant('acme'), 'ssn', () => null);
    const theirs = stored.get('acme|ssn|1') as TStoredSecret;
    // acme's secret, handed over as initech's own (same KMS key: only the binding differs).
    const moved = tenant('initech', { rows: [theirs] });
    expect(await secrets.withSecrets(moved, 'ssn', (list) => list.length)).toBe(0);
    expect(await secrets.withSecrets(moved, 'ssn', (list) => list.length)).toBe(0);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ tenantId: 'initech', code: 'secret_unwrap', configId: 'cfg_initech' });
    expect(secrets.problems()).toHaveLength(1);
    expect(posts).toBe(1);
  });

  it('makes no new secret without a primary KMS configuration', async () => {
    const secrets = createTenantSecrets({ drivers, storeSecret, logger: SILENT_LOGGER });
    const none = { ...tenant('hooli'), primary: {} };
    expect(await secrets.withSecrets(none, 'ssn', (list) => list.length)).toBe(0);
    expect(posts).toBe(0);
  });

  it('reports a secret the state lists that the broker did not hand over', async () => {
    const secrets = createTenantSecrets({ drivers, storeSecret, logger: SILENT_LOGGER });
    const withheld = { ...tenant('umbrella'), secrets: { listed: [{ secretPath: 'ssn', tenantSecretId: 1, status: 'rotating' as const, digest: 'A'.repeat(43) }, { secretPath: 'ssn', tenantSecretId: 2, status: 'current' as const }], stored: new Map() } };
    const ids = await secrets.withSecrets(withheld, 'ssn', (list) => list.map((s) => s.tenantSecretId));
    expect(ids).toEqual([2]);
    expect(secrets.problems()).toEqual([expect.objectContaining({ tenantId: 'umbrella', code: 'secret_invalid', message: expect.stringContaining('did not hand it over') })]);
  });
});
