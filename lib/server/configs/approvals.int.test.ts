// Approving and removing proxy deployments (PROTOCOL.md "Tenant state"): the
// recipients of the signed state change only together with every
// configuration re-sealed as its next version to exactly the new set; only
// active deployments of the tenant's own environment can be approved; and
// afterwards every new version must be sealed to the approved deployments too.
import type { JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newConfigId } from '@/lib/crypto/config-document';
import { generateJwkPair } from '@/lib/crypto/p256-jwk';
import type { TConfigChange } from '@/lib/schemas/config-change';
import type { CurrentUser, TenantAccess } from '@/lib/server/authz';
import { applyConfigChange } from '@/lib/server/configs/changes';
import { closeDatabase, initDatabase, type Database } from '@/lib/server/db';
import { createDeployment, updateDeployment } from '@/lib/server/deployments/service';
import { AppError } from '@/lib/server/errors';
import { seedFleet, sealFor, signNextState, type FleetRecipient, type FleetTenant } from '@/lib/testing/fleet';
import { backend, createTestDatabase, type TestDatabase } from '@/lib/testing/test-db';

let testDb: TestDatabase;
let db: Database;
let tenant: FleetTenant;
let access: TenantAccess;
const deployments: Record<'mine' | 'other' | 'disabled', FleetRecipient> = {} as never;

async function deploy(name: string, environmentId: string): Promise<FleetRecipient & { id: string }> {
  const { publicJwk } = await generateJwkPair('ecdh');
  const created = await createDeployment({ id: 'usr_ops' } as CurrentUser, { name, environmentId, publicJwk: publicJwk as never });
  return { id: created.deployment.id, kid: created.deployment.kid, publicJwk: created.deployment.publicJwk as JWK };
}

/** Every configuration re-sealed to `recipients` as its next version, and the state approving them. */
async function approval(recipients: FleetRecipient[]): Promise<TConfigChange> {
  const reseal = [];
  for (const config of tenant.configs) {
    const sealed = await sealFor(tenant, config, config.version + 1, recipients);
    config.version += 1;
    config.digest = sealed.digest;
    reseal.push({ configId: config.configId, version: config.version, jwe: sealed.jwe as never });
  }
  tenant.recipients = recipients.map((r) => r.kid);
  return { state: (await signNextState(tenant)).jws, reseal };
}

async function refusal(change: () => Promise<TConfigChange>): Promise<AppError> {
  const snapshot = structuredClone({ seq: tenant.seq, recipients: tenant.recipients, configs: tenant.configs.map((c) => ({ ...c })) });
  const error = await change()
    .then((c) => applyConfigChange(access, c))
    .then(() => undefined, (e: unknown) => e);
  Object.assign(tenant, { seq: snapshot.seq, recipients: snapshot.recipients, configs: snapshot.configs });
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await initDatabase({ env: testDb.env, migrate: true });
  await db.prisma.environment.createMany({ data: [{ id: 'env_a', slug: 'a', displayName: 'A' }, { id: 'env_b', slug: 'b', displayName: 'B' }] });
  deployments.mine = await deploy('mine', 'env_a');
  deployments.other = await deploy('other-env', 'env_b');
  const disabled = await deploy('disabled', 'env_a');
  await updateDeployment(disabled.id, { status: 'disabled' });
  deployments.disabled = disabled;
  [tenant] = (await seedFleet(db.prisma, { environmentId: 'env_a', count: 1, configsPerTenant: 2, recipients: [] })) as [FleetTenant];
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

describe(`approving proxy deployments on ${backend}`, () => {
  it('refuses an approval that does not re-seal every configuration', async () => {
    expect((await refusal(async () => ({ state: (await signNextState({ ...tenant, recipients: [deployments.mine.kid] })).jws }))).fields[0]?.path).toBe('reseal');
    const partial = await refusal(async () => {
      const change = await approval([deployments.mine]);
      return { ...change, reseal: change.reseal?.slice(0, 1) };
    });
    expect(partial.fields[0]?.path).toBe('reseal');
  });

  it('refuses approving a deployment of another environment, or a disabled one', async () => {
    expect((await refusal(() => approval([deployments.other]))).fields[0]?.path).toBe('state.recipients');
    expect((await refusal(() => approval([deployments.disabled]))).fields[0]?.path).toBe('state.recipients');
  });

  it('refuses a re-seal to a set other than the state lists', async () => {
    const error = await refusal(async () => {
      const change = await approval([deployments.mine]);
      const wrong = await sealFor(tenant, tenant.configs[0] as FleetTenant['configs'][number], (tenant.configs[0]?.version ?? 0), []);
      return { ...change, reseal: change.reseal?.map((r, i) => (i === 0 ? { ...r, jwe: wrong.jwe as never } : r)) };
    });
    expect(error.fields[0]?.path).toBe('reseal.0.jwe');
  });

  it('approves with every configuration re-sealed as its next version, and bumps the delivery sequence', async () => {
    const before = (await db.prisma.environment.findUniqueOrThrow({ where: { id: 'env_a' } })).deliverySeq;
    const result = await applyConfigChange(access, await approval([deployments.mine]));
    expect(result.seq).toBe(2);
    const row = await db.prisma.tenant.findUniqueOrThrow({ where: { id: tenant.id } });
    expect(row.recipientKids).toEqual([deployments.mine.kid]);
    expect(row.deliverySeq).toBe(before + 1);
    const versions = await db.prisma.tenantConfigVersion.findMany({ where: { config: { tenantId: tenant.id }, version: 2 } });
    expect(versions).toHaveLength(2);
    expect(versions.every((v) => v.stateSeq === 2)).toBe(true);
    for (const v of versions) expect((v.jwe as { recipients: { header: { kid: string } }[] }).recipients.map((r) => r.header.kid).sort()).toEqual([tenant.keys.encryptionKid, deployments.mine.kid].sort());
  });

  it('then requires new versions to be sealed to the approved deployment too, and refuses re-seals without a change of recipients', async () => {
    const put = async (recipients: FleetRecipient[]): Promise<TConfigChange> => {
      // Looked up each time: a refusal restores the tenant's configs from a snapshot.
      const config = tenant.configs[0] as FleetTenant['configs'][number];
      const sealed = await sealFor(tenant, config, config.version + 1, recipients);
      config.version += 1;
      config.digest = sealed.digest;
      return { state: (await signNextState(tenant)).jws, put: { configId: config.configId, kind: config.kind, provider: config.provider, label: 'x', version: config.version, jwe: sealed.jwe as never } };
    };
    expect((await refusal(() => put([]))).fields[0]?.path).toBe('put.jwe');
    expect((await refusal(async () => approval([deployments.mine]))).fields[0]?.path).toBe('reseal');
    expect((await applyConfigChange(access, await put([deployments.mine]))).version).toBe(3);
  });

  it('removes a deployment the same way, and a new configuration goes only to the tenant key then', async () => {
    expect((await applyConfigChange(access, await approval([]))).seq).toBe(4);
    expect((await db.prisma.tenant.findUniqueOrThrow({ where: { id: tenant.id } })).recipientKids).toEqual([]);
    const configId = newConfigId();
    const config = { configId, kind: 'siem' as const, provider: 'splunk-hec', settings: tenant.configs[1]?.settings ?? {} };
    const sealed = await sealFor(tenant, config, 1, []);
    tenant.configs.push({ ...config, version: 1, status: 'active', primary: false, digest: sealed.digest });
    const result = await applyConfigChange(access, { state: (await signNextState(tenant)).jws, put: { configId, kind: 'siem', provider: 'splunk-hec', label: 'New', version: 1, jwe: sealed.jwe as never } });
    expect(result.seq).toBe(5);
  });
});
