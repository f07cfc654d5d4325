// The operators' tenant list and lifecycle, on each database backend, with a
// fleet made by the real crypto: keyset pages that cover every tenant once in
// every sort order, each filter, search by admin email, the summary columns
// kept by configuration changes, suspension reaching proxies in the next
// delta, and deletion refused while configurations exist or before 36 hours.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyBundle } from '@/lib/crypto/bundle';
import { generateJwkPair } from '@/lib/crypto/p256-jwk';
import { TENANT_SORTS, ZTenantListQuery, type TTenantListRow } from '@/lib/schemas/tenant-list';
import type { CurrentUser, TenantAccess } from '@/lib/server/authz';
import { applyConfigChange } from '@/lib/server/configs/changes';
import { closeDatabase, initDatabase, type Database } from '@/lib/server/db';
import { buildBundle } from '@/lib/server/delivery/bundle';
import { encodeCursor } from '@/lib/server/delivery/cursor';
import { createDeployment } from '@/lib/server/deployments/service';
import { createTenant } from '@/lib/server/accounts/operator';
import { AppError } from '@/lib/server/errors';
import { seedFleet, signNextState, type FleetTenant } from '@/lib/testing/fleet';
import { backend, createTestDatabase, type TestDatabase } from '@/lib/testing/test-db';
import { cancelTenantDeletion, deleteTenant, getTenantDetail, requestTenantDeletion, resumeTenant, suspendTenant } from './lifecycle';
import { listTenantsPage } from './list';

Object.assign(process.env, { AUTH_SECRET: randomBytes(32).toString('base64url'), BROKER_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url') });

const OPERATOR = { id: 'usr_operator' } as CurrentUser;
let testDb: TestDatabase;
let db: Database;
let alpha: FleetTenant[];
let deployment: { id: string; kid: string; name: string; brokerKeys: unknown[] };

const list = (query: Record<string, string> = {}) => listTenantsPage(ZTenantListQuery.parse(query));
const ids = (rows: TTenantListRow[]) => rows.map((r) => r.externalId);

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

async function walk(query: Record<string, string>): Promise<string[]> {
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await list({ ...query, limit: '7', ...(cursor ? { cursor } : {}) });
    seen.push(...ids(page.rows));
    cursor = page.nextCursor;
  } while (cursor);
  return seen;
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await initDatabase({ env: testDb.env, migrate: true });
  await db.prisma.environment.create({ data: { id: 'env_eu', slug: 'prod-eu', displayName: 'Production EU' } });
  await db.prisma.environment.create({ data: { id: 'env_us', slug: 'prod-us', displayName: 'Production US' } });
  const pair = await generateJwkPair('ecdh');
  const created = await createDeployment(OPERATOR, { name: 'eu-proxy', environmentId: 'env_eu', publicJwk: pair.publicJwk as never });
  deployment = { id: created.deployment.id, kid: created.deployment.kid, name: 'eu-proxy', brokerKeys: created.credentials.brokerJwks.keys };
  alpha = await seedFleet(db.prisma, { environmentId: 'env_eu', count: 20, configsPerTenant: 3, prefix: 'alpha', recipients: [{ kid: deployment.kid, publicJwk: pair.publicJwk }] });
  await seedFleet(db.prisma, { environmentId: 'env_eu', count: 10, configsPerTenant: 1, prefix: 'beta', recipients: [] });
  for (const [i, name] of ['Zeta Co', 'Omega Ltd', 'Under_score 100%'].entries()) {
    const id = `ten_invited_${i}`;
    await db.prisma.tenant.create({ data: { id, externalId: `invited-${i}`, displayName: name, environmentId: 'env_us' } });
    await db.prisma.invitation.create({
      data: { id: `inv_${i}`, kind: 'tenant_admin', tenantId: id, email: `boss${i}@zeta-co.example`, tokenHash: `hash${i}`, expiresAt: new Date(Date.now() + (i === 1 ? -1 : 1) * 86_400_000), lastSentAt: new Date() },
    });
  }
  // alpha 0–9 report state 1 (applied); 10–19 report nothing; alpha-000003 reports an error.
  await db.prisma.deploymentTenantStatus.createMany({ data: alpha.slice(0, 10).map((t) => ({ deploymentId: deployment.id, tenantId: t.id, appliedSeq: 1, appliedAt: new Date() })) });
  await db.prisma.deploymentTenantStatus.update({
    where: { deploymentId_tenantId: { deploymentId: deployment.id, tenantId: (alpha[3] as FleetTenant).id } },
    data: { errors: [{ tenantId: 'alpha-000003', configId: null, code: 'kms_unreachable', message: null }] },
  });
}, 300_000);

afterAll(async () => {
  await closeDatabase();
  await testDb?.drop();
});

describe(`the operators' tenant list on ${backend}`, () => {
  it('pages through every tenant exactly once in every sort order and direction', async () => {
    const all = await list({ limit: '200' });
    expect(all.total).toBe(33);
    expect(all.nextCursor).toBeNull();
    const everyone = ids(all.rows).sort();
    for (const sort of TENANT_SORTS) {
      for (const order of ['asc', 'desc']) {
        const seen = await walk({ sort, order });
        expect(seen, `${sort} ${order}`).toHaveLength(33);
        expect([...seen].sort(), `${sort} ${order}`).toEqual(everyone);
      }
    }
    expect(await walk({ sort: 'displayName', order: 'desc' })).toEqual(ids(all.rows.sort((a, b) => (a.displayName === b.displayName ? 0 : a.displayName < b.displayName ? 1 : -1))));
  });

  it('filters by status, environment, KMS, SIEM, approvals, propagation and proxy errors; counts the filtered total', async () => {
    expect(ids((await list({ status: 'invited' })).rows)).toEqual(['invited-0', 'invited-1', 'invited-2']);
    expect((await list({ environment: 'prod-us' })).total).toBe(3);
    expect((await list({ hasSiem: 'true' })).total).toBe(20);
    expect((await list({ hasSiem: 'false' })).total).toBe(13);
    expect((await list({ hasPrimaryKms: 'true' })).total).toBe(30);
    expect(ids((await list({ approvalPending: 'true', limit: '200' })).rows)).toEqual(Array.from({ length: 10 }, (_, i) => `beta-${String(i).padStart(6, '0')}`));
    // eu-proxy has never sent a status report: nothing propagates to a proxy that never connected, so no tenant is
    // "propagation incomplete" — its rows say the deployment is not connected yet.
    expect((await list({ propagationIncomplete: 'true' })).total).toBe(0);
    expect((await list({ q: 'alpha-000015' })).rows[0]?.propagation.lagging).toEqual([{ deploymentId: deployment.id, name: 'eu-proxy', appliedSeq: null, delivery: 'never' }]);
    await db.prisma.proxyDeployment.update({ where: { id: deployment.id }, data: { lastStatusAt: new Date() } });
    expect(ids((await list({ propagationIncomplete: 'true', limit: '200' })).rows)).toEqual(alpha.slice(10).map((t) => t.externalId));
    expect(ids((await list({ proxyErrors: 'true' })).rows)).toEqual(['alpha-000003']);
    const combined = await list({ hasSiem: 'true', propagationIncomplete: 'false', limit: '3' });
    expect(combined.total).toBe(10);
    expect(combined.rows).toHaveLength(3);
  });

  it('searches tenant ids, names and admin emails, case-insensitively, with LIKE wildcards taken literally', async () => {
    expect(ids((await list({ q: 'BOSS2@ZETA' })).rows)).toEqual(['invited-2']);
    expect(ids((await list({ q: 'omega' })).rows)).toEqual(['invited-1']);
    expect((await list({ q: 'alpha-00001' })).total).toBe(10);
    expect(ids((await list({ q: '100%' })).rows)).toEqual(['invited-2']);
    expect((await list({ q: '_' })).total).toBe(1);
    expect(await list({ q: 'no such tenant anywhere' })).toEqual({ rows: [], total: 0, nextCursor: null });
  });

  it('describes each row from metadata: providers, counts, propagation and warnings, never a sealed value', async () => {
    const page = await list({ q: 'alpha-0000', limit: '200' });
    const row = (id: string) => page.rows.find((r) => r.externalId === id) as TTenantListRow;
    expect(row('alpha-000000')).toMatchObject({
      status: 'active',
      environment: { slug: 'prod-eu', displayName: 'Production EU' },
      kms: { primaryProvider: 'aws-kms', count: 2 },
      siem: { primaryProvider: 'splunk-hec', count: 1 },
      stateSeq: 1,
      propagation: { approved: 1, applied: 1, lagging: [] },
      warnings: [],
    });
    expect(row('alpha-000003').warnings).toEqual(['Proxy errors: eu-proxy']);
    // Connected, and its last report came seconds after the tenant's change: catching up. An hour after it: withheld.
    await db.prisma.proxyDeployment.update({ where: { id: deployment.id }, data: { lastStatusAt: new Date(Date.now() - 1_000) } });
    await db.prisma.tenant.update({ where: { externalId: 'alpha-000015' }, data: { lastChangeAt: new Date(Date.now() - 2_000) } });
    const lagging = (await list({ q: 'alpha-000015' })).rows[0] as TTenantListRow;
    expect(lagging.propagation).toEqual({ approved: 1, applied: 0, lagging: [{ deploymentId: deployment.id, name: 'eu-proxy', appliedSeq: null, delivery: 'behind' }] });
    await db.prisma.tenant.update({ where: { externalId: 'alpha-000015' }, data: { lastChangeAt: new Date(Date.now() - 3_600_000) } });
    expect((await list({ q: 'alpha-000015' })).rows[0]?.propagation.lagging[0]?.delivery).toBe('withheld');
    expect((await list({ q: 'beta-000001' })).rows[0]?.warnings).toEqual(['Approval pending: eu-proxy']);
    expect((await list({ q: 'invited-1' })).rows[0]?.warnings).toEqual(['Invitation expired']);
    const text = JSON.stringify(await list({ limit: '200' }));
    for (const sealed of ['ciphertext', 'protected', 'jwe', 'eyJ']) expect(text).not.toContain(sealed);
  });

  it('refuses a cursor made for another sort, or garbage', async () => {
    const first = await list({ sort: 'displayName', limit: '5' });
    expect((await refusal(list({ sort: 'createdAt', cursor: first.nextCursor as string }))).code).toBe('bad_cursor');
    expect((await refusal(list({ cursor: 'not-a-cursor' }))).code).toBe('bad_cursor');
  });

  it('keeps cursors short for long non-ASCII names, and still pages through them', async () => {
    const names = ['界', '鍵', '暗'].map((c) => c.repeat(100));
    await db.prisma.tenant.createMany({ data: names.map((displayName, i) => ({ id: `ten_long_${i}`, externalId: `long-${i}`, displayName, environmentId: 'env_us' })) });
    try {
      const cursors: string[] = [];
      const seen: string[] = [];
      for (let cursor: string | null = null, first = true; first || cursor; first = false) {
        const page = await list({ environment: 'prod-us', sort: 'displayName', order: 'desc', limit: '1', ...(cursor ? { cursor } : {}) });
        seen.push(...ids(page.rows));
        cursor = page.nextCursor;
        if (cursor) cursors.push(cursor);
      }
      expect(seen).toHaveLength(6);
      expect(new Set(seen).size).toBe(6);
      expect(Math.max(...cursors.map((c) => c.length))).toBeLessThanOrEqual(400);
    } finally {
      await db.prisma.tenant.deleteMany({ where: { id: { startsWith: 'ten_long_' } } });
    }
  });

  it('keeps the summary columns in step with configuration changes', async () => {
    const tenant = alpha[5] as FleetTenant;
    const siem = tenant.configs.find((c) => c.kind === 'siem');
    if (!siem) throw new Error('fleet tenant without SIEM');
    siem.status = 'disabled';
    siem.primary = false;
    const { jws } = await signNextState(tenant);
    const access = { user: { id: 'usr_admin' }, tenant: { id: tenant.id, externalId: tenant.externalId }, membership: { id: 'adm', status: 'confirmed' } } as TenantAccess;
    const before = (await list({ q: tenant.externalId })).rows[0] as TTenantListRow;
    await applyConfigChange(access, { state: jws });
    const after = (await list({ q: tenant.externalId })).rows[0] as TTenantListRow;
    expect(after.siem).toEqual({ primaryProvider: null, count: 0 });
    expect(after.stateSeq).toBe(2);
    expect(Date.parse(after.lastChangeAt as string)).toBeGreaterThanOrEqual(Date.parse(before.lastChangeAt as string));
    expect(ids((await list({ hasSiem: 'false', environment: 'prod-eu', limit: '200' })).rows)).toContain(tenant.externalId);
    expect(ids((await list({ sort: 'lastChangeAt', order: 'desc', limit: '1' })).rows)).toEqual([tenant.externalId]);
  });
});

describe(`tenant lifecycle on ${backend}`, () => {
  it('a suspended tenant reaches its proxies as suspended in the next delta, and resuming makes it active again', async () => {
    const tenant = alpha[0] as FleetTenant;
    const ref = { id: deployment.id, kid: deployment.kid, environmentId: 'env_eu' };
    const seqBefore = (await db.prisma.environment.findUniqueOrThrow({ where: { id: 'env_eu' } })).deliverySeq;
    const delta = async (seq: number) => {
      const built = await buildBundle(db.prisma, ref, encodeCursor({ kind: 'delta', seq }));
      return verifyBundle(built.jws, deployment.brokerKeys as never, { deploymentId: deployment.id });
    };

    expect(await suspendTenant(OPERATOR, tenant.externalId)).toMatchObject({ status: 'suspended', deliverySeq: seqBefore + 1 });
    const suspended = await delta(seqBefore);
    expect(suspended.tenants.map((t) => [t.tenantId, t.status])).toEqual([[tenant.externalId, 'suspended']]);
    expect(ids((await list({ status: 'suspended' })).rows)).toEqual([tenant.externalId]);
    expect((await refusal(suspendTenant(OPERATOR, tenant.externalId))).code).toBe('conflict');

    await resumeTenant(OPERATOR, tenant.externalId);
    const resumed = await delta(seqBefore + 1);
    expect(resumed.tenants.map((t) => [t.tenantId, t.status])).toEqual([[tenant.externalId, 'active']]);
    expect((await refusal(resumeTenant(OPERATOR, tenant.externalId))).code).toBe('conflict');
    expect((await refusal(suspendTenant(OPERATOR, 'no-such-tenant'))).code).toBe('not_found');
  });

  it('resuming an invited tenant (no keys yet) leaves it invited', async () => {
    await suspendTenant(OPERATOR, 'invited-0');
    expect(await resumeTenant(OPERATOR, 'invited-0')).toMatchObject({ status: 'invited' });
  });

  it('refuses deletion while configurations exist, before 36 hours, or without the typed tenant id', async () => {
    const t0 = new Date('2026-01-01T00:00:00Z');
    const at = (hours: number) => ({ now: () => new Date(t0.getTime() + hours * 3_600_000) });
    expect((await refusal(requestTenantDeletion(OPERATOR, 'alpha-000001', at(0)))).code).toBe('conflict');
    expect((await refusal(deleteTenant(OPERATOR, 'invited-2', { confirm: 'invited-2' }, at(100)))).message).toMatch(/Request the deletion first/);

    expect(await requestTenantDeletion(OPERATOR, 'invited-2', at(0))).toEqual({ requestedAt: '2026-01-01T00:00:00.000Z', eligibleAt: '2026-01-02T12:00:00.000Z' });
    expect((await getTenantDetail('invited-2')).deletion).toMatchObject({ requestedAt: '2026-01-01T00:00:00.000Z', configCount: 0 });
    expect((await refusal(deleteTenant(OPERATOR, 'invited-2', { confirm: 'invited-2' }, at(35.99)))).message).toMatch(/36-hour wait is not over/);
    expect((await refusal(deleteTenant(OPERATOR, 'invited-2', { confirm: 'Invited-2' }, at(36)))).code).toBe('validation_failed');

    await cancelTenantDeletion(OPERATOR, 'invited-2');
    expect((await refusal(deleteTenant(OPERATOR, 'invited-2', { confirm: 'invited-2' }, at(40)))).code).toBe('conflict');

    await requestTenantDeletion(OPERATOR, 'invited-2', at(40));
    expect(await deleteTenant(OPERATOR, 'invited-2', { confirm: 'invited-2' }, at(76))).toEqual({ deleted: true });
    expect((await refusal(getTenantDetail('invited-2'))).code).toBe('not_found');
    expect(await db.prisma.invitation.count({ where: { tenantId: 'ten_invited_2' } })).toBe(0);

    // Its audit trail stays under its id: a new tenant may not take the id and be shown it.
    const again = { externalId: 'invited-2', displayName: 'Someone else', environmentId: 'env_us', adminEmail: 'new-admin@else.example' };
    const reused = await refusal(createTenant(OPERATOR, again));
    expect(reused).toMatchObject({ code: 'validation_failed', fields: [{ path: 'externalId', message: expect.stringMatching(/belonged to a deleted tenant/) }] });
    expect(await db.prisma.tenant.count({ where: { externalId: 'invited-2' } })).toBe(0);
  });

  it('shows one tenant as metadata: configurations, versions with their acknowledgements, admins, invitations, deployments', async () => {
    const detail = await getTenantDetail('alpha-000015');
    expect(detail.tenant).toMatchObject({ externalId: 'alpha-000015', status: 'active', stateSeq: 1, hasKeys: true });
    expect(detail.configs).toHaveLength(3);
    expect(detail.versions.every((v) => v.pendingAt.includes('eu-proxy') && v.appliedBy.length === 0)).toBe(true);
    // The same delivery state as the list's (its last report came an hour after the tenant's last change).
    expect(detail.deployments).toEqual([
      { id: deployment.id, name: 'eu-proxy', status: 'active', approved: true, appliedSeq: null, appliedAt: null, lastStatusAt: expect.any(String), delivery: 'withheld', stopped: null, siem: null, errors: [] },
    ]);
    expect((await getTenantDetail('alpha-000003')).deployments[0]?.errors).toEqual([{ configId: null, code: 'kms_unreachable' }]);
    expect((await getTenantDetail('invited-1')).invitations).toMatchObject([{ email: 'boss1@zeta-co.example', state: 'expired', acceptedAt: null, revokedAt: null }]);
    // An accepted invitation carries when it was accepted, and the timeline says so.
    const acceptedAt = new Date(Date.now() - 3_600_000);
    const alpha15 = alpha.find((t) => t.externalId === 'alpha-000015') as FleetTenant;
    await db.prisma.invitation.create({
      data: { id: 'inv_accepted', kind: 'tenant_admin', tenantId: alpha15.id, email: 'first@alpha.example', tokenHash: 'hash_accepted', expiresAt: new Date(Date.now() + 86_400_000), lastSentAt: acceptedAt, acceptedAt },
    });
    const withAccepted = await getTenantDetail('alpha-000015');
    expect(withAccepted.invitations).toMatchObject([{ email: 'first@alpha.example', state: 'accepted', acceptedAt: acceptedAt.toISOString(), revokedAt: null }]);
    expect(withAccepted.timeline).toContainEqual({ at: acceptedAt.toISOString(), kind: 'invitation', text: 'first@alpha.example accepted the invitation' });
    const text = JSON.stringify(detail);
    for (const sealed of ['ciphertext', '"jwe"', 'eyJ']) expect(text).not.toContain(sealed);
  });
});
