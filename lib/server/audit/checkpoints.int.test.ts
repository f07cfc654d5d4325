// Scheduled checkpoints on both backends: the writer signs the vendor head
// and the head of every tenant chain that grew (and only those), repeats are
// harmless, concurrent runs never sign a head twice, checkpoints written
// before tenant checkpoints existed still verify, a tenant checkpoint catches
// a tenant's cut-off tail, 10 000 grown tenants are signed in one run, and the
// scheduler keeps running after a failed run.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveVerifyKey, signCompactJws, verifyCompactJws } from '@/lib/crypto/es256-jws';
import { writeAuditCheckpoints, verifyStoredAuditTrail } from '@/lib/server/audit/checkpoint';
import { recordAudit } from '@/lib/server/audit/record';
import { startAuditCheckpoints } from '@/lib/server/audit/scheduler';
import { CHECKPOINT_TYP } from '@/lib/server/audit/verify';
import { closeDatabase, initDatabase, type Database } from '@/lib/server/db';
import { getActiveSigningKey, publishedJwks } from '@/lib/server/signing';
import { auditChain } from '@/lib/testing/audit-chain';
import { tamperAsOwner } from '@/lib/testing/audit-tamper';
import { backend, createTestDatabase, type TestDatabase } from '@/lib/testing/test-db';

Object.assign(process.env, { AUTH_SECRET: randomBytes(32).toString('base64url'), BROKER_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url') });

let testDb: TestDatabase;
let db: Database;
const system = { type: 'system' as const, id: 'test' };
const record = (tenant: string | null) => db.prisma.$transaction((tx) => recordAudit(tx, { actor: system, action: 'tenant.settings_update', tenantExternalId: tenant }));
const tenantCheckpoints = () => db.prisma.auditCheckpoint.findMany({ where: { scope: 'tenant' }, orderBy: [{ tenantExternalId: 'asc' }, { tenantSeq: 'asc' }] });

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await initDatabase({ env: testDb.env, migrate: true });
});

afterAll(async () => {
  await closeDatabase();
  await testDb.drop();
});

describe(`audit checkpoints on ${backend}`, () => {
  it('signs nothing while the trail is empty', async () => {
    expect(await writeAuditCheckpoints()).toEqual({ vendor: null, tenants: 0, skipped: false });
  });

  it('signs the vendor head and every tenant head, each as a verifiable JWS', async () => {
    for (const tenant of ['acme', null, 'globex', 'acme', 'initech', null]) await record(tenant);
    const run = await writeAuditCheckpoints(new Date('2026-11-29T00:00:00.000Z'));
    expect(run).toMatchObject({ vendor: { vendorSeq: 6 }, tenants: 3, skipped: false });
    const rows = await tenantCheckpoints();
    expect(rows.map((r) => [r.tenantExternalId, r.tenantSeq, r.vendorSeq])).toEqual([['acme', 2, 4], ['globex', 1, 3], ['initech', 1, 5]]);
    const { keys } = await publishedJwks();
    const acme = rows[0];
    const { payload } = await verifyCompactJws(acme?.jws as string, await resolveVerifyKey(keys[0] as JWK), CHECKPOINT_TYP, 'checkpoint');
    const event = await db.prisma.auditEvent.findUnique({ where: { vendorSeq: 4 } });
    expect(payload).toEqual({ typ: 'audit-checkpoint', scope: 'tenant', vendorSeq: 4, tenantExternalId: 'acme', tenantSeq: 2, hash: event?.tenantHash, at: '2026-11-29T00:00:00.000Z' });
  });

  it('signs again only the chains that grew', async () => {
    expect(await writeAuditCheckpoints()).toMatchObject({ vendor: { vendorSeq: 6 }, tenants: 0 });
    await record('globex');
    await record(null);
    expect(await writeAuditCheckpoints()).toMatchObject({ vendor: { vendorSeq: 8 }, tenants: 1 });
    expect((await tenantCheckpoints()).filter((r) => r.tenantExternalId === 'globex').map((r) => r.tenantSeq)).toEqual([1, 2]);
    expect(await db.prisma.auditCheckpoint.count({ where: { scope: 'vendor' } })).toBe(2);
  });

  it('never signs a head twice when runs race', async () => {
    await record('acme');
    await record('initech');
    const runs = await Promise.all([writeAuditCheckpoints(), writeAuditCheckpoints(), writeAuditCheckpoints()]);
    expect(runs.filter((r) => !r.skipped).reduce((sum, r) => sum + r.tenants, 0)).toBe(2);
    expect(await db.prisma.auditCheckpoint.count({ where: { scope: 'vendor', vendorSeq: 10 } })).toBe(1);
    expect(await db.prisma.auditCheckpoint.count({ where: { scope: 'tenant', vendorSeq: { gt: 8 } } })).toBe(2);
  });

  it('keeps verifying checkpoints written before tenant checkpoints, and a tenant checkpoint catches a cut-off tail', async () => {
    const key = await getActiveSigningKey();
    const head = await db.prisma.auditEvent.findUnique({ where: { vendorSeq: 2 } });
    const legacy = await signCompactJws(new TextEncoder().encode(JSON.stringify({ typ: 'audit-checkpoint', vendorSeq: 2, hash: head?.hash, at: 'x' })), key.key, key.kid, CHECKPOINT_TYP);
    await db.prisma.auditCheckpoint.create({ data: { id: 'acp_legacy', vendorSeq: 2, hash: head?.hash as string, kid: key.kid, jws: legacy } });
    const good = await verifyStoredAuditTrail();
    expect(good.report.ok).toBe(true);
    expect(good.checkpoints).toEqual([]);
    expect(good.goodCheckpoints).toBe(await db.prisma.auditCheckpoint.count());
    expect(await db.prisma.auditCheckpoint.count({ where: { scope: 'tenant' } })).toBe(6);

    const tail = await db.prisma.auditEvent.findUnique({ where: { vendorSeq: 10 } });
    await tamperAsOwner(db.prisma, 'DELETE FROM audit_event WHERE vendor_seq = 10');
    const cut = await verifyStoredAuditTrail();
    expect(cut.report.ok).toBe(true);
    expect(cut.checkpoints.filter((c) => !c.ok)).toEqual([
      expect.objectContaining({ scope: 'tenant', tenantExternalId: 'initech', tenantSeq: 2, problem: expect.stringContaining('missing') }),
      expect.objectContaining({ scope: 'vendor', vendorSeq: 10, problem: expect.stringContaining('missing') }),
    ]);
    await db.prisma.auditEvent.create({ data: { ...(tail as NonNullable<typeof tail>), details: tail?.details as object } });
  });

  it('signs 10 000 grown tenants in one run', async () => {
    const head = (await db.prisma.auditEvent.findFirst({ orderBy: { vendorSeq: 'desc' } })) as { vendorSeq: number; hash: string };
    const rows = auditChain(10_000, (i) => `bulk-${i}`, head);
    for (let i = 0; i < rows.length; i += 1000) {
      await db.prisma.auditEvent.createMany({ data: rows.slice(i, i + 1000).map((r) => ({ ...r, at: new Date(r.at), details: r.details as object })) });
    }
    const run = await writeAuditCheckpoints();
    expect(run).toMatchObject({ vendor: { vendorSeq: head.vendorSeq + 10_000 }, tenants: 10_000 });
    expect(await db.prisma.auditCheckpoint.count({ where: { scope: 'tenant', tenantExternalId: { startsWith: 'bulk-' } } })).toBe(10_000);
    expect((await writeAuditCheckpoints()).tenants).toBe(0);
  }, 180_000);

  it('the scheduler runs the writer at intervals and survives a failed run', async () => {
    let calls = 0;
    const scheduler = startAuditCheckpoints({
      intervalMs: 10,
      firstRunDelayMs: 0,
      run: async () => {
        calls += 1;
        if (calls === 1) throw new Error('database unreachable');
        return writeAuditCheckpoints();
      },
    });
    await record('acme');
    await expect.poll(() => db.prisma.auditCheckpoint.count({ where: { scope: 'tenant', tenantExternalId: 'acme', tenantSeq: 4 } }), { timeout: 30_000 }).toBe(1);
    await scheduler.stop();
    expect(calls).toBeGreaterThan(1);
  });

  it('npm run audit:verify -- --checkpoint verifies the database and signs the new heads', async () => {
    await record('globex');
    await closeDatabase();
    try {
      const cli = spawnSync(process.execPath, ['scripts/node.mjs', 'scripts/audit-verify.ts', '--checkpoint'], {
        env: { PATH: process.env.PATH, LOG_LEVEL: 'silent', NODE_ENV: 'test', DATA_DIR: testDb.dir, PGLITE_DIR: testDb.env.PGLITE_DIR, DATABASE_URL: testDb.env.DATABASE_URL ?? '', AUTH_SECRET: process.env.AUTH_SECRET, BROKER_KEY_ENCRYPTION_KEY: process.env.BROKER_KEY_ENCRYPTION_KEY },
        encoding: 'utf8',
      });
      expect(cli.stderr).toBe('');
      expect(cli.stdout).toMatch(/^OK: \d+ events in the vendor chain, 10003 tenant chains, \d+ signed checkpoints? good\.\nSigned checkpoint at vendor_seq \d+ \(key [\w-]+\) and 1 new tenant head\.\n$/);
      expect(cli.status).toBe(0);
    } finally {
      db = await initDatabase({ env: testDb.env, migrate: true });
    }
  }, 120_000);
});
