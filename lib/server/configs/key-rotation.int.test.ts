// Rotating the tenant keys after an admin leaves (PROTOCOL.md "Keys" 4), on
// both backends, with the real crypto of the browser (lib/crypto) and the
// server's real checks: removing a confirmed admin marks the keys due; a
// rotation made by buildKeyRotation is stored whole — new public keys, the
// statement, every configuration re-sealed, the other admins back to pending,
// the old recovery kits gone — and a proxy pinned to the old key follows the
// statement the bundle carries. Every malformed rotation changes nothing.
import type { JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyBundle } from '@/lib/crypto/bundle';
import type { TConfigDocument } from '@/lib/crypto/config-document';
import { signKeyRotation } from '@/lib/crypto/key-rotation';
import { openConfig } from '@/lib/crypto/open-config';
import { generateJwkPair, importPrivateKey, type TP256Private } from '@/lib/crypto/p256-jwk';
import { sealConfig } from '@/lib/crypto/seal-config';
import { buildKeyRotation, type TKeyRotation } from '@/lib/crypto/tenant-key-rotation';
import { generateTenantKeys, importTenantKeys, unwrapTenantKeys, wrapTenantKeys } from '@/lib/crypto/tenant-keys';
import { verifyTenantState } from '@/lib/crypto/tenant-state';
import { verifyTenant, type TTenantPin } from '@/lib/proxy-client/verify-tenant';
import { ZConfigChange } from '@/lib/schemas/config-change';
import { confirmTenantAdmin, removeTenantAdmin } from '@/lib/server/accounts/tenant-admins';
import type { CurrentUser, TenantAccess } from '@/lib/server/authz';
import { applyConfigChange } from '@/lib/server/configs/changes';
import { closeDatabase, initDatabase, type Database } from '@/lib/server/db';
import { createDeployment } from '@/lib/server/deployments/service';
import { buildBundle, type DeploymentRef } from '@/lib/server/delivery/bundle';
import { AppError } from '@/lib/server/errors';
import { getTenantDetail } from '@/lib/server/tenants/detail';
import { publishedJwks } from '@/lib/server/signing';
import { seedFleet, signNextState, type FleetTenant } from '@/lib/testing/fleet';
import { backend, createTestDatabase, type TestDatabase } from '@/lib/testing/test-db';

const ENV_ID = 'env_rotate';
let testDb: TestDatabase;
let db: Database;
let tenant: FleetTenant;
let deployment: DeploymentRef & { key: CryptoKey; publicJwk: JWK };
const admins: Record<'alice' | 'bob' | 'carol', { access: TenantAccess; publicJwk: JWK; privateKey: CryptoKey }> = {} as never;
let pin: TTenantPin;
const originals = new Map<string, Record<string, unknown>>();

async function addAdmin(name: 'alice' | 'bob' | 'carol') {
  const pair = await generateJwkPair('ecdh');
  const kid = pair.publicJwk.kid as string;
  const user = await db.prisma.user.create({
    data: { id: `usr_${name}`, email: `${name}@rotate.example`, kdfSalt: 's', kdfIterations: 600_000, authKeyHash: 'h', adminPublicJwk: pair.publicJwk as object, adminKeyKid: kid, sealedAdminKey: 'x' },
  });
  const membership = await db.prisma.tenantAdmin.create({
    // The server never opens a wrapped copy; what the old ones hold does not matter here.
    data: { id: `adm_${name}`, tenantId: tenant.id, userId: user.id, status: 'confirmed', wrappedTenantKeys: `old-copy-for-${name}`, confirmedAt: new Date() },
  });
  admins[name] = {
    access: {
      user: { id: user.id, email: user.email, isOperator: false, adminKeyKid: kid, totpEnabled: false, sessionId: 'ses' },
      tenant: { id: tenant.id, externalId: tenant.externalId, displayName: 'Rotate', status: 'active', requireMfa: false },
      membership: { id: membership.id, status: 'confirmed' },
    },
    publicJwk: pair.publicJwk,
    privateKey: await importPrivateKey(pair.privateJwk as TP256Private, 'ecdh', ['deriveBits'], 'invalid_input'),
  };
}

/** What the rotating admin's browser does: open every listed configuration with the current keys, then build the rotation. */
async function rotation(options: { withRecoveryKit?: boolean } = {}): Promise<TKeyRotation> {
  const record = await db.prisma.tenant.findUniqueOrThrow({ where: { id: tenant.id }, select: { sigPublicJwk: true, stateSeq: true } });
  const stored = await db.prisma.tenantState.findFirstOrThrow({ where: { tenantId: tenant.id, seq: record.stateSeq } });
  const previous = await verifyTenantState(stored.jws, record.sigPublicJwk as JWK, { tenantId: tenant.externalId });
  const documents: { configId: string; document: TConfigDocument }[] = [];
  for (const entry of previous.configs) {
    const version = await db.prisma.tenantConfigVersion.findUniqueOrThrow({ where: { configId_version: { configId: entry.configId, version: entry.version } } });
    const document = await openConfig({
      jwe: version.jwe as never,
      decryptionKey: tenant.keys.encryptionKey,
      decryptionKid: tenant.keys.encryptionKid,
      verifyKey: record.sigPublicJwk as JWK,
      expected: { tenantId: tenant.externalId, configId: entry.configId, version: entry.version, digest: entry.digest },
    });
    documents.push({ configId: entry.configId, document });
  }
  return buildKeyRotation({
    tenantId: tenant.externalId,
    current: tenant.keys,
    adminPublicJwk: admins.alice.publicJwk,
    previous,
    documents,
    deployments: [{ kid: deployment.kid, publicJwk: deployment.publicJwk }],
    withRecoveryKit: options.withRecoveryKit ?? true,
  });
}

async function onRecord() {
  return db.prisma.tenant.findUniqueOrThrow({ where: { id: tenant.id }, select: { stateSeq: true, sigKid: true, encKid: true, keyRotationDueAt: true } });
}

async function refused(change: object, by = admins.alice.access): Promise<AppError> {
  const before = await onRecord();
  const error = await applyConfigChange(by, ZConfigChange.parse(change)).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  expect(await onRecord()).toEqual(before);
  expect(await db.prisma.tenantKeyRotation.count({ where: { tenantId: tenant.id } })).toBe(0);
  return error as AppError;
}

async function bundleEntry() {
  const built = await buildBundle(db.prisma, deployment, undefined);
  const bundle = await verifyBundle(built.jws, (await publishedJwks()).keys, { deploymentId: deployment.id });
  const entry = bundle.tenants.find((t) => t.tenantId === tenant.externalId);
  if (!entry) throw new Error('tenant missing from the bundle');
  return entry;
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await initDatabase({ env: testDb.env, migrate: true });
  await db.prisma.environment.create({ data: { id: ENV_ID, slug: 'rotate', displayName: 'Rotate' } });
  const pair = await generateJwkPair('ecdh');
  const created = await createDeployment({ id: 'usr_ops' } as CurrentUser, { name: 'rotate-proxy', environmentId: ENV_ID, publicJwk: pair.publicJwk as never });
  deployment = {
    id: created.deployment.id,
    kid: created.deployment.kid,
    environmentId: ENV_ID,
    publicJwk: pair.publicJwk,
    key: await importPrivateKey(pair.privateJwk as TP256Private, 'ecdh', ['deriveBits'], 'invalid_input'),
  };
  [tenant] = (await seedFleet(db.prisma, { environmentId: ENV_ID, count: 1, configsPerTenant: 3, recipients: [{ kid: deployment.kid, publicJwk: pair.publicJwk }], prefix: 'rotate' })) as [FleetTenant];
  for (const config of tenant.configs) originals.set(config.configId, config.settings);
  for (const name of ['alice', 'bob', 'carol'] as const) await addAdmin(name);
  await db.prisma.recoveryKit.create({ data: { id: 'kit_old', tenantId: tenant.id, kit: JSON.stringify({ typ: 'cmk-recovery-kit', tenantId: tenant.externalId, ct: 'old' }) } });

  // A proxy that has verified the tenant once pins its signing key.
  const verdict = await verifyTenant(await bundleEntry(), undefined, deployment);
  if (!verdict.ok) throw new Error(`the first sync did not verify: ${JSON.stringify(verdict.errors)}`);
  pin = verdict.pin;
}, 120_000);

afterAll(async () => {
  await closeDatabase();
  await testDb.drop();
});

describe(`tenant key rotation on ${backend}`, () => {
  it('removing a confirmed admin marks the tenant keys due for rotation', async () => {
    expect((await onRecord()).keyRotationDueAt).toBeNull();
    await removeTenantAdmin(admins.alice.access, admins.carol.access.membership.id);
    expect((await onRecord()).keyRotationDueAt).toBeInstanceOf(Date);
    // Operators see it as metadata.
    expect((await getTenantDetail(tenant.externalId)).tenant).toMatchObject({ keyRotations: 0, lastKeyRotationAt: null, keyRotationDueAt: expect.any(String) });
  });

  it('refuses a statement not signed by the current signing key', async () => {
    const good = await rotation();
    const stranger = await generateTenantKeys();
    const strangerKeys = await importTenantKeys({ encryption: stranger.encryption.privateJwk, signing: stranger.signing.privateJwk });
    const statement = await signKeyRotation({ subject: `tenant:${tenant.externalId}`, next: good.change.rotate.sigPublicJwk }, strangerKeys.signingKey, strangerKeys.signingKid);
    const error = await refused({ ...good.change, rotate: { ...good.change.rotate, statement } });
    expect(error.fields?.[0]?.path).toBe('rotate.statement');
  });

  it('refuses a statement that names another key than the new signing key', async () => {
    const good = await rotation();
    const other = await generateTenantKeys();
    const statement = await signKeyRotation({ subject: `tenant:${tenant.externalId}`, next: other.signing.publicJwk }, tenant.keys.signingKey, tenant.keys.signingKid);
    const error = await refused({ ...good.change, rotate: { ...good.change.rotate, statement } });
    expect(error.message).toMatch(/names another key/);
  });

  it('refuses a state signed by the old key, and keys that are the current ones', async () => {
    const good = await rotation();
    const old = await signNextState({ ...structuredClone({ ...tenant, keys: undefined }), keys: tenant.keys } as FleetTenant);
    tenant.seq -= 1; // signNextState advanced the held copy; nothing was sent
    expect((await refused({ ...good.change, state: old.jws })).fields?.[0]?.path).toBe('state');
    const same = { ...good.change.rotate, encPublicJwk: tenant.encPublicJwk };
    expect((await refused({ ...good.change, rotate: same })).fields?.[0]?.path).toBe('rotate.encPublicJwk');
  });

  it('refuses a rotation that leaves out a configuration, or seals one to the old encryption key', async () => {
    const good = await rotation();
    const reseal = good.change.reseal ?? [];
    expect(reseal).toHaveLength(3);
    await refused({ ...good.change, reseal: reseal.slice(1) });
    const first = reseal[0] as (typeof reseal)[number];
    const document = { ...(tenant.configs[0] as FleetTenant['configs'][number]), typ: tenant.configs[0]?.kind };
    const toOldKey = await sealConfig({
      document: { typ: document.kind, tenantId: tenant.externalId, configId: first.configId, version: first.version, provider: document.provider, settings: document.settings, iat: 1 },
      signingKey: good.keys.signingKey,
      signingKid: good.keys.signingKid,
      recipients: [{ kid: tenant.keys.encryptionKid, publicJwk: tenant.encPublicJwk }, { kid: deployment.kid, publicJwk: deployment.publicJwk }],
    });
    const error = await refused({ ...good.change, reseal: [{ ...first, jwe: toOldKey.jwe }, ...reseal.slice(1)] });
    expect(error.message).toMatch(/not encrypted to exactly the tenant key/);
  });

  it('refuses new keys wrapped to another admin than the one who rotates', async () => {
    const good = await rotation();
    const toBob = await wrapTenantKeys(good.privates, admins.bob.publicJwk, tenant.externalId);
    expect((await refused({ ...good.change, rotate: { ...good.change.rotate, wrappedTenantKeys: toBob } })).fields?.[0]?.path).toBe('rotate.wrappedTenantKeys');
  });

  let done: TKeyRotation;

  it('stores a good rotation whole: keys, statement, every configuration, admins, recovery kits, audit', async () => {
    const before = await onRecord();
    done = await rotation();
    await expect(applyConfigChange(admins.alice.access, ZConfigChange.parse(done.change))).resolves.toMatchObject({ seq: before.stateSeq + 1 });

    const after = await onRecord();
    expect(after).toMatchObject({ stateSeq: before.stateSeq + 1, sigKid: done.keys.signingKid, encKid: done.keys.encryptionKid, keyRotationDueAt: null });
    const rotations = await db.prisma.tenantKeyRotation.findMany({ where: { tenantId: tenant.id } });
    expect(rotations).toEqual([expect.objectContaining({ ordinal: 1, jws: done.change.rotate.statement, previousKid: before.sigKid, nextKid: done.keys.signingKid, createdById: 'usr_alice' })]);

    // Only the rotating admin holds the new keys; bob is confirmed again by a fingerprint comparison.
    const memberships = await db.prisma.tenantAdmin.findMany({ where: { tenantId: tenant.id }, orderBy: { id: 'asc' } });
    expect(memberships.map((m) => [m.id, m.status, m.wrappedTenantKeys === null])).toEqual([
      ['adm_alice', 'confirmed', false],
      ['adm_bob', 'pending', true],
    ]);
    const alice = memberships[0]?.wrappedTenantKeys as string;
    const unwrapped = await unwrapTenantKeys(alice, admins.alice.privateKey, {
      tenantId: tenant.externalId,
      adminKid: admins.alice.access.user.adminKeyKid,
      encryptionKid: done.keys.encryptionKid,
      signingKid: done.keys.signingKid,
    });
    expect(unwrapped).toEqual(done.privates);

    // The old kit opened the old keys: gone. The new one is the only kit.
    const kits = await db.prisma.recoveryKit.findMany({ where: { tenantId: tenant.id } });
    expect(kits.map((k) => k.kit)).toEqual([done.change.rotate.recoveryKit]);

    const [event] = await db.prisma.auditEvent.findMany({ where: { action: 'tenant.keys_rotate' } });
    expect(event).toMatchObject({ tenantExternalId: tenant.externalId, actorId: 'usr_alice', outcome: 'success', targetType: 'tenant' });
    expect(event?.details).toMatchObject({ previousSigningKid: before.sigKid, signingKid: done.keys.signingKid, reconfirm: ['usr_bob'], recoveryKitsDeleted: 1 });
    const details = JSON.stringify(event?.details);
    expect(details).not.toContain(alice.slice(0, 40));
    expect(details).not.toContain(done.change.rotate.statement.slice(0, 40));
  });

  it('operators see the rotation as metadata only', async () => {
    const detail = await getTenantDetail(tenant.externalId);
    expect(detail.tenant).toMatchObject({ keyRotations: 1, lastKeyRotationAt: expect.any(String), keyRotationDueAt: null });
    expect(detail.timeline.map((e) => e.text)).toContain('Tenant keys rotated (rotation 1)');
    expect(JSON.stringify(detail)).not.toContain('eyJ');
  });

  it('every configuration opens with the new keys, with the content it had', async () => {
    const configs = await db.prisma.tenantConfig.findMany({ where: { tenantId: tenant.id }, include: { versions: { orderBy: { version: 'desc' }, take: 1 } } });
    expect(configs).toHaveLength(3);
    for (const config of configs) {
      const latest = config.versions[0];
      expect(latest?.version).toBe(2);
      const document = await openConfig({
        jwe: latest?.jwe as never,
        decryptionKey: done.keys.encryptionKey,
        decryptionKid: done.keys.encryptionKid,
        verifyKey: done.change.rotate.sigPublicJwk,
        expected: { tenantId: tenant.externalId, configId: config.id, version: 2, digest: latest?.digest },
      });
      expect(document.settings).toEqual(originals.get(config.id));
    }
  });

  it('a proxy pinned to the old key follows the statement in the bundle; without it the new key is refused', async () => {
    const entry = await bundleEntry();
    expect(entry.keyRotations).toEqual([done.change.rotate.statement]);
    expect(entry.signingKey.kid).toBe(done.keys.signingKid);
    const verdict = await verifyTenant(entry, pin, deployment);
    expect(verdict.ok).toBe(true);
    if (!verdict.ok) return;
    expect(verdict.pin.signingKey.kid).toBe(done.keys.signingKid);
    const ids = (list: { configId: string }[]) => list.map((c) => c.configId).sort();
    expect(ids(verdict.tenant.configs)).toEqual(ids(tenant.configs));
    expect(verdict.tenant.configs.every((c) => c.version === 2)).toBe(true);
    for (const config of verdict.tenant.configs) expect(config.settings).toEqual(originals.get(config.configId));

    const withheld = await verifyTenant({ ...entry, keyRotations: [] }, pin, deployment);
    expect(withheld.ok).toBe(false);
    if (!withheld.ok) expect(withheld.errors.map((e) => e.code)).toEqual(['tenant_key']);
  });

  it('bob is confirmed again with the new keys; a confirmation made with the old keys is refused', async () => {
    const bobMembership = admins.bob.access.membership.id;
    const oldKid = tenant.keys.signingKid;
    const toBob = await wrapTenantKeys(done.privates, admins.bob.publicJwk, tenant.externalId);
    await expect(confirmTenantAdmin(admins.alice.access, bobMembership, toBob, undefined, oldKid)).rejects.toMatchObject({ code: 'changed_elsewhere' });
    expect((await db.prisma.tenantAdmin.findUniqueOrThrow({ where: { id: bobMembership } })).status).toBe('pending');
    await confirmTenantAdmin(admins.alice.access, bobMembership, toBob, undefined, done.keys.signingKid);
    const bob = await db.prisma.tenantAdmin.findUniqueOrThrow({ where: { id: bobMembership } });
    expect(bob.status).toBe('confirmed');
    const opened = await unwrapTenantKeys(bob.wrappedTenantKeys as string, admins.bob.privateKey, {
      tenantId: tenant.externalId,
      adminKid: admins.bob.access.user.adminKeyKid,
      encryptionKid: done.keys.encryptionKid,
      signingKid: done.keys.signingKid,
    });
    expect(opened).toEqual(done.privates);
  });

  it('the old keys sign nothing any more, and the same rotation cannot be replayed', async () => {
    const old = await signNextState(tenant);
    await expect(applyConfigChange(admins.alice.access, { state: old.jws })).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(applyConfigChange(admins.alice.access, ZConfigChange.parse(done.change))).rejects.toMatchObject({ code: 'validation_failed' });
    expect(await db.prisma.tenantKeyRotation.count({ where: { tenantId: tenant.id } })).toBe(1);
  });
});
