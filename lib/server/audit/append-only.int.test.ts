// The audit tables are append-only in the database (migration
// 0011_audit_append_only). On both backends rows are inserted and read, but
// every UPDATE, DELETE and TRUNCATE of audit_event and audit_checkpoint is
// refused — raw SQL and Prisma alike — and nothing changes; a change whose
// transaction tries one is rolled back whole. On PostgreSQL the broker runs as
// a role that owns nothing, with migrations applied by the owner
// (DATABASE_MIGRATION_URL), and that role cannot switch the triggers off.
import { randomBytes } from 'node:crypto';

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { verifyStoredAuditTrail, writeAuditCheckpoints } from '@/lib/server/audit/checkpoint';
import { recordAudit } from '@/lib/server/audit/record';
import { closeDatabase, initDatabase, openDatabase, type Database } from '@/lib/server/db';
import { tamperAsOwner } from '@/lib/testing/audit-tamper';
import { adminQuery, backend, createTestDatabase, type TestDatabase } from '@/lib/testing/test-db';

Object.assign(process.env, { AUTH_SECRET: randomBytes(32).toString('base64url'), BROKER_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url') });

let testDb: TestDatabase;
let db: Database;
const system = { type: 'system' as const, id: 'test' };
const record = (prisma: Database['prisma'], tenant: string | null) =>
  prisma.$transaction((tx) => recordAudit(tx, { actor: system, action: 'tenant.settings_update', tenantExternalId: tenant }));
const snapshot = async () => ({
  events: await db.prisma.auditEvent.findMany({ orderBy: { vendorSeq: 'asc' } }),
  checkpoints: await db.prisma.auditCheckpoint.findMany({ orderBy: { id: 'asc' } }),
});

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await initDatabase({ env: testDb.env, migrate: true });
  for (const tenant of ['acme', null, 'globex', 'acme']) await record(db.prisma, tenant);
  await writeAuditCheckpoints();
});

afterAll(async () => {
  await closeDatabase();
  await testDb.drop();
});

describe(`the audit trail is append-only on ${backend}`, () => {
  it('refuses UPDATE, DELETE and TRUNCATE of events and checkpoints, and every row stays as it was', async () => {
    const before = await snapshot();
    expect(before.events).toHaveLength(4);
    expect(before.checkpoints.length).toBeGreaterThan(0);
    for (const statement of [
      `UPDATE audit_event SET actor_label = 'mallory' WHERE vendor_seq = 2`,
      'DELETE FROM audit_event WHERE vendor_seq = 4',
      'TRUNCATE audit_event',
      `UPDATE audit_checkpoint SET hash = 'forged'`,
      'DELETE FROM audit_checkpoint',
      'TRUNCATE audit_checkpoint',
    ]) {
      await expect(db.prisma.$executeRawUnsafe(statement), statement).rejects.toThrow(/append-only/);
    }
    await expect(db.prisma.auditEvent.updateMany({ data: { actorLabel: 'mallory' } })).rejects.toThrow(/append-only/);
    await expect(db.prisma.auditEvent.deleteMany({ where: { tenantExternalId: 'acme' } })).rejects.toThrow(/append-only/);
    await expect(db.prisma.auditCheckpoint.deleteMany({})).rejects.toThrow(/append-only/);
    expect(await snapshot()).toEqual(before);
    expect((await verifyStoredAuditTrail()).report.ok).toBe(true);
  });

  it('still appends, and a transaction that tries to rewrite history is rolled back whole', async () => {
    await record(db.prisma, 'initech');
    const count = await db.prisma.auditEvent.count();
    await expect(
      db.prisma.$transaction(async (tx) => {
        await recordAudit(tx, { actor: system, action: 'tenant.settings_update', tenantExternalId: 'acme' });
        await tx.$executeRawUnsafe(`UPDATE audit_event SET outcome = 'failure' WHERE vendor_seq = 1`);
      }),
    ).rejects.toThrow(/append-only/);
    expect(await db.prisma.auditEvent.count()).toBe(count);
    expect((await verifyStoredAuditTrail()).report.ok).toBe(true);
  });

  it('lets only the tables’ owner, switching the triggers off, change a row (what the tamper tests do) — and the chain catches it', async () => {
    await tamperAsOwner(db.prisma, `UPDATE audit_event SET actor_label = 'mallory' WHERE vendor_seq = 2`);
    expect((await verifyStoredAuditTrail()).report.vendor.firstBroken).toMatchObject({ vendorSeq: 2, reason: 'modified' });
    await tamperAsOwner(db.prisma, 'UPDATE audit_event SET actor_label = NULL WHERE vendor_seq = 2');
    expect((await verifyStoredAuditTrail()).report.ok).toBe(true);
    // The triggers are on again.
    await expect(db.prisma.$executeRawUnsafe('DELETE FROM audit_event')).rejects.toThrow(/append-only/);
  });
});

describe.skipIf(backend !== 'postgresql')('the broker as a role that owns nothing (PostgreSQL)', () => {
  const suffix = randomBytes(4).toString('hex');
  const owner = `cmk_owner_${suffix}`;
  const app = `cmk_app_${suffix}`;
  const name = `t_roles_${suffix}`;
  const urlFor = (role: string) => {
    const url = new URL(process.env.TEST_PG_ADMIN_URL as string);
    url.username = role;
    url.pathname = `/${name}`;
    return url.toString();
  };
  let roleDb: Awaited<ReturnType<typeof openDatabase>> | undefined;

  afterAll(async () => {
    await roleDb?.close();
    await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await adminQuery(`DROP ROLE IF EXISTS ${app}`);
    await adminQuery(`DROP ROLE IF EXISTS ${owner}`);
  });

  it('migrates as the owner, works as the application role, which cannot switch the triggers off', async () => {
    await adminQuery(`CREATE ROLE ${owner} LOGIN`);
    await adminQuery(`CREATE ROLE ${app} LOGIN`);
    await adminQuery(`CREATE DATABASE ${name} OWNER ${owner}`);
    // The owner's one-time set-up from docs/database.md: the application role reads and writes rows, nothing more.
    const setup = new pg.Client({ connectionString: urlFor(owner) });
    await setup.connect();
    try {
      await setup.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${app}`);
      await setup.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO ${app}`);
    } finally {
      await setup.end();
    }

    roleDb = await openDatabase({
      env: { DATABASE_URL: urlFor(app), DATABASE_MIGRATION_URL: urlFor(owner), PGLITE_DIR: '/nonexistent', DATABASE_POOL_MAX: 2 },
      migrate: true,
    });
    expect(roleDb.migration?.applied).toContain('0011_audit_append_only');
    const [who] = await roleDb.prisma.$queryRawUnsafe<{ current_user: string }[]>('SELECT current_user');
    expect(who?.current_user).toBe(app);

    // Ordinary work as the application role: rows in, rows out, rows changed where that is allowed.
    await roleDb.prisma.environment.create({ data: { id: 'env_roles', slug: 'roles', displayName: 'Roles' } });
    await roleDb.prisma.environment.update({ where: { id: 'env_roles' }, data: { displayName: 'Roles renamed' } });
    await record(roleDb.prisma, 'acme');
    await record(roleDb.prisma, null);
    expect(await roleDb.prisma.auditEvent.count()).toBe(2);

    await expect(roleDb.prisma.$executeRawUnsafe(`UPDATE audit_event SET actor_label = 'mallory'`)).rejects.toThrow(/append-only/);
    for (const statement of [
      'ALTER TABLE audit_event DISABLE TRIGGER USER',
      'DROP TRIGGER audit_event_append_only ON audit_event',
      'DROP FUNCTION audit_append_only() CASCADE',
      'ALTER TABLE audit_checkpoint DISABLE TRIGGER audit_checkpoint_append_only',
    ]) {
      await expect(roleDb.prisma.$executeRawUnsafe(statement), statement).rejects.toThrow(/must be owner/);
    }
    await expect(roleDb.prisma.$executeRawUnsafe('DELETE FROM audit_event')).rejects.toThrow(/append-only/);
    expect(await roleDb.prisma.auditEvent.count()).toBe(2);
  });
});
