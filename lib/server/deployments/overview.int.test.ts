// The operators' overview from real rows: counts per environment and status
// and per provider, each deployment's health from its reports (never
// connected, offline, catching up and not receiving updates told apart), and 24 hours
// of lag and errors bucketed per half hour from the samples status reports
// write (at most one a minute per deployment).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateJwkPair } from '@/lib/crypto/p256-jwk';
import type { CurrentUser } from '@/lib/server/authz';
import { closeDatabase, initDatabase, type Database } from '@/lib/server/db';
import { getOverview } from '@/lib/server/deployments/overview';
import { createDeployment, updateDeployment } from '@/lib/server/deployments/service';
import { recordStatus } from '@/lib/server/deployments/status';
import { seedFleet } from '@/lib/testing/fleet';
import { backend, createTestDatabase, type TestDatabase } from '@/lib/testing/test-db';

let testDb: TestDatabase;
let db: Database;
const ids: Record<'reporting' | 'silent' | 'disabled' | 'fresh' | 'stuck', string> = { reporting: '', silent: '', disabled: '', fresh: '', stuck: '' };

async function deploy(name: string, environmentId = 'env_ov'): Promise<string> {
  const { publicJwk } = await generateJwkPair('ecdh');
  return (await createDeployment({ id: 'usr_ops' } as CurrentUser, { name, environmentId, publicJwk: publicJwk as never })).deployment.id;
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await initDatabase({ env: testDb.env, migrate: true });
  await db.prisma.environment.create({ data: { id: 'env_ov', slug: 'ov', displayName: 'Ov' } });
  ids.reporting = await deploy('reporting');
  ids.silent = await deploy('silent');
  ids.disabled = await deploy('off');
  ids.fresh = await deploy('fresh');
  await updateDeployment(ids.disabled, { status: 'disabled' });
  // An environment of its own, whose one tenant changed an hour ago.
  await db.prisma.environment.create({ data: { id: 'env_st', slug: 'st', displayName: 'St' } });
  ids.stuck = await deploy('stuck', 'env_st');
  await seedFleet(db.prisma, { environmentId: 'env_st', count: 1, configsPerTenant: 1, recipients: [], prefix: 'st' });
  await db.prisma.tenant.updateMany({ where: { environmentId: 'env_st' }, data: { lastChangeAt: new Date(Date.now() - 3_600_000) } });
  await seedFleet(db.prisma, { environmentId: 'env_ov', count: 4, configsPerTenant: 3, recipients: [], prefix: 'ov' });
  await db.prisma.tenant.update({ where: { id: 'ten_ov_000003' }, data: { status: 'suspended' } });
});

afterAll(async () => {
  await closeDatabase();
  await testDb.drop();
});

describe(`operator overview on ${backend}`, () => {
  it('counts tenants by environment and status, and configurations by provider', async () => {
    const overview = await getOverview();
    expect(overview.tenants).toEqual([
      { environment: 'ov', status: 'active', count: 3 },
      { environment: 'ov', status: 'suspended', count: 1 },
      { environment: 'st', status: 'active', count: 1 },
    ]);
    expect(overview.configs).toEqual(
      expect.arrayContaining([
        { kind: 'kms', provider: 'aws-kms', active: 5, disabled: 0 },
        { kind: 'siem', provider: 'splunk-hec', active: 4, disabled: 0 },
        { kind: 'kms', provider: 'hashicorp-vault-transit', active: 4, disabled: 0 },
      ]),
    );
  });

  it('derives health from reports and samples lag and errors at most once a minute', async () => {
    const env = await db.prisma.environment.findUniqueOrThrow({ where: { id: 'env_ov' } });
    const reporting = { id: ids.reporting, kid: '', environmentId: 'env_ov' };
    await recordStatus(reporting, { cursor: `v1.d.${env.deliverySeq - 2}`, tenants: [], errors: [{ tenantId: 'ov-000001', configId: null, code: 'tenant_state', message: 'x' }] });
    await recordStatus(reporting, { cursor: `v1.d.${env.deliverySeq - 1}`, tenants: [], errors: [] });
    expect(await db.prisma.deploymentStatusSample.count({ where: { deploymentId: ids.reporting } })).toBe(1);
    // A report an hour and a half ago from the silent one.
    await db.prisma.deploymentStatusSample.create({ data: { deploymentId: ids.silent, at: new Date(Date.now() - 90 * 60_000), lag: 7, errorCount: 3 } });
    await db.prisma.proxyDeployment.update({ where: { id: ids.silent }, data: { lastStatusAt: new Date(Date.now() - 90 * 60_000), appliedSeq: env.deliverySeq - 7 } });

    // Connected and reporting a minute ago, yet still without the change made an hour ago.
    await db.prisma.proxyDeployment.update({ where: { id: ids.stuck }, data: { lastStatusAt: new Date(Date.now() - 60_000), appliedSeq: 0 } });

    const overview = await getOverview();
    const health = Object.fromEntries(overview.deployments.map((d) => [d.name, d.health]));
    // "fresh" never reported: not connected yet — neither silent nor behind, though it has applied nothing.
    expect(health).toEqual({ reporting: 'behind', silent: 'offline', off: 'disabled', fresh: 'never', stuck: 'withheld' });
    expect(overview.buckets.length).toBeGreaterThanOrEqual(48);
    const last = overview.buckets.length - 1;
    const series = Object.fromEntries(overview.lag.map((s) => [s.name, s.values]));
    expect(series.reporting?.[last]).toBe(2);
    // Its report 90 minutes ago, and its lag now (what the health table shows) in the current half hour.
    expect(series.silent?.filter((v) => v !== null)).toEqual([7, 7]);
    expect(series.silent?.[last]).toBe(overview.deployments.find((d) => d.name === 'silent')?.lag);
    expect(overview.errors[last]).toBe(1);
    expect(overview.errors.reduce((a, b) => a + b, 0)).toBe(4);
  });
});
