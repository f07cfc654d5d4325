// The tenant's secrets at the broker, as each role reads them: a tenant admin
// gets its own tenant's wrapped secrets (never another tenant's) with the
// members the page needs and no more; an operator gets counts only, and the
// tenant detail names no path. Rows are written directly: the proxy route
// that stores them has its own tests.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TenantAccess } from '@/lib/server/authz';
import { closeDatabase, initDatabase, type Database } from '@/lib/server/db';
import { seedFleet, type FleetTenant } from '@/lib/testing/fleet';
import { createTestDatabase, type TestDatabase } from '@/lib/testing/test-db';
import { getTenantDetail } from './detail';
import { listSecretsForAdmin } from './secrets';

Object.assign(process.env, { AUTH_SECRET: randomBytes(32).toString('base64url'), BROKER_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url') });

let testDb: TestDatabase;
let db: Database;
let mine: FleetTenant;
let other: FleetTenant;
const access = (t: FleetTenant) => ({ tenant: { id: t.id } }) as TenantAccess;
const secret = (t: FleetTenant, secretPath: string, tenantSecretId: number) => ({
  tenantId: t.id,
  secretPath,
  tenantSecretId,
  kmsConfigId: 1,
  wrapped: randomBytes(48).toString('base64url'),
  digest: randomBytes(32).toString('base64url'),
});

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await initDatabase({ env: testDb.env, migrate: true });
  await db.prisma.environment.create({ data: { id: 'env_s', slug: 'secrets', displayName: 'Secrets' } });
  [mine, other] = (await seedFleet(db.prisma, { environmentId: 'env_s', count: 2, configsPerTenant: 1, prefix: 'sec', recipients: [] })) as [FleetTenant, FleetTenant];
  await db.prisma.tenantSecret.createMany({ data: [secret(mine, 'users.email', 1), secret(mine, 'users.email', 2), secret(mine, 'orders.ref', 1), secret(other, 'other.path', 1)] });
}, 120_000);

afterAll(async () => {
  await closeDatabase();
  await testDb?.drop();
});

describe('tenant secrets', () => {
  it('an admin lists its own tenant’s secrets only, with exactly the members the page reads', async () => {
    const { secrets } = await listSecretsForAdmin(access(mine));
    expect(secrets.map((s) => [s.secretPath, s.tenantSecretId])).toEqual([
      ['orders.ref', 1],
      ['users.email', 1],
      ['users.email', 2],
    ]);
    expect(Object.keys(secrets[0]!).sort()).toEqual(['createdAt', 'createdByDeploymentName', 'digest', 'kmsConfigId', 'secretPath', 'tenantSecretId', 'wrapped']);
    expect(typeof secrets[0]!.createdAt).toBe('string');
    expect((await listSecretsForAdmin(access(other))).secrets.map((s) => s.secretPath)).toEqual(['other.path']);
  });

  it('an operator gets counts only, and the tenant detail names no path', async () => {
    const detail = await getTenantDetail(mine.externalId);
    expect(detail.secrets).toEqual({ paths: 2, secrets: 3 });
    expect(JSON.stringify(detail)).not.toMatch(/users\.email|orders\.ref/);
  });
});
