// Key-use counters in status reports, on each database backend: minute rows
// SET by (deployment, instance, tenant, configuration, minute) — a repeated
// report replaces, never adds; the hourly rollup sums the instances and
// follows a replaced minute; tenants of another environment or that did not
// approve the deployment, and configurations that are not the tenant's, are
// ignored; old rows are pruned (bounded per report); minutes too old to roll
// up are refused. The tenant admin's view, the operators' tenant summary and
// the overview's top tenants read the same rows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateJwkPair } from '@/lib/crypto/p256-jwk';
import type { TProxyStatus } from '@/lib/schemas/deployments';
import type { TUsageMinute } from '@/lib/schemas/usage';
import type { CurrentUser, TenantAccess } from '@/lib/server/authz';
import { closeDatabase, initDatabase, type Database } from '@/lib/server/db';
import { createDeployment } from '@/lib/server/deployments/service';
import { recordStatus } from '@/lib/server/deployments/status';
import { getConfigUsage, pruneUsage, summarizeTenantUsage, topTenantsByUsage } from '@/lib/server/deployments/usage';
import { backend, createTestDatabase, type TestDatabase } from '@/lib/testing/test-db';

let testDb: TestDatabase;
let db: Database;
let dep: { id: string; kid: string; environmentId: string };

const HOUR = 3_600_000;
const START = Date.now() - (Date.now() % 60_000);
const thisMinute = () => START;
const minuteAgo = (n: number) => new Date(thisMinute() - n * 60_000).toISOString();
const access = { tenant: { id: 'ten_us_a' } } as TenantAccess;
const use = (over: Partial<TUsageMinute>): TUsageMinute => ({
  tenantId: 'us-a', configId: 'c_usagekmsaaaaaaaaaa1', minute: minuteAgo(1), wraps: 0, unwraps: 0, rekeys: 0, failures: {}, leasedHits: 0, siemSent: 0, siemDropped: 0, ...over,
});
const report = (instanceId: string, usage: TUsageMinute[]): TProxyStatus => ({ cursor: null, tenants: [], errors: [], instanceId, usage });
const minutes = () => db.prisma.configUsageMinute.findMany({ where: { deploymentId: dep.id }, orderBy: [{ instanceId: 'asc' }, { configId: 'asc' }, { minute: 'asc' }] });

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await initDatabase({ env: testDb.env, migrate: true });
  await db.prisma.environment.createMany({ data: [{ id: 'env_us', slug: 'us', displayName: 'Us' }, { id: 'env_other', slug: 'other', displayName: 'Other' }] });
  const { publicJwk } = await generateJwkPair('ecdh');
  const created = (await createDeployment({ id: 'usr_ops' } as CurrentUser, { name: 'eu-1', environmentId: 'env_us', publicJwk: publicJwk as never })).deployment;
  dep = { id: created.id, kid: created.kid, environmentId: 'env_us' };
  await db.prisma.tenant.createMany({
    data: [
      { id: 'ten_us_a', externalId: 'us-a', displayName: 'Alpha', environmentId: 'env_us', status: 'active', recipientKids: [dep.kid] },
      { id: 'ten_us_b', externalId: 'us-b', displayName: 'Beta', environmentId: 'env_us', status: 'active', recipientKids: [dep.kid] },
      { id: 'ten_us_unapproved', externalId: 'us-unapproved', displayName: 'U', environmentId: 'env_us', status: 'active', recipientKids: [] },
      { id: 'ten_other', externalId: 'us-other', displayName: 'O', environmentId: 'env_other', status: 'active', recipientKids: [dep.kid] },
    ],
  });
  await db.prisma.tenantConfig.createMany({
    data: [
      { id: 'c_usagekmsaaaaaaaaaa1', tenantId: 'ten_us_a', kind: 'kms', provider: 'aws-kms', label: 'K', latestVersion: 1 },
      { id: 'c_usagesiemaaaaaaaaa1', tenantId: 'ten_us_a', kind: 'siem', provider: 'splunk-hec', label: 'S', latestVersion: 1 },
      { id: 'c_usagekmsbbbbbbbbbb1', tenantId: 'ten_us_b', kind: 'kms', provider: 'aws-kms', label: 'K', latestVersion: 1 },
      { id: 'c_usageunapproved0001', tenantId: 'ten_us_unapproved', kind: 'kms', provider: 'aws-kms', label: 'K', latestVersion: 1 },
      { id: 'c_usageotherenv000001', tenantId: 'ten_other', kind: 'kms', provider: 'aws-kms', label: 'K', latestVersion: 1 },
    ],
  });
}, 120_000);

afterAll(async () => {
  await closeDatabase();
  await testDb.drop();
});

describe(`usage counters on ${backend}`, () => {
  it('a repeated report replaces its minutes (SET), never adds; the hour sums the instances', async () => {
    const first = [use({ wraps: 5, unwraps: 3, failures: { '206': 2 } }), use({ minute: minuteAgo(2), wraps: 1 })];
    await recordStatus(dep, report('i-1', first));
    await recordStatus(dep, report('i-1', first));
    expect((await minutes()).map((m) => [m.instanceId, m.wraps, m.unwraps, m.failed])).toEqual([
      ['i-1', 1, 0, 0],
      ['i-1', 5, 3, 2],
    ].sort((a, b) => (a[1] as number) - (b[1] as number)));
    await recordStatus(dep, report('i-2', [use({ wraps: 10, failures: { '206': 1, '209': 4 } })]));
    const view = await getConfigUsage(access, 'c_usagekmsaaaaaaaaaa1', '24h');
    const sum = view.deployments[0]?.sum;
    expect(sum).toMatchObject({ wraps: 16, unwraps: 3, failed: 7 });
    expect(view.total.reduce((a, b) => a + b.wraps, 0)).toBe(16);
    expect(view.topErrors).toEqual([
      { code: '209', count: 4, deployments: ['eu-1'] },
      { code: '206', count: 3, deployments: ['eu-1'] },
    ]);
    expect(view.lastUsed).toEqual({ at: minuteAgo(1), deploymentId: dep.id, deploymentName: 'eu-1' });
    // A replaced minute changes its hour: 5 → 2 wraps on i-1.
    await recordStatus(dep, report('i-1', [use({ wraps: 2, unwraps: 3, failures: { '206': 2 } })]));
    const after = await getConfigUsage(access, 'c_usagekmsaaaaaaaaaa1', '24h');
    expect(after.deployments[0]?.sum.wraps).toBe(13);
    // The 30-day chart reads the same hours, in days.
    const month = await getConfigUsage(access, 'c_usagekmsaaaaaaaaaa1', '30d');
    expect(month.bucket).toBe('day');
    expect(month.starts).toHaveLength(30);
    expect(month.deployments[0]?.sum.wraps).toBe(13);
  });

  it('ignores unapproved and foreign tenants, configurations not the tenant\'s, and minutes too old', async () => {
    const before = (await minutes()).length;
    await recordStatus(
      dep,
      report('i-3', [
        use({ tenantId: 'us-unapproved', configId: 'c_usageunapproved0001', wraps: 1 }),
        use({ tenantId: 'us-other', configId: 'c_usageotherenv000001', wraps: 1 }),
        use({ tenantId: 'us-a', configId: 'c_usagekmsbbbbbbbbbb1', wraps: 1 }),
        use({ minute: new Date(thisMinute() - 2.5 * HOUR).toISOString(), wraps: 1 }),
      ]),
    );
    expect((await minutes()).length).toBe(before);
    await expect(getConfigUsage({ tenant: { id: 'ten_us_b' } } as TenantAccess, 'c_usagekmsaaaaaaaaaa1', '24h')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('SIEM configurations carry sent and dropped', async () => {
    await recordStatus(dep, report('i-1', [use({ configId: 'c_usagesiemaaaaaaaaa1', siemSent: 40, siemDropped: 2 })]));
    const view = await getConfigUsage(access, 'c_usagesiemaaaaaaaaa1', '24h');
    expect(view.kind).toBe('siem');
    expect(view.deployments[0]?.sum).toMatchObject({ siemSent: 40, siemDropped: 2, wraps: 0 });
    expect(view.lastUsed).toBeNull();
  });

  it('operators see per-tenant totals and codes, and the top tenants', async () => {
    await recordStatus(dep, report('i-1', [use({ tenantId: 'us-b', configId: 'c_usagekmsbbbbbbbbbb1', unwraps: 2 })]));
    const summary = await summarizeTenantUsage('ten_us_a');
    expect(summary.day).toMatchObject({ wraps: 13, unwraps: 3, failed: 7, siemSent: 40 });
    expect(summary.month.wraps).toBe(13);
    expect(summary.topErrors[0]).toEqual({ code: '209', count: 4 });
    expect(summary.lastUsedAt).toBe(minuteAgo(1));
    expect(await summarizeTenantUsage('ten_us_unapproved')).toMatchObject({ day: { wraps: 0 }, topErrors: [], lastUsedAt: null });
    const top = await topTenantsByUsage(10);
    expect(top.map((t) => [t.displayName, t.uses, t.failed, t.topCode])).toEqual([
      ['Alpha', 16, 7, '209'],
      ['Beta', 2, 0, null],
    ]);
  });

  it('prunes minute rows after 3 hours and hour rows after 30 days, a bounded number per call', async () => {
    const old = new Date(Date.now() - 4 * HOUR);
    const base = { deploymentId: dep.id, tenantId: 'ten_us_b', configId: 'c_usagekmsbbbbbbbbbb1', wraps: 1, unwraps: 0, rekeys: 0, failed: 0, failures: {}, leasedHits: 0, siemSent: 0, siemDropped: 0 };
    await db.prisma.configUsageMinute.createMany({ data: [0, 1, 2].map((i) => ({ ...base, instanceId: 'old', minute: new Date(old.getTime() - i * 60_000), reportedAt: old })) });
    await db.prisma.configUsageHour.createMany({ data: [0, 1].map((i) => ({ ...base, hour: new Date(Date.now() - (31 + i) * 24 * HOUR) })) });
    const first = await db.prisma.$transaction((tx) => pruneUsage(tx, dep.id, new Date(), 2));
    expect(first).toEqual({ minutes: 2, hours: 2 });
    const second = await db.prisma.$transaction((tx) => pruneUsage(tx, dep.id, new Date(), 2));
    expect(second).toEqual({ minutes: 1, hours: 0 });
    expect(await db.prisma.configUsageMinute.count({ where: { instanceId: 'old' } })).toBe(0);
    // Recent rows stay.
    expect(await db.prisma.configUsageMinute.count({ where: { deploymentId: dep.id } })).toBeGreaterThan(0);
  });
});
