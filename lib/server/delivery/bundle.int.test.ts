// Bundle pages in-process, on each backend: pages are bounded in tenants and
// in bytes (a page always holds at least one tenant), following `next` visits
// every tenant exactly once, deltas page in change order, and every page is a
// valid bundle signed by the published broker key.
import type { JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyBundle, type TBundle } from '@/lib/crypto/bundle';
import { generateJwkPair } from '@/lib/crypto/p256-jwk';
import type { CurrentUser } from '@/lib/server/authz';
import { closeDatabase, initDatabase, type Database } from '@/lib/server/db';
import { createDeployment } from '@/lib/server/deployments/service';
import { buildBundle, type DeploymentRef } from '@/lib/server/delivery/bundle';
import { publishedJwks } from '@/lib/server/signing';
import { seedFleet, type FleetTenant } from '@/lib/testing/fleet';
import { backend, createTestDatabase, type TestDatabase } from '@/lib/testing/test-db';

let testDb: TestDatabase;
let db: Database;
let deployment: DeploymentRef;
let fleet: FleetTenant[];
let keys: JWK[];

async function pages(cursor: string | undefined, maxPageBytes: number): Promise<TBundle[]> {
  const out: TBundle[] = [];
  for (let next = cursor; ; ) {
    const built = await buildBundle(db.prisma, deployment, next, { maxPageBytes });
    const bundle = await verifyBundle(built.jws, keys, { deploymentId: deployment.id });
    expect(bundle.tenants.length).toBe(built.tenants);
    out.push(bundle);
    next = bundle.next;
    if (bundle.complete) return out;
    expect(out.length).toBeLessThan(100);
  }
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await initDatabase({ env: testDb.env, migrate: true });
  await db.prisma.environment.create({ data: { id: 'env_pages', slug: 'pages', displayName: 'Pages' } });
  const { publicJwk } = await generateJwkPair('ecdh');
  const created = await createDeployment({ id: 'usr_ops' } as CurrentUser, { name: 'pages', environmentId: 'env_pages', publicJwk: publicJwk as never });
  deployment = { id: created.deployment.id, kid: created.deployment.kid, environmentId: 'env_pages' };
  fleet = await seedFleet(db.prisma, { environmentId: 'env_pages', count: 30, configsPerTenant: 3, recipients: [{ kid: deployment.kid, publicJwk: publicJwk as JWK }], prefix: 'pages' });
  keys = (await publishedJwks()).keys;
});

afterAll(async () => {
  await closeDatabase();
  await testDb.drop();
});

describe(`bundle pages on ${backend}`, () => {
  it('fits everything in one page when it is small', async () => {
    const [only, ...rest] = await pages(undefined, 4 * 1024 * 1024);
    expect(rest).toEqual([]);
    expect(only?.tenants).toHaveLength(30);
  });

  it('cuts pages by bytes, never below one tenant, and visits every tenant once', async () => {
    const bounded = await pages(undefined, 12_000);
    expect(bounded.length).toBeGreaterThan(3);
    expect(bounded.every((p) => p.tenants.length >= 1)).toBe(true);
    const ids = bounded.flatMap((p) => p.tenants.map((t) => t.tenantId));
    expect(ids).toEqual(fleet.map((t) => t.externalId).sort());
    const tiny = await pages(undefined, 1);
    expect(tiny.map((p) => p.tenants.length)).toEqual(Array(30).fill(1));
  });

  it('pages deltas in change order', async () => {
    const last = (await pages(undefined, 4 * 1024 * 1024)).at(-1) as TBundle;
    const changed = [fleet[7], fleet[2], fleet[19]] as FleetTenant[];
    for (const t of changed) {
      const env = await db.prisma.environment.update({ where: { id: 'env_pages' }, data: { deliverySeq: { increment: 1 } } });
      await db.prisma.tenant.update({ where: { id: t.id }, data: { deliverySeq: env.deliverySeq } });
    }
    const delta = await pages(last.next, 1);
    expect(delta.flatMap((p) => p.tenants.map((t) => t.tenantId))).toEqual(changed.map((t) => t.externalId));
  });
});
