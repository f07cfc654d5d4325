// Target names in the audit lists, against the database: a tenant's list names
// its own configurations, its environment's deployments, its admins and
// invitations and itself — and nothing of another tenant, even when another
// tenant's ids are planted in its chain; the operators' list names tenants,
// deployments and configurations but no person on a tenant's event.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZTenantAuditQuery, ZVendorAuditQuery } from '@/lib/schemas/audit-views';
import { recordAudit, type AuditActor } from '@/lib/server/audit/record';
import { listTenantAudit, listVendorAudit } from '@/lib/server/audit/views';
import { closeDatabase, initDatabase, type Database } from '@/lib/server/db';
import { backend, createTestDatabase, type TestDatabase } from '@/lib/testing/test-db';

Object.assign(process.env, { AUTH_SECRET: randomBytes(32).toString('base64url'), BROKER_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url') });

let testDb: TestDatabase;
let db: Database;
const alice: AuditActor = { type: 'user', id: 'usr_alice', label: 'alice@acme.example' };
// Every name of globex's records: none may appear in acme's list.
const GLOBEX_NAMES = ['Globex Corp', 'Globex secret project', 'globex-us-1', 'bob@globex.example', 'carol@globex.example'];

/** Targets planted in acme's chain, in order, with the name acme's admins may see (null: the id only). */
const ACME_TARGETS: [type: string, id: string, tenantView: string | null, operatorView: string | null][] = [
  ['config', 'cfg_acme', 'Acme KMS', 'Acme KMS'],
  ['config', 'cfg_globex', null, null],
  ['config', 'cfg_deleted', null, null],
  ['deployment', 'dep_eu', 'prod-eu-1', 'prod-eu-1'],
  ['deployment', 'dep_us', null, 'globex-us-1'],
  // Approvals and removals name the deployment by the key id the tenant signed.
  ['deployment', 'kid_eu', 'prod-eu-1', 'prod-eu-1'],
  ['deployment', 'kid_us', null, 'globex-us-1'],
  ['user', 'usr_alice', 'alice@acme.example', null],
  ['user', 'usr_bob', null, null],
  ['admin', 'adm_alice', 'alice@acme.example', null],
  ['admin', 'adm_bob', null, null],
  ['invitation', 'inv_acme', 'dave@acme.example', null],
  ['invitation', 'inv_globex', null, null],
  ['tenant', 'acme', 'Acme Inc', 'Acme Inc'],
  ['tenant', 'globex', null, null],
];

function user(id: string, email: string) {
  return db.prisma.user.create({ data: { id, email, kdfSalt: 's', kdfIterations: 1, authKeyHash: 'h', adminPublicJwk: {}, adminKeyKid: `kid_${id}`, sealedAdminKey: 'k' } });
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await initDatabase({ env: testDb.env, migrate: true });
  const p = db.prisma;
  await p.environment.createMany({ data: [{ id: 'env_eu', slug: 'eu', displayName: 'EU' }, { id: 'env_us', slug: 'us', displayName: 'US' }] });
  await p.tenant.createMany({ data: [{ id: 'ten_acme', externalId: 'acme', displayName: 'Acme Inc', environmentId: 'env_eu' }, { id: 'ten_globex', externalId: 'globex', displayName: 'Globex Corp', environmentId: 'env_us' }] });
  await user('usr_alice', 'alice@acme.example');
  await user('usr_bob', 'bob@globex.example');
  await p.tenantAdmin.createMany({ data: [{ id: 'adm_alice', tenantId: 'ten_acme', userId: 'usr_alice' }, { id: 'adm_bob', tenantId: 'ten_globex', userId: 'usr_bob' }] });
  const expiresAt = new Date(Date.now() + 86_400_000);
  await p.invitation.createMany({
    data: [
      { id: 'inv_acme', kind: 'tenant_admin', tenantId: 'ten_acme', email: 'dave@acme.example', tokenHash: 'h1', expiresAt, lastSentAt: new Date() },
      { id: 'inv_globex', kind: 'tenant_admin', tenantId: 'ten_globex', email: 'carol@globex.example', tokenHash: 'h2', expiresAt, lastSentAt: new Date() },
    ],
  });
  await p.tenantConfig.createMany({
    data: [
      { id: 'cfg_acme', tenantId: 'ten_acme', kind: 'kms', provider: 'aws-kms', label: 'Acme KMS', latestVersion: 1 },
      { id: 'cfg_globex', tenantId: 'ten_globex', kind: 'kms', provider: 'aws-kms', label: 'Globex secret project', latestVersion: 1 },
    ],
  });
  await p.proxyDeployment.createMany({
    data: [
      { id: 'dep_eu', name: 'prod-eu-1', environmentId: 'env_eu', publicJwk: {}, kid: 'kid_eu' },
      { id: 'dep_us', name: 'globex-us-1', environmentId: 'env_us', publicJwk: {}, kid: 'kid_us' },
    ],
  });
  for (const [type, id] of ACME_TARGETS) {
    await p.$transaction((tx) => recordAudit(tx, { actor: alice, action: 'config.edit', tenantExternalId: 'acme', target: { type, id } }));
  }
  // Vendor-only events name what operators see.
  await p.$transaction((tx) => recordAudit(tx, { actor: { type: 'operator', id: 'usr_ops', label: 'ops@vendor.example' }, action: 'environment.create', target: { type: 'environment', id: 'env_us' } }));
  await p.$transaction((tx) => recordAudit(tx, { actor: { type: 'operator', id: 'usr_ops', label: 'ops@vendor.example' }, action: 'account.setup', target: { type: 'user', id: 'usr_bob' } }));
});

afterAll(async () => {
  await closeDatabase();
  await testDb.drop();
});

describe(`audit target names on ${backend}`, () => {
  it('a tenant’s list names only the tenant’s own records', async () => {
    const page = await listTenantAudit('acme', ZTenantAuditQuery.parse({ limit: '200' }));
    const events = page.events.toReversed();
    expect(events.map((e) => [e.targetType, e.targetId, e.targetName])).toEqual(ACME_TARGETS.map(([type, id, name]) => [type, id, name]));
    const text = JSON.stringify(page);
    for (const name of GLOBEX_NAMES) expect(text).not.toContain(name);
  });

  it('the operators’ list names tenants, deployments and configurations, but no person on a tenant’s event', async () => {
    const page = await listVendorAudit(ZVendorAuditQuery.parse({ limit: '200' }));
    const events = page.events.toReversed();
    expect(events.slice(0, ACME_TARGETS.length).map((e) => [e.targetType, e.targetId, e.targetName])).toEqual(ACME_TARGETS.map(([type, id, , name]) => [type, id, name]));
    expect(events.slice(ACME_TARGETS.length).map((e) => e.targetName)).toEqual(['US', 'bob@globex.example']);
  });

  it('a deleted tenant’s chain still lists, with ids only', async () => {
    await db.prisma.tenant.delete({ where: { id: 'ten_acme' } });
    const page = await listTenantAudit('acme', ZTenantAuditQuery.parse({}));
    expect(page.events.length).toBe(ACME_TARGETS.length);
    expect(page.events.every((e) => e.targetName === null)).toBe(true);
  });
});
