// recordAuditBatch on both backends: many events in one transaction (one
// lock, one head read per chain kind, one insert) keep both chains intact
// across mixed tenants and vendor-only events, an empty batch writes nothing,
// and a proxy's first full sync over 10 000 tenants records one
// delivery.apply per tenant in its report's transaction — the timing is
// printed, not asserted — while the same report again records nothing.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateJwkPair } from '@/lib/crypto/p256-jwk';
import { recordAudit, recordAuditBatch, SYSTEM_ACTOR, type AuditEventInput } from '@/lib/server/audit/record';
import { toAuditRow, verifyChains } from '@/lib/server/audit/verify';
import type { CurrentUser } from '@/lib/server/authz';
import { closeDatabase, initDatabase, type Database } from '@/lib/server/db';
import { createDeployment } from '@/lib/server/deployments/service';
import { recordStatus } from '@/lib/server/deployments/status';
import { backend, createTestDatabase, type TestDatabase } from '@/lib/testing/test-db';

Object.assign(process.env, { AUTH_SECRET: randomBytes(32).toString('base64url'), BROKER_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url') });

const FLEET = 10_000;
const operator = { id: 'usr_op', email: 'ops@vendor.example' } as CurrentUser;

let testDb: TestDatabase;
let db: Database;

const verifyAll = async () => verifyChains((await db.prisma.auditEvent.findMany({ orderBy: { vendorSeq: 'asc' } })).map(toAuditRow));

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await initDatabase({ env: testDb.env, migrate: true });
  await db.prisma.environment.create({ data: { id: 'env_big', slug: 'big', displayName: 'Big' } });
});

afterAll(async () => {
  await closeDatabase();
  await testDb.drop();
});

describe(`recordAuditBatch on ${backend}`, () => {
  it('an empty batch writes nothing', async () => {
    await expect(db.prisma.$transaction((tx) => recordAuditBatch(tx, []))).resolves.toEqual([]);
    expect(await db.prisma.auditEvent.count()).toBe(0);
  });

  it('chains mixed tenants and vendor-only events in order, continuing from single events', async () => {
    await db.prisma.$transaction((tx) => recordAudit(tx, { actor: SYSTEM_ACTOR, action: 'broker.settings_update', tenantExternalId: 'a', details: { n: 0 } }));
    const inputs: AuditEventInput[] = ['a', null, 'b', 'a', 'c', null, 'b', 'a'].map((tenant, i) => ({ actor: SYSTEM_ACTOR, action: 'tenant.settings_update', tenantExternalId: tenant, details: { i } }));
    const written = await db.prisma.$transaction((tx) => recordAuditBatch(tx, inputs));
    expect(written.map((e) => e.vendorSeq)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    await db.prisma.$transaction((tx) => recordAudit(tx, { actor: SYSTEM_ACTOR, action: 'broker.settings_update', tenantExternalId: 'b' }));
    const rows = await db.prisma.auditEvent.findMany({ orderBy: { vendorSeq: 'asc' } });
    expect(rows.map((r) => [r.tenantExternalId, r.tenantSeq])).toEqual([
      ['a', 1],
      ['a', 2],
      [null, null],
      ['b', 1],
      ['a', 3],
      ['c', 1],
      [null, null],
      ['b', 2],
      ['a', 4],
      ['b', 3],
    ]);
    expect(rows[4]?.tenantPrevHash).toBe(rows[1]?.tenantHash);
    expect(rows[3]?.prevHash).toBe(rows[2]?.hash);
    expect(rows.map((r) => r.details)).toEqual([{ n: 0 }, ...inputs.map((i) => i.details), {}]);
    const report = await verifyAll();
    expect(report).toMatchObject({ ok: true, vendor: { count: 10 }, tenants: { a: { count: 4 }, b: { count: 3 }, c: { count: 1 } } });
  });

  it('a refused event refuses the whole batch, before anything is written', async () => {
    const before = await db.prisma.auditEvent.count();
    const bad = [
      { actor: SYSTEM_ACTOR, action: 'tenant.settings_update' as const, tenantExternalId: 'a' },
      { actor: SYSTEM_ACTOR, action: 'tenant.settings_update' as const, tenantExternalId: 'a', details: { apiKey: 'x' } },
    ];
    await expect(db.prisma.$transaction((tx) => recordAuditBatch(tx, bad))).rejects.toThrow(/must not carry secrets/);
    expect(await db.prisma.auditEvent.count()).toBe(before);
  });

  it(`a first full sync of ${FLEET} tenants records one delivery.apply each; the same report again records none`, async () => {
    await db.prisma.$executeRawUnsafe(
      `INSERT INTO tenant (id, external_id, display_name, environment_id, status, updated_at)
       SELECT 'ten_big_' || g, 'big-' || g, 'Big ' || g, 'env_big', 'active', now() FROM generate_series(1, ${FLEET}) AS g`,
    );
    const { publicJwk } = await generateJwkPair('ecdh');
    let started = performance.now();
    const created = await createDeployment(operator, { name: 'big-1', environmentId: 'env_big', publicJwk: publicJwk as never });
    const createMs = performance.now() - started;
    expect(await db.prisma.auditEvent.count({ where: { action: 'deployment.awaiting_approval' } })).toBe(FLEET);

    const principal = { id: created.deployment.id, kid: created.deployment.kid, environmentId: 'env_big' };
    const report = { cursor: null, tenants: Array.from({ length: FLEET }, (_, i) => ({ tenantId: `big-${i + 1}`, seq: 1 })), errors: [] };
    started = performance.now();
    await recordStatus(principal, report);
    const statusMs = performance.now() - started;
    expect(await db.prisma.auditEvent.count({ where: { action: 'delivery.apply' } })).toBe(FLEET);
    const sample = await db.prisma.auditEvent.findFirstOrThrow({ where: { action: 'delivery.apply', tenantExternalId: 'big-77' } });
    expect(sample).toMatchObject({ actorType: 'deployment', actorId: principal.id, actorLabel: 'big-1', details: { deploymentId: principal.id, seq: 1, previousSeq: null } });

    started = performance.now();
    await recordStatus(principal, report);
    const repeatMs = performance.now() - started;
    expect(await db.prisma.auditEvent.count({ where: { action: 'delivery.apply' } })).toBe(FLEET);

    console.log(
      `[timing, ${backend}] ${FLEET} tenants: deployment.create + ${FLEET} awaiting_approval ${createMs.toFixed(0)} ms; ` +
        `first full status report + ${FLEET} delivery.apply ${statusMs.toFixed(0)} ms; same report again (no events) ${repeatMs.toFixed(0)} ms`,
    );
    const verified = await verifyAll();
    expect(verified.ok).toBe(true);
    expect(verified.tenants['big-1']).toMatchObject({ count: 2 });
  }, 300_000);
});
