// The server's checks of configuration changes, on both backends, with real
// sealed configurations and signed states made by the browser's own crypto:
// a good change is stored whole; a forged or replayed state, a wrong
// recipient set, a wrong digest or a lost race changes nothing; kmsConfigIds
// are kept by their configuration and never reused. At the end
// every stored version is opened with the tenant keys in Node and checked
// against the signature, the digest in the state and the content.
import { CompactSign, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configDigest } from '@/lib/crypto/config-digest';
import { newConfigId, type TConfigDocument } from '@/lib/crypto/config-document';
import { openConfig } from '@/lib/crypto/open-config';
import { sealConfig } from '@/lib/crypto/seal-config';
import { generateTenantKeys, importTenantKeys, type TImportedTenantKeys } from '@/lib/crypto/tenant-keys';
import { assignKmsConfigIds } from '@/lib/crypto/kms-config-ids';
import { signTenantState, verifyTenantState, type TTenantState, type TTenantStateConfig } from '@/lib/crypto/tenant-state';
import type { TConfigChange } from '@/lib/schemas/config-change';
import type { TenantAccess } from '@/lib/server/authz';
import { applyConfigChange } from '@/lib/server/configs/changes';
import { listConfigs } from '@/lib/server/configs/queries';
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

describe(`kmsConfigIds on ${backend}: kept, never reused, signed by the tenant`, () => {
  // A tenant of its own; its states are built as the browser builds them (assignKmsConfigIds) or broken on purpose.
  let t: Awaited<ReturnType<typeof createKeyedTenant>>;
  let current: TTenantState;
  const [a, b, c, d] = [newConfigId(), newConfigId(), newConfigId(), newConfigId()];
  const entry = (configId: string, digest: string, change: Partial<TTenantStateConfig> = {}): TTenantStateConfig => ({ configId, kind: 'kms', version: 1, status: 'active', primary: false, digest, ...change });
  const signed = (configs: TTenantStateConfig[], seq = current.seq + 1) =>
    signTenantState({ typ: 'tenant-state', tenantId: 'umbrella', seq, configs, recipients: [], iat: Math.floor(Date.now() / 1000) }, t.keys.signingKey, t.keys.signingKid);
  // Signed by the tenant key but past signTenantState's own checks: a buggy or hostile browser.
  const signedRaw = (configs: unknown[]) =>
    new CompactSign(new TextEncoder().encode(JSON.stringify({ typ: 'tenant-state', tenantId: 'umbrella', seq: current.seq + 1, configs, recipients: [], iat: Math.floor(Date.now() / 1000) })))
      .setProtectedHeader({ alg: 'ES256', kid: t.keys.signingKid, typ: 'cmk-tenant-state+jws' })
      .sign(t.keys.signingKey);
  const sealFor = (configId: string) =>
    sealConfig({ document: { typ: 'kms', tenantId: 'umbrella', configId, version: 1, provider: 'aws-kms', settings, iat: Math.floor(Date.now() / 1000) }, signingKey: t.keys.signingKey, signingKid: t.keys.signingKid, recipients: [{ kid: t.keys.encryptionKid, publicJwk: t.encPublic }] });
  const put = (configId: string, jwe: object) => ({ configId, kind: 'kms' as const, provider: 'aws-kms', label: configId, version: 1, jwe: jwe as never });
  const record = () => db.prisma.tenant.findUniqueOrThrow({ where: { id: 'ten_kid' }, select: { stateSeq: true, kmsConfigIdMax: true } });
  async function accept(change: TConfigChange) {
    await applyConfigChange(t.access, change);
    current = (await verifyTenantState(change.state, t.sigPublic, { tenantId: 'umbrella' }));
  }
  /** Refused as validation_failed with `message`, and nothing changed: seq, high-water mark, configurations. */
  async function refused(change: TConfigChange, message: RegExp) {
    const before = { record: await record(), configs: await db.prisma.tenantConfig.count({ where: { tenantId: 'ten_kid' } }) };
    const error = await refusal(applyConfigChange(t.access, change));
    expect(error.code).toBe('validation_failed');
    expect(error.message).toMatch(message);
    expect({ record: await record(), configs: await db.prisma.tenantConfig.count({ where: { tenantId: 'ten_kid' } }) }).toEqual(before);
  }

  beforeAll(async () => {
    t = await createKeyedTenant(db.prisma, { suffix: 'kid', externalId: 'umbrella', displayName: 'Umbrella', environmentId: 'env_cfg', adminEmail: 'admin@umbrella.example' });
  });

  it('accepts a state without ids (signed before they existed), then the next change giving them', async () => {
    const sealedA = await sealFor(a);
    const first = await signed([entry(a, sealedA.digest, { primary: true })], 1);
    await accept({ state: first, put: put(a, sealedA.jwe) });
    expect(current.configs[0]).not.toHaveProperty('kmsConfigId');
    expect(await record()).toEqual({ stateSeq: 1, kmsConfigIdMax: 0 });
    // The next change (b created): a gets 1, b gets 3 — any new id above the highest given is fine; a gap is not a reuse.
    const sealedB = await sealFor(b);
    await accept({ state: await signed([{ ...current.configs[0]!, kmsConfigId: 1 }, entry(b, sealedB.digest, { kmsConfigId: 3 })]), put: put(b, sealedB.jwe) });
    expect(await record()).toEqual({ stateSeq: 2, kmsConfigIdMax: 3 });
    expect((await listConfigs(t.access)).kmsConfigIdMax).toBe(3);
  });

  it('refuses a state that changes an id, drops one, gives a new one not above the highest, duplicates one, or gives one to a SIEM configuration', async () => {
    const [ea, eb] = current.configs as [TTenantStateConfig, TTenantStateConfig];
    await refused({ state: await signed([{ ...ea, kmsConfigId: 7 }, eb]) }, new RegExp(`Configuration ${a} has KMS configuration id 1; a state cannot change it \\(to 7\\)`));
    const { kmsConfigId: _, ...withoutId } = ea;
    await refused({ state: await signed([withoutId, eb]) }, new RegExp(`Configuration ${a} lost its KMS configuration id 1`));
    const sealedC = await sealFor(c);
    await refused({ state: await signed([ea, eb, entry(c, sealedC.digest, { kmsConfigId: 2 })]), put: put(c, sealedC.jwe) }, /KMS configuration id 2 for c_\S+ is not above 3, the highest given so far: ids are never reused/);
    await refused({ state: await signedRaw([ea, eb, entry(c, sealedC.digest, { kmsConfigId: 3 })]), put: put(c, sealedC.jwe) }, /The tenant state is not valid: .*kmsConfigId 3 is given to two configurations/);
    await refused({ state: await signedRaw([ea, eb, entry(c, 'A'.repeat(43), { kind: 'siem', kmsConfigId: 4 })]) }, /"kmsConfigId" belongs to KMS configurations only/);
    // The broker's record cannot be bypassed by re-issuing, nor by a key rotation's state (the same check): a re-issue moving an id is refused.
    await refused({ state: await signed([{ ...ea, kmsConfigId: 9 }, eb], current.seq + 3), reissue: { fromSeq: current.seq } }, /cannot change it/);
  });

  it('accepts the browser’s next ids, and never gives a deleted configuration’s id again', async () => {
    const sealedC = await sealFor(c);
    const listing = await listConfigs(t.access);
    const withC = assignKmsConfigIds({ configs: [...current.configs, entry(c, sealedC.digest)], previous: current.configs, highestGiven: listing.kmsConfigIdMax });
    expect(withC.at(-1)?.kmsConfigId).toBe(4);
    await accept({ state: await signed(withC), put: put(c, sealedC.jwe) });
    // Delete c (disabled first): its id 4 leaves the state but not the broker's record.
    await accept({ state: await signed(current.configs.map((e) => (e.configId === c ? { ...e, status: 'disabled' as const } : e))) });
    await accept({ state: await signed(current.configs.filter((e) => e.configId !== c)), remove: { configId: c } });
    expect(await record()).toMatchObject({ kmsConfigIdMax: 4 });
    const sealedD = await sealFor(d);
    await refused({ state: await signed([...current.configs, entry(d, sealedD.digest, { kmsConfigId: 4 })]), put: put(d, sealedD.jwe) }, /id 4 for c_\S+ is not above 4/);
    const withD = assignKmsConfigIds({ configs: [...current.configs, entry(d, sealedD.digest)], previous: current.configs, highestGiven: (await listConfigs(t.access)).kmsConfigIdMax });
    await accept({ state: await signed(withD), put: put(d, sealedD.jwe) });
    expect(current.configs.map((e) => [e.configId, e.kmsConfigId])).toEqual([[a, 1], [b, 3], [d, 5]]);
    expect(await record()).toEqual({ stateSeq: 6, kmsConfigIdMax: 5 });
  });
});
