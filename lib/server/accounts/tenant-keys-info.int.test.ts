// GET /api/v1/tenants/{tenant}/keys (getMyTenantKeys), on both backends: the
// admin's browser receives the tenant's key rotation statements beside the
// keys, oldest first and only its own tenant's, so it can follow a new signing
// key the way proxies do (lib/client/tenant-key-pin.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signKeyRotation } from '@/lib/crypto/key-rotation';
import { generateTenantKeys, importTenantKeys } from '@/lib/crypto/tenant-keys';
import { getMyTenantKeys } from '@/lib/server/accounts/tenant-admins';
import { closeDatabase, initDatabase, type Database } from '@/lib/server/db';
import { createKeyedTenant, type KeyedTenant } from '@/lib/testing/keyed-tenant';
import { backend, createTestDatabase, type TestDatabase } from '@/lib/testing/test-db';

let testDb: TestDatabase;
let db: Database;
const tenants = {} as Record<'a' | 'b', KeyedTenant>;
const statements = {} as Record<'a1' | 'a2' | 'b1', string>;

async function rotateFrom(externalId: string, current: KeyedTenant['keys']) {
  const pairs = await generateTenantKeys();
  const next = await importTenantKeys({ encryption: pairs.encryption.privateJwk, signing: pairs.signing.privateJwk });
  const statement = await signKeyRotation({ subject: `tenant:${externalId}`, next: pairs.signing.publicJwk }, current.signingKey, current.signingKid);
  return { statement, previousKid: current.signingKid, next };
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await initDatabase({ env: testDb.env, migrate: true });
  await db.prisma.environment.create({ data: { id: 'env_keys', slug: 'keys', displayName: 'Keys' } });
  for (const [name, suffix] of [['a', 'KEYSAAAAAAAAAAAA'], ['b', 'KEYSBBBBBBBBBBBB']] as const) {
    const externalId = `keys-${name}`;
    tenants[name] = await createKeyedTenant(db.prisma, { suffix, externalId, displayName: externalId, environmentId: 'env_keys', adminEmail: `${name}@keys.example` });
    await db.prisma.user.create({
      data: { id: `usr_${suffix}`, email: `${name}@keys.example`, kdfSalt: 's', kdfIterations: 600_000, authKeyHash: 'h', adminPublicJwk: {}, adminKeyKid: 'x', sealedAdminKey: 'x' },
    });
    await db.prisma.tenantAdmin.create({ data: { id: `adm_${suffix}`, tenantId: `ten_${suffix}`, userId: `usr_${suffix}`, status: 'confirmed', wrappedTenantKeys: `copy-for-${name}` } });
  }
  // Tenant a rotated twice, tenant b once; written out of order to show the order is the chain's.
  const a1 = await rotateFrom('keys-a', tenants.a.keys);
  const a2 = await rotateFrom('keys-a', a1.next);
  const b1 = await rotateFrom('keys-b', tenants.b.keys);
  Object.assign(statements, { a1: a1.statement, a2: a2.statement, b1: b1.statement });
  const row = (tenantId: string, ordinal: number, r: typeof a1) => ({ tenantId, ordinal, jws: r.statement, previousKid: r.previousKid, nextKid: r.next.signingKid });
  await db.prisma.tenantKeyRotation.createMany({ data: [row('ten_KEYSAAAAAAAAAAAA', 2, a2), row('ten_KEYSBBBBBBBBBBBB', 1, b1), row('ten_KEYSAAAAAAAAAAAA', 1, a1)] });
}, 120_000);

afterAll(async () => {
  await closeDatabase();
  await testDb.drop();
});

describe(`the tenant keys answer on ${backend}`, () => {
  it('carries the tenant’s own rotation statements, oldest first, beside the keys', async () => {
    const answer = await getMyTenantKeys(tenants.a.access);
    expect(answer).toMatchObject({ status: 'confirmed', wrappedTenantKeys: 'copy-for-a', sigKid: tenants.a.keys.signingKid, encKid: tenants.a.keys.encryptionKid });
    expect(answer.keyRotations).toEqual([statements.a1, statements.a2]);
    expect((await getMyTenantKeys(tenants.b.access)).keyRotations).toEqual([statements.b1]);
  });

  it('is an empty list for a tenant that never rotated', async () => {
    await db.prisma.tenantKeyRotation.deleteMany({ where: { tenantId: 'ten_KEYSBBBBBBBBBBBB' } });
    expect((await getMyTenantKeys(tenants.b.access)).keyRotations).toEqual([]);
  });
});
