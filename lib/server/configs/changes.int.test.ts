// The server's checks of configuration changes, on both backends, with real
// sealed configurations and signed states made by the browser's own crypto:
// a good change is stored whole; a forged or replayed state, a wrong
// recipient set, a wrong digest or a lost race changes nothing. At the end
// every stored version is opened with the tenant keys in Node and checked
// against the signature, the digest in the state and the content.
import type { JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configDigest } from '@/lib/crypto/config-digest';
import { newConfigId, type TConfigDocument } from '@/lib/crypto/config-document';
import { openConfig } from '@/lib/crypto/open-config';
import { sealConfig } from '@/lib/crypto/seal-config';
import { generateTenantKeys, importTenantKeys, type TImportedTenantKeys } from '@/lib/crypto/tenant-keys';
import { signTenantState, verifyTenantState, type TTenantState } from '@/lib/crypto/tenant-state';
import type { TenantAccess } from '@/lib/server/authz';
import { applyConfigChange } from '@/lib/server/configs/changes';
import { closeDatabase, initDatabase, type Database } from '@/lib/server/db';
import { AppError } from '@/lib/server/errors';
import { createKeyedTenant } from '@/lib/testing/keyed-tenant';
import { backend, createTestDatabase, type TestDatabase } from '@/lib/testing/test-db';

const TENANT = 'initech';
let testDb: TestDatabase;
let db: Database;
let access: TenantAccess;
let keys: TImportedTenantKeys;
let encPublic: JWK;
let sigPublic: JWK;
let otherSigner: TImportedTenantKeys;
let state: TTenantState | null = null;

const settings = { keyArn: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab', secret: 'canary-secret-value' };

async function seal(configId: string, version: number, recipients = [{ kid: keys.encryptionKid, publicJwk: encPublic }]) {
  const document: TConfigDocument = { typ: 'kms', tenantId: TENANT, configId, version, provider: 'aws-kms', settings, iat: Math.floor(Date.now() / 1000) };
  return sealConfig({ document, signingKey: keys.signingKey, signingKid: keys.signingKid, recipients });
}

async function stateWith(configs: TTenantState['configs'], seq: number, signer = keys) {
  const next: TTenantState = { typ: 'tenant-state', tenantId: TENANT, seq, configs, recipients: [], iat: Math.floor(Date.now() / 1000) };
  return { next, jws: await signTenantState(next, signer.signingKey, signer.signingKid) };
}

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

async function seqOnRecord(): Promise<number> {
  return (await db.prisma.tenant.findUniqueOrThrow({ where: { externalId: TENANT }, select: { stateSeq: true } })).stateSeq;
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await initDatabase({ env: testDb.env, migrate: true });
  const other = await generateTenantKeys();
  otherSigner = await importTenantKeys({ encryption: other.encryption.privateJwk, signing: other.signing.privateJwk });
  await db.prisma.environment.create({ data: { id: 'env_cfg', slug: 'cfg', displayName: 'Cfg' } });
  ({ keys, encPublic, sigPublic, access } = await createKeyedTenant(db.prisma, { suffix: 'cfg', externalId: TENANT, displayName: 'Initech', environmentId: 'env_cfg', adminEmail: 'admin@initech.example' }));
});

afterAll(async () => {
  await closeDatabase();
  await testDb.drop();
});

describe(`configuration changes on ${backend}`, () => {
  const first = newConfigId();

  it('stores a new configuration with its signed state', async () => {
    const sealed = await seal(first, 1);
    const { next, jws } = await stateWith([{ configId: first, kind: 'kms', version: 1, status: 'active', primary: true, digest: sealed.digest }], 1);
    await expect(applyConfigChange(access, { state: jws, put: { configId: first, kind: 'kms', provider: 'aws-kms', label: 'Prod KMS', version: 1, jwe: sealed.jwe } })).resolves.toMatchObject({ seq: 1 });
    state = next;
    const stored = await db.prisma.tenantConfigVersion.findFirstOrThrow({ where: { configId: first } });
    expect(stored.digest).toBe(sealed.digest);
    expect(JSON.stringify(stored.jwe)).not.toContain('canary-secret-value');
    expect(await seqOnRecord()).toBe(1);
  });

  it('refuses a state not signed by the tenant signing key, and changes nothing', async () => {
    const { jws } = await stateWith(state!.configs.map((c) => ({ ...c, primary: false })), 2, otherSigner);
    const error = await refusal(applyConfigChange(access, { state: jws }));
    expect(error.code).toBe('validation_failed');
    expect(await seqOnRecord()).toBe(1);
  });

  it('refuses a replayed or skipping seq as changed elsewhere', async () => {
    for (const seq of [1, 3]) {
      const { jws } = await stateWith(state!.configs, seq);
      expect((await refusal(applyConfigChange(access, { state: jws }))).code).toBe('changed_elsewhere');
    }
    expect(await seqOnRecord()).toBe(1);
  });

  it('refuses a configuration encrypted to anyone but the tenant key', async () => {
    const stranger = await generateTenantKeys();
    const strangerKid = stranger.encryption.publicJwk.kid as string;
    const second = newConfigId();
    const sealed = await seal(second, 1, [
      { kid: keys.encryptionKid, publicJwk: encPublic },
      { kid: strangerKid, publicJwk: stranger.encryption.publicJwk },
    ]);
    const { jws } = await stateWith([...state!.configs, { configId: second, kind: 'kms', version: 1, status: 'active', primary: false, digest: sealed.digest }], 2);
    const error = await refusal(applyConfigChange(access, { state: jws, put: { configId: second, kind: 'kms', provider: 'aws-kms', label: 'X', version: 1, jwe: sealed.jwe } }));
    expect(error.fields[0]?.path).toBe('put.jwe');
    expect(await db.prisma.tenantConfig.count({ where: { id: second } })).toBe(0);
  });

  it('refuses a state whose digest is not the stored JWE’s, leaving nothing half-written', async () => {
    const second = newConfigId();
    const sealed = await seal(second, 1);
    const { jws } = await stateWith([...state!.configs, { configId: second, kind: 'kms', version: 1, status: 'active', primary: false, digest: 'A'.repeat(43) }], 2);
    const error = await refusal(applyConfigChange(access, { state: jws, put: { configId: second, kind: 'kms', provider: 'aws-kms', label: 'X', version: 1, jwe: sealed.jwe } }));
    expect(error.code).toBe('validation_failed');
    expect(await db.prisma.tenantConfig.count({ where: { id: second } })).toBe(0);
    expect(await db.prisma.tenantConfigVersion.count({ where: { configId: second } })).toBe(0);
    expect(await seqOnRecord()).toBe(1);
  });

  it('lets exactly one of two concurrent changes with the same seq win', async () => {
    const v2 = await seal(first, 2);
    const a = await stateWith([{ ...state!.configs[0]!, version: 2, digest: v2.digest }], 2);
    const b = await stateWith([{ ...state!.configs[0]!, status: 'active', primary: true }], 2);
    const results = await Promise.allSettled([
      applyConfigChange(access, { state: a.jws, put: { configId: first, kind: 'kms', provider: 'aws-kms', label: 'Prod KMS v2', version: 2, jwe: v2.jwe } }),
      applyConfigChange(access, { state: b.jws }),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect((lost[0]!.reason as AppError).code).toMatch(/changed_elsewhere|validation_failed/);
    expect(await seqOnRecord()).toBe(2);
    state = results[0]!.status === 'fulfilled' ? a.next : b.next;
  });

  it('deletes only a disabled configuration', async () => {
    const without = await stateWith([], 3);
    expect((await refusal(applyConfigChange(access, { state: without.jws, remove: { configId: first } }))).code).toBe('conflict');
    const disabled = await stateWith([{ ...state!.configs[0]!, status: 'disabled', primary: false }], 3);
    await applyConfigChange(access, { state: disabled.jws });
    state = disabled.next;
    expect((await db.prisma.tenantConfig.findUniqueOrThrow({ where: { id: first } })).status).toBe('disabled');
  });

  it('every stored version opens with the tenant keys and matches the signed state', async () => {
    const latest = await db.prisma.tenantState.findFirstOrThrow({ where: { tenantId: 'ten_cfg' }, orderBy: { seq: 'desc' } });
    const verified = await verifyTenantState(latest.jws, sigPublic, { tenantId: TENANT });
    const versions = await db.prisma.tenantConfigVersion.findMany({ orderBy: [{ configId: 'asc' }, { version: 'asc' }] });
    expect(versions.length).toBeGreaterThan(0);
    for (const v of versions) {
      expect(await configDigest(v.jwe as never)).toBe(v.digest);
      const document = await openConfig({
        jwe: v.jwe as never,
        decryptionKey: keys.encryptionKey,
        decryptionKid: keys.encryptionKid,
        verifyKey: sigPublic,
        expected: { tenantId: TENANT, configId: v.configId, version: v.version, digest: v.digest },
      });
      expect(document.settings).toEqual(settings);
      const listed = verified.configs.find((c) => c.configId === v.configId);
      if (listed && listed.version === v.version) expect(listed.digest).toBe(v.digest);
    }
  });
});
