// Changes to a tenant's admin set that race each other or a key rotation, on
// both backends, through the real services (real crypto, real database).
// PostgreSQL runs transactions at once, so there each race is staged: the test
// holds the audit chain's advisory lock — every one of these transactions
// takes it last, just before commit — so the first racer is caught with its
// changes made but not committed, the second is started against it, and both
// are let go together. Without the tenant-row lock (lockTenant) each race ends
// in the state the review found: no confirmed admin left, or an admin
// confirmed with keys a rotation had just replaced. PGlite runs transactions
// one at a time; the same scenarios must end the same way there.
import type { JWK } from 'jose';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateJwkPair } from '@/lib/crypto/p256-jwk';
import { buildKeyRotation } from '@/lib/crypto/tenant-key-rotation';
import { generateTenantKeys, importTenantKeys, wrapTenantKeys, type TImportedTenantKeys, type TTenantPrivateKeys } from '@/lib/crypto/tenant-keys';
import { ZConfigChange } from '@/lib/schemas/config-change';
import { recoverWithKit, removeTenantAdmin, saveRecoveryKit } from '@/lib/server/accounts/tenant-admins';
import type { TenantAccess } from '@/lib/server/authz';
import { applyConfigChange } from '@/lib/server/configs/changes';
import { closeDatabase, initDatabase, type Database } from '@/lib/server/db';
import { AppError } from '@/lib/server/errors';
import { backend, createTestDatabase, type TestDatabase } from '@/lib/testing/test-db';

const ENV_ID = 'env_races';
let testDb: TestDatabase;
let db: Database;
let tenants = 0;

type Admin = { access: TenantAccess; publicJwk: JWK };
type RaceTenant = { id: string; externalId: string; privates: TTenantPrivateKeys; keys: TImportedTenantKeys; admins: Record<string, Admin> };

/** A tenant with real keys and the given admins (each with a real admin key pair). */
async function tenantWith(admins: Record<string, 'confirmed' | 'pending'>): Promise<RaceTenant> {
  const n = ++tenants;
  const pairs = await generateTenantKeys();
  const privates = { encryption: pairs.encryption.privateJwk, signing: pairs.signing.privateJwk };
  const keys = await importTenantKeys(privates);
  const tenant = await db.prisma.tenant.create({
    data: {
      id: `ten_race${n}`,
      externalId: `race-${n}`,
      displayName: `Race ${n}`,
      environmentId: ENV_ID,
      status: 'active',
      encPublicJwk: pairs.encryption.publicJwk as object,
      encKid: keys.encryptionKid,
      sigPublicJwk: pairs.signing.publicJwk as object,
      sigKid: keys.signingKid,
    },
  });
  const made: Record<string, Admin> = {};
  for (const [name, status] of Object.entries(admins)) {
    const pair = await generateJwkPair('ecdh');
    const kid = pair.publicJwk.kid as string;
    const user = await db.prisma.user.create({
      data: { id: `usr_${name}${n}`, email: `${name}@race-${n}.example`, kdfSalt: 's', kdfIterations: 600_000, authKeyHash: 'h', adminPublicJwk: pair.publicJwk as object, adminKeyKid: kid, sealedAdminKey: 'x' },
    });
    const wrapped = status === 'confirmed' ? await wrapTenantKeys(privates, pair.publicJwk, tenant.externalId) : null;
    const membership = await db.prisma.tenantAdmin.create({
      data: { id: `adm_${name}${n}`, tenantId: tenant.id, userId: user.id, status, wrappedTenantKeys: wrapped, confirmedAt: status === 'confirmed' ? new Date() : null },
    });
    made[name] = {
      access: {
        user: { id: user.id, email: user.email, isOperator: false, adminKeyKid: kid, totpEnabled: false, sessionId: 'ses' },
        tenant: { id: tenant.id, externalId: tenant.externalId, displayName: tenant.displayName, status: 'active', requireMfa: false },
        membership: { id: membership.id, status },
      },
      publicJwk: pair.publicJwk,
    };
  }
  return { id: tenant.id, externalId: tenant.externalId, privates, keys, admins: made };
}

/** What the rotating admin's browser sends for a tenant without configurations yet. */
async function rotationBy(tenant: RaceTenant, admin: Admin) {
  return buildKeyRotation({ tenantId: tenant.externalId, current: tenant.keys, adminPublicJwk: admin.publicJwk, previous: null, documents: [], deployments: [], withRecoveryKit: true });
}

async function memberships(tenant: RaceTenant) {
  const rows = await db.prisma.tenantAdmin.findMany({ where: { tenantId: tenant.id }, orderBy: { id: 'asc' }, select: { id: true, status: true, wrappedTenantKeys: true } });
  return rows.map((r) => ({ id: r.id, status: r.status, holdsKeys: r.wrappedTenantKeys !== null }));
}

// ---------------------------------------------------------------- staging (PostgreSQL only)

const pgUrl = () => testDb.env.DATABASE_URL as string;

/** Holds the audit chain's lock (lib/server/dal/audit.ts); returns its release. A no-op on PGlite. */
async function holdAuditLock(): Promise<() => Promise<void>> {
  if (backend === 'pglite') return async () => {};
  const client = new pg.Client({ connectionString: pgUrl() });
  await client.connect();
  await client.query('BEGIN');
  await client.query("SELECT pg_advisory_xact_lock(hashtext('cmk-broker:audit'))");
  return async () => {
    await client.query('COMMIT');
    await client.end();
  };
}

/** Until `count` backends of the test database wait for a lock (the racers are in place). A no-op on PGlite. */
async function waitForWaiters(count: number): Promise<void> {
  if (backend === 'pglite') return;
  const client = new pg.Client({ connectionString: pgUrl() });
  await client.connect();
  try {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const { rows } = await client.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'");
      if ((rows[0]?.n ?? 0) >= count) return;
      if (Date.now() > deadline) throw new Error(`only ${rows[0]?.n} transactions are waiting for a lock, expected ${count}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    await client.end();
  }
}

/** Runs `first` until it is caught at its commit, then `second` against it, then lets both go. */
async function race<A, B>(first: () => Promise<A>, second: () => Promise<B>): Promise<[PromiseSettledResult<A>, PromiseSettledResult<B>]> {
  // PGlite runs one transaction after the other: the order the staging gives on PostgreSQL.
  if (backend === 'pglite') {
    const [a] = await Promise.allSettled([first()]);
    const [b] = await Promise.allSettled([second()]);
    return [a, b];
  }
  const release = await holdAuditLock();
  let a: Promise<A>;
  let b: Promise<B>;
  try {
    a = first();
    a.catch(() => {});
    await waitForWaiters(1);
    b = second();
    b.catch(() => {});
    await waitForWaiters(2);
  } finally {
    await release();
  }
  return Promise.allSettled([a, b]) as Promise<[PromiseSettledResult<A>, PromiseSettledResult<B>]>;
}

const codeOf = (result: PromiseSettledResult<unknown>) => (result.status === 'rejected' ? (result.reason instanceof AppError ? result.reason.code : String(result.reason)) : 'ok');
const statusOf = (result: PromiseSettledResult<unknown>) => (result.status === 'rejected' && result.reason instanceof AppError ? result.reason.status : 200);

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await initDatabase({ env: testDb.env, migrate: true });
  await db.prisma.environment.create({ data: { id: ENV_ID, slug: 'races', displayName: 'Races' } });
}, 120_000);

afterAll(async () => {
  await closeDatabase();
  await testDb?.drop();
});

describe(`tenant admin set races on ${backend}`, () => {
  it('two removals at once (A removes B, A removes A): one succeeds, the other is refused with 409, one confirmed admin is left', async () => {
    const t = await tenantWith({ a: 'confirmed', b: 'confirmed' });
    const { a, b } = t.admins as { a: Admin; b: Admin };
    const results = await race(
      () => removeTenantAdmin(a.access, b.access.membership.id),
      () => removeTenantAdmin(a.access, a.access.membership.id),
    );
    expect(results.map(codeOf).sort()).toEqual(['conflict', 'ok']);
    expect(results.map(statusOf).sort()).toEqual([200, 409]);
    expect((await memberships(t)).filter((m) => m.status === 'confirmed')).toHaveLength(1);
    expect(await db.prisma.auditEvent.count({ where: { action: 'admin.remove', tenantExternalId: t.externalId } })).toBe(1);
  });

  it('two admins removing each other at once: one goes, the other stays confirmed', async () => {
    const t = await tenantWith({ a: 'confirmed', b: 'confirmed' });
    const { a, b } = t.admins as { a: Admin; b: Admin };
    const results = await race(
      () => removeTenantAdmin(a.access, b.access.membership.id),
      () => removeTenantAdmin(b.access, a.access.membership.id),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.map(statusOf).sort()).toEqual([200, 409]);
    expect(await memberships(t)).toEqual([expect.objectContaining({ status: 'confirmed', holdsKeys: true })]);
  });

  it('a removal racing a key rotation: the rotating admin keeps the new keys, nobody is left without them', async () => {
    const t = await tenantWith({ alice: 'confirmed', bob: 'confirmed' });
    const { alice, bob } = t.admins as { alice: Admin; bob: Admin };
    const rotation = await rotationBy(t, alice);
    // Alice rotates (bob goes back to pending) while bob removes alice.
    const [rotated, removed] = await race(
      () => applyConfigChange(alice.access, ZConfigChange.parse(rotation.change)),
      () => removeTenantAdmin(bob.access, alice.access.membership.id),
    );
    expect(rotated.status).toBe('fulfilled');
    expect(statusOf(removed)).toBe(409);
    expect((await db.prisma.tenant.findUniqueOrThrow({ where: { id: t.id } })).sigKid).toBe(rotation.keys.signingKid);
    expect(await memberships(t)).toEqual([
      { id: alice.access.membership.id, status: 'confirmed', holdsKeys: true },
      { id: bob.access.membership.id, status: 'pending', holdsKeys: false },
    ]);
  });

  it('a rotation by an admin removed a moment before is refused whole (409): the new keys would have had no holder', async () => {
    const t = await tenantWith({ alice: 'confirmed', bob: 'confirmed' });
    const { alice, bob } = t.admins as { alice: Admin; bob: Admin };
    const rotation = await rotationBy(t, alice);
    const [removed, rotated] = await race(
      () => removeTenantAdmin(bob.access, alice.access.membership.id),
      () => applyConfigChange(alice.access, ZConfigChange.parse(rotation.change)),
    );
    expect(removed.status).toBe('fulfilled');
    expect(codeOf(rotated)).toBe('changed_elsewhere');
    expect(await db.prisma.tenant.findUniqueOrThrow({ where: { id: t.id }, select: { sigKid: true, stateSeq: true } })).toEqual({ sigKid: t.keys.signingKid, stateSeq: 0 });
    expect(await memberships(t)).toEqual([{ id: bob.access.membership.id, status: 'confirmed', holdsKeys: true }]);
  });

  it('a recovery with a kit racing a key rotation: the recovered admin is sent back to pending with the others', async () => {
    const t = await tenantWith({ alice: 'confirmed', bob: 'pending' });
    const { alice, bob } = t.admins as { alice: Admin; bob: Admin };
    await db.prisma.recoveryKit.create({ data: { id: `kit_race${tenants}`, tenantId: t.id, kit: JSON.stringify({ typ: 'cmk-recovery-kit', tenantId: t.externalId, ct: 'old' }) } });
    const rotation = await rotationBy(t, alice);
    // Bob opens the kit (the old keys) and confirms himself while alice rotates.
    const toBob = await wrapTenantKeys(t.privates, bob.publicJwk, t.externalId);
    const [recovered, rotated] = await race(
      () => recoverWithKit(bob.access, `kit_race${tenants}`, toBob),
      () => applyConfigChange(alice.access, ZConfigChange.parse(rotation.change)),
    );
    expect(rotated.status).toBe('fulfilled');
    // Committed first, the recovery stands until the rotation, which then sends bob back like any other admin.
    expect(recovered.status).toBe('fulfilled');
    expect(await memberships(t)).toEqual([
      { id: alice.access.membership.id, status: 'confirmed', holdsKeys: true },
      { id: bob.access.membership.id, status: 'pending', holdsKeys: false },
    ]);
    // Only the kit of the new keys is left.
    expect((await db.prisma.recoveryKit.findMany({ where: { tenantId: t.id } })).map((k) => k.kit)).toEqual([rotation.change.rotate.recoveryKit]);
  });

  it('a recovery kit of the old keys, saved as a rotation commits, is refused (409): only the kit of the new keys is left', async () => {
    const t = await tenantWith({ alice: 'confirmed', bob: 'confirmed' });
    const { alice, bob } = t.admins as { alice: Admin; bob: Admin };
    const rotation = await rotationBy(t, alice);
    // Bob's browser sealed a kit from the keys it holds, just before alice's rotation replaced them.
    const oldKit = JSON.stringify({ typ: 'cmk-recovery-kit', tenantId: t.externalId, ct: 'old' });
    const [rotated, saved] = await race(
      () => applyConfigChange(alice.access, ZConfigChange.parse(rotation.change)),
      () => saveRecoveryKit(bob.access, oldKit, t.keys.signingKid),
    );
    expect(rotated.status).toBe('fulfilled');
    expect(codeOf(saved)).toBe('changed_elsewhere');
    expect(statusOf(saved)).toBe(409);
    expect((await db.prisma.recoveryKit.findMany({ where: { tenantId: t.id } })).map((k) => k.kit)).toEqual([rotation.change.rotate.recoveryKit]);
    // A kit of the new keys is taken.
    const newKit = JSON.stringify({ typ: 'cmk-recovery-kit', tenantId: t.externalId, ct: 'new' });
    await saveRecoveryKit(alice.access, newKit, rotation.keys.signingKid);
    expect(await db.prisma.recoveryKit.count({ where: { tenantId: t.id } })).toBe(2);
  });

  it('a recovery after a rotation finds the kit of the old keys gone', async () => {
    const t = await tenantWith({ alice: 'confirmed', bob: 'pending' });
    const { alice, bob } = t.admins as { alice: Admin; bob: Admin };
    await db.prisma.recoveryKit.create({ data: { id: `kit_late${tenants}`, tenantId: t.id, kit: JSON.stringify({ typ: 'cmk-recovery-kit', tenantId: t.externalId, ct: 'old' }) } });
    const rotation = await rotationBy(t, alice);
    const toBob = await wrapTenantKeys(t.privates, bob.publicJwk, t.externalId);
    const [rotated, recovered] = await race(
      () => applyConfigChange(alice.access, ZConfigChange.parse(rotation.change)),
      () => recoverWithKit(bob.access, `kit_late${tenants}`, toBob),
    );
    expect(rotated.status).toBe('fulfilled');
    expect(codeOf(recovered)).toBe('not_found');
    expect((await memberships(t)).map((m) => m.status)).toEqual(['confirmed', 'pending']);
  });
});
