// The propagation figure the configurations list shows: for each
// configuration, the seq of the signed state from which its entry (version,
// status, primary) is what it is now, as listConfigs serves it. A status
// change moves only its own configuration's seq; a re-seal for an approval
// moves every one; a re-issue past lost changes moves every one too (a
// deployment may have applied a lost state); and the broker reads back only
// as far as the lowest seq an approved deployment reported applying.
import type { JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateJwkPair } from '@/lib/crypto/p256-jwk';
import type { TConfigChange } from '@/lib/schemas/config-change';
import type { CurrentUser, TenantAccess } from '@/lib/server/authz';
import { applyConfigChange } from '@/lib/server/configs/changes';
import { listConfigs } from '@/lib/server/configs/queries';
import { closeDatabase, initDatabase, type Database } from '@/lib/server/db';
import { createDeployment } from '@/lib/server/deployments/service';
import { seedFleet, sealFor, signNextState, type FleetRecipient, type FleetTenant } from '@/lib/testing/fleet';
import { backend, createTestDatabase, type TestDatabase } from '@/lib/testing/test-db';

let testDb: TestDatabase;
let db: Database;
let tenant: FleetTenant;
let access: TenantAccess;
let deployment: FleetRecipient & { id: string };

const changed = async () => {
  const listing = await listConfigs(access);
  return Object.fromEntries(listing.configs.map((c) => [c.id, c.changedSeq]));
};
const ids = () => tenant.configs.map((c) => c.configId) as [string, string];
const applied = (seq: number) =>
  db.prisma.deploymentTenantStatus.upsert({
    where: { deploymentId_tenantId: { deploymentId: deployment.id, tenantId: tenant.id } },
    create: { deploymentId: deployment.id, tenantId: tenant.id, appliedSeq: seq },
    update: { appliedSeq: seq },
  });

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await initDatabase({ env: testDb.env, migrate: true });
  await db.prisma.environment.create({ data: { id: 'env_p', slug: 'p', displayName: 'P' } });
  const { publicJwk } = await generateJwkPair('ecdh');
  const created = await createDeployment({ id: 'usr_ops' } as CurrentUser, { name: 'prop', environmentId: 'env_p', publicJwk: publicJwk as never });
  deployment = { id: created.deployment.id, kid: created.deployment.kid, publicJwk: created.deployment.publicJwk as JWK };
  [tenant] = (await seedFleet(db.prisma, { environmentId: 'env_p', count: 1, configsPerTenant: 2, recipients: [] })) as [FleetTenant];
  access = {
    user: { id: 'usr_adm', email: 'a@example.com', isOperator: false, adminKeyKid: 'x', totpEnabled: false, sessionId: 's' },
    tenant: { id: tenant.id, externalId: tenant.externalId, displayName: 'T', status: 'active', requireMfa: false },
    membership: { id: 'adm', status: 'confirmed' },
  };
});

afterAll(async () => {
  await closeDatabase();
  await testDb.drop();
});

describe(`propagation seqs in the configurations listing on ${backend}`, () => {
  it('gives every configuration of a first state that seq', async () => {
    const [a, b] = ids();
    expect(await changed()).toEqual({ [a]: 1, [b]: 1 });
  });

  it('moves every configuration on when an approval re-seals them all', async () => {
    const reseal = [];
    for (const config of tenant.configs) {
      const sealed = await sealFor(tenant, config, config.version + 1, [deployment]);
      config.version += 1;
      config.digest = sealed.digest;
      reseal.push({ configId: config.configId, version: config.version, jwe: sealed.jwe as never });
    }
    tenant.recipients = [deployment.kid];
    const change: TConfigChange = { state: (await signNextState(tenant)).jws, reseal };
    expect((await applyConfigChange(access, change)).seq).toBe(2);
    const [a, b] = ids();
    expect(await changed()).toEqual({ [a]: 2, [b]: 2 });
    // Each says when that state was stored ("catching up since …" on the configuration page).
    const listing = await listConfigs(access);
    const stored = await db.prisma.tenantState.findFirstOrThrow({ where: { tenantId: tenant.id, seq: 2 }, select: { createdAt: true } });
    expect(listing.configs.map((c) => c.changedAt)).toEqual([stored.createdAt, stored.createdAt]);
  });

  it('moves only the configuration whose status changed, once a deployment applied the earlier state', async () => {
    await applied(2);
    tenant.configs[1]!.status = 'disabled';
    tenant.configs[1]!.primary = false;
    expect((await applyConfigChange(access, { state: (await signNextState(tenant)).jws })).seq).toBe(3);
    const [a, b] = ids();
    expect(await changed()).toEqual({ [a]: 2, [b]: 3 });
    // A state that changes nothing of a configuration leaves its seq where it was.
    tenant.configs[1]!.status = 'active';
    expect((await applyConfigChange(access, { state: (await signNextState(tenant)).jws })).seq).toBe(4);
    expect(await changed()).toEqual({ [a]: 2, [b]: 4 });
  });

  it('reads back only to the lowest seq an approved deployment applied: before it, that seq stands in', async () => {
    const [a, b] = ids();
    await applied(3);
    // Unchanged since 2, but no approved deployment is on a state before 3: 3 is all the page needs.
    expect(await changed()).toEqual({ [a]: 3, [b]: 4 });
    // A deployment that applied nothing is behind on everything anyway: the latest state alone is read.
    await db.prisma.deploymentTenantStatus.deleteMany({ where: { tenantId: tenant.id } });
    expect(await changed()).toEqual({ [a]: 4, [b]: 4 });
  });

  it('moves every configuration on at a re-issue past lost changes', async () => {
    await applied(2);
    const fromSeq = tenant.seq;
    tenant.seq += 1; // seq 5 was lost by the broker; a deployment may have applied it.
    const { jws } = await signNextState(tenant);
    expect((await applyConfigChange(access, { state: jws, reissue: { fromSeq } })).seq).toBe(6);
    const [a, b] = ids();
    expect(await changed()).toEqual({ [a]: 6, [b]: 6 });
  });
});
