// SIEM delivery health in status reports, on each database backend: rows
// upserted per (deployment, instance, tenant, configuration), a report naming
// only what changed leaves the rest, a full list forgets what it leaves out,
// rows silent for a day go, older proxies' reports change nothing, tenants of
// another environment or that did not approve the deployment, and configurations that are not the tenant's SIEM
// configurations are ignored, nothing reaches the audit trail, and a report
// of 20 000 configurations is taken (its time printed, not asserted). The
// tenant admin's view and the operators' summary (and tenant detail) read the
// same rows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateJwkPair } from '@/lib/crypto/p256-jwk';
import type { TProxyStatus } from '@/lib/schemas/deployments';
import type { TSiemHealth } from '@/lib/schemas/siem-health';
import type { CurrentUser, TenantAccess } from '@/lib/server/authz';
import { closeDatabase, initDatabase, type Database } from '@/lib/server/db';
import { createDeployment } from '@/lib/server/deployments/service';
import { getConfigDelivery, summarizeSiemDelivery } from '@/lib/server/deployments/siem-health';
import { recordStatus } from '@/lib/server/deployments/status';
import { getTenantDetail } from '@/lib/server/tenants/detail';
import { backend, createTestDatabase, type TestDatabase } from '@/lib/testing/test-db';

let testDb: TestDatabase;
let db: Database;
let dep: { id: string; kid: string; environmentId: string };
const BIG = 20_000;

const cfg = (tenant: number, n: number) => `c_siem${String(tenant).padStart(6, '0')}x${n}aaaaaaa`;
const ext = (tenant: number) => `sh-${String(tenant).padStart(6, '0')}`;
const access = (tenant: number) => ({ tenant: { id: `ten_sh_${tenant}` } }) as TenantAccess;

function health(tenant: number, n: number, over: Partial<TSiemHealth> = {}): TSiemHealth {
  const at = new Date().toISOString();
  return { tenantId: ext(tenant), configId: cfg(tenant, n), version: 1, sent: 10, retried: 0, dropped: 0, backlog: 0, lastSuccessAt: at, lastErrorCode: null, failingSince: null, onFull: 'drop', ...over };
}
const report = (over: Partial<TProxyStatus>): TProxyStatus => ({ cursor: null, tenants: [], errors: [], ...over });
const rows = (instanceId?: string) => db.prisma.siemDeliveryStatus.findMany({ where: { deploymentId: dep.id, ...(instanceId ? { instanceId } : {}) }, orderBy: [{ instanceId: 'asc' }, { configId: 'asc' }] });

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await initDatabase({ env: testDb.env, migrate: true });
  await db.prisma.environment.createMany({ data: [{ id: 'env_sh', slug: 'sh', displayName: 'Sh' }, { id: 'env_other', slug: 'other', displayName: 'Other' }] });
  const { publicJwk } = await generateJwkPair('ecdh');
  const created = (await createDeployment({ id: 'usr_ops' } as CurrentUser, { name: 'eu-1', environmentId: 'env_sh', publicJwk: publicJwk as never })).deployment;
  dep = { id: created.id, kid: created.kid, environmentId: 'env_sh' };
  // 10 000 tenants with two SIEM configurations and one KMS configuration each; one tenant in another environment.
  const tenants = Array.from({ length: BIG / 2 }, (_, i) => ({ id: `ten_sh_${i}`, externalId: ext(i), displayName: `T${i}`, environmentId: 'env_sh', status: 'active', recipientKids: [dep.kid] }));
  await db.prisma.tenant.createMany({ data: [...tenants, { id: 'ten_other', externalId: 'other-1', displayName: 'Other', environmentId: 'env_other', status: 'active', recipientKids: [dep.kid] }, { id: 'ten_unapproved', externalId: 'unapproved-1', displayName: 'U', environmentId: 'env_sh', status: 'active', recipientKids: [] }] });
  const configs = tenants.flatMap((t, i) => [1, 2].map((n) => ({ id: cfg(i, n), tenantId: t.id, kind: 'siem', provider: 'splunk-hec', label: `S${n}`, latestVersion: 1 })));
  configs.push({ id: cfg(0, 9), tenantId: 'ten_sh_0', kind: 'kms', provider: 'aws-kms', label: 'K', latestVersion: 1 });
  configs.push({ id: 'c_unapprovedtenant01', tenantId: 'ten_unapproved', kind: 'siem', provider: 'splunk-hec', label: 'U', latestVersion: 1 });
  configs.push({ id: 'c_otherenvironment01', tenantId: 'ten_other', kind: 'siem', provider: 'splunk-hec', label: 'O', latestVersion: 1 });
  await db.prisma.tenantConfig.createMany({ data: configs });
}, 120_000);

afterAll(async () => {
  await closeDatabase();
  await testDb.drop();
});

describe(`SIEM delivery health on ${backend}`, () => {
  it('upserts the entries; a changed-only report leaves the rest; counts past 2^31 are kept', async () => {
    await recordStatus(dep, report({ instanceId: 'pod-a', siemFull: true, siem: [health(0, 1), health(0, 2), health(1, 1)] }));
    expect((await rows('pod-a')).map((r) => r.configId)).toEqual([cfg(0, 1), cfg(0, 2), cfg(1, 1)]);
    const failing = health(0, 2, { sent: 2 ** 40, dropped: 3, backlog: 500, lastErrorCode: 'auth', failingSince: new Date(Date.now() - 60_000).toISOString() });
    await recordStatus(dep, report({ instanceId: 'pod-a', siem: [failing] }));
    const after = await rows('pod-a');
    expect(after).toHaveLength(3);
    const row = after.find((r) => r.configId === cfg(0, 2));
    expect(row).toMatchObject({ sent: BigInt(2 ** 40), dropped: 3n, backlog: 500n, lastErrorCode: 'auth' });
    expect(row?.droppedAt).not.toBeNull();
    // Another instance of the same deployment has rows of its own.
    await recordStatus(dep, report({ instanceId: 'pod-b', siem: [health(0, 2)] }));
    const view = await getConfigDelivery(access(0), cfg(0, 2));
    expect(view.deployments).toHaveLength(1);
    expect(view.deployments[0]?.name).toBe('eu-1');
    expect(view.deployments[0]?.state).toBe('losing');
    expect(view.deployments[0]?.instances.map((i) => [i.instanceId, i.state, i.sent])).toEqual([
      ['pod-a', 'losing', 2 ** 40],
      ['pod-b', 'delivering', 10],
    ]);
    const summary = (await summarizeSiemDelivery('ten_sh_0')).get(dep.id);
    expect(summary).toEqual({ configs: 2, delivering: 1, failing: 1, codes: ['auth'], backlog: 500, dropped: 3 });
    // Operators' tenant page: the same summary per deployment, nothing else (no instance ids, no times, no settings).
    const detail = await getTenantDetail(ext(0));
    const line = detail.deployments.find((d) => d.id === dep.id)?.siem;
    expect(line).toEqual(summary);
    expect((await getTenantDetail(ext(2))).deployments.find((d) => d.id === dep.id)?.siem).toBeNull();
  });

  it('a full list forgets what it leaves out, for its own instance only', async () => {
    await recordStatus(dep, report({ instanceId: 'pod-a', siemFull: true, siem: [health(1, 1)] }));
    expect((await rows('pod-a')).map((r) => r.configId)).toEqual([cfg(1, 1)]);
    expect(await rows('pod-b')).toHaveLength(1);
    await recordStatus(dep, report({ instanceId: 'pod-a', siemFull: true, siem: [] }));
    expect(await rows('pod-a')).toHaveLength(0);
  });

  it('an older proxy’s report (no SIEM health) is accepted and changes nothing; rows silent for a day go', async () => {
    const before = await rows();
    await recordStatus(dep, report({}));
    expect(await rows()).toEqual(before);
    await db.prisma.siemDeliveryStatus.updateMany({ where: { deploymentId: dep.id, instanceId: 'pod-b' }, data: { reportedAt: new Date(Date.now() - 25 * 3_600_000) } });
    await recordStatus(dep, report({}));
    expect(await rows('pod-b')).toHaveLength(0);
  });

  it('ignores another environment’s tenant, unknown tenants, a tenant that did not approve the deployment, a KMS configuration and another tenant’s configuration', async () => {
    await recordStatus(dep, report({
      instanceId: 'pod-c',
      siem: [
        { ...health(0, 1), tenantId: 'other-1', configId: 'c_otherenvironment01' },
        { ...health(0, 1), tenantId: 'nobody' },
        { ...health(0, 1), tenantId: 'unapproved-1', configId: 'c_unapprovedtenant01' },
        health(0, 9),
        { ...health(0, 1), configId: cfg(1, 1) },
        health(0, 1),
      ],
    }));
    expect((await rows('pod-c')).map((r) => [r.tenantId, r.configId])).toEqual([['ten_sh_0', cfg(0, 1)]]);
    // A tenant admin asking for another tenant's configuration gets "not found".
    await expect(getConfigDelivery(access(1), cfg(0, 1))).rejects.toMatchObject({ code: 'not_found' });
  });

  it('keeps SIEM health out of the audit trail', async () => {
    const events = await db.prisma.auditEvent.findMany({ select: { action: true, details: true } });
    expect(JSON.stringify(events)).not.toContain('pod-');
  });

  it(`takes a report of ${BIG} configurations`, async () => {
    const siem = Array.from({ length: BIG }, (_, k) => health(Math.floor(k / 2), (k % 2) + 1, { sent: k }));
    const started = performance.now();
    await recordStatus(dep, report({ instanceId: 'pod-big', siemFull: true, siem }));
    const ms = performance.now() - started;
    console.log(`[siem-health] ${backend}: a status report of ${BIG} SIEM entries took ${ms.toFixed(0)} ms`);
    expect(await db.prisma.siemDeliveryStatus.count({ where: { deploymentId: dep.id, instanceId: 'pod-big' } })).toBe(BIG);
  }, 120_000);
});
