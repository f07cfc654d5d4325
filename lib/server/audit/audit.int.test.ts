// The audit trail on both backends: events commit and roll back with the
// change they describe, both chains link up, concurrent appends stay linear;
// verification points at the first broken link after a row is modified,
// deleted or reordered in the database, a signed checkpoint catches a cut-off
// tail, and `npm run audit:verify -- --file` checks an export offline.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '@/lib/generated/prisma/client';
import { verifyStoredAuditTrail, writeAuditCheckpoint } from '@/lib/server/audit/checkpoint';
import { toAuditRow } from '@/lib/server/audit/verify';
import { publishedJwks } from '@/lib/server/signing';
import { closeDatabase, initDatabase, type Database } from '@/lib/server/db';
import { eventHash } from '@/lib/server/audit/canonical';
import { recordAudit } from '@/lib/server/audit/record';
import { tamperAsOwner } from '@/lib/testing/audit-tamper';
import { backend, createTestDatabase, type TestDatabase } from '@/lib/testing/test-db';

Object.assign(process.env, { AUTH_SECRET: randomBytes(32).toString('base64url'), BROKER_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url') });

let testDb: TestDatabase;
let db: Database;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await initDatabase({ env: testDb.env, migrate: true });
});

afterAll(async () => {
  await closeDatabase();
  await testDb.drop();
});

const system = { type: 'system' as const, id: 'test' };

describe(`audit events on ${backend}`, () => {
  it('commits with the transaction and rolls back with it', async () => {
    await db.prisma.$transaction((tx) => recordAudit(tx, { actor: system, action: 'broker.settings_update', tenantExternalId: 'acme', details: { n: 1 } }));
    await expect(
      db.prisma.$transaction(async (tx) => {
        await recordAudit(tx, { actor: system, action: 'broker.settings_update', tenantExternalId: 'acme' });
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    const rows = await db.prisma.auditEvent.findMany({ orderBy: { vendorSeq: 'asc' } });
    expect(rows.map((r) => r.action)).toEqual(['broker.settings_update']);
    const [first] = rows;
    expect(first).toMatchObject({ vendorSeq: 1, tenantSeq: 1, prevHash: null, tenantPrevHash: null, outcome: 'success' });
  });

  it('links both chains, and concurrent appends stay linear', async () => {
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        db.prisma.$transaction((tx) => recordAudit(tx, { actor: system, action: 'broker.settings_update', tenantExternalId: i % 2 ? 'acme' : null, details: { i } })),
      ),
    );
    const rows = await db.prisma.auditEvent.findMany({ orderBy: { vendorSeq: 'asc' } });
    expect(rows.map((r) => r.vendorSeq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(rows.filter((r) => r.tenantExternalId === 'acme').map((r) => r.tenantSeq)).toEqual([1, 2, 3, 4]);
    for (const [i, row] of rows.entries()) {
      const fields = { ...row, at: row.at.toISOString(), details: row.details as never };
      expect(row.prevHash).toBe(i === 0 ? null : rows[i - 1]?.hash);
      expect(row.hash).toBe(eventHash(row.prevHash, fields));
    }
  });

  describe('verification', () => {
    let snapshot: AuditEvent[];
    const sql = (query: string) => tamperAsOwner(db.prisma, query);
    const restore = async (seq: number) => {
      const row = snapshot.find((r) => r.vendorSeq === seq) as AuditEvent;
      await db.prisma.auditEvent.create({ data: { ...row, details: row.details as object } });
    };
    const verify = async () => (await verifyStoredAuditTrail()).report;

    beforeAll(async () => {
      const checkpoint = await writeAuditCheckpoint();
      expect(checkpoint?.vendorSeq).toBe(7);
      expect(await writeAuditCheckpoint()).toMatchObject({ jws: checkpoint?.jws });
      snapshot = await db.prisma.auditEvent.findMany({ orderBy: { vendorSeq: 'asc' } });
    });

    it('finds the stored trail and its checkpoint intact', async () => {
      const { report, checkpoints, goodCheckpoints } = await verifyStoredAuditTrail();
      expect(report).toMatchObject({ ok: true, vendor: { count: 7 }, tenants: { acme: { count: 4 } } });
      // The vendor head, and the head of acme's chain (a tenant checkpoint).
      expect(checkpoints).toEqual([]);
      expect(goodCheckpoints).toBe(2);
    });

    it('points at a modified row', async () => {
      const id = snapshot[2]?.id;
      await sql(`UPDATE audit_event SET actor_label = 'mallory' WHERE vendor_seq = 3`);
      expect((await verify()).vendor.firstBroken).toEqual({ vendorSeq: 3, id, reason: 'modified' });
      await sql(`UPDATE audit_event SET actor_label = NULL WHERE vendor_seq = 3`);
      expect((await verify()).ok).toBe(true);
    });

    it('points at the row after a deleted one, in the vendor and the tenant chain', async () => {
      const acme = snapshot.filter((r) => r.tenantExternalId === 'acme');
      const victim = acme[1] as AuditEvent;
      await sql(`DELETE FROM audit_event WHERE vendor_seq = ${victim.vendorSeq}`);
      const report = await verify();
      const next = snapshot[victim.vendorSeq] as AuditEvent;
      expect(report.vendor.firstBroken).toEqual({ vendorSeq: next.vendorSeq, id: next.id, reason: 'missing' });
      expect(report.tenants.acme?.firstBroken).toEqual({ vendorSeq: acme[2]?.vendorSeq, id: acme[2]?.id, reason: 'missing' });
      await restore(victim.vendorSeq);
      expect((await verify()).ok).toBe(true);
    });

    it('points at reordered rows', async () => {
      await sql(`UPDATE audit_event SET vendor_seq = -1 WHERE vendor_seq = 4`);
      await sql(`UPDATE audit_event SET vendor_seq = 4 WHERE vendor_seq = 5`);
      await sql(`UPDATE audit_event SET vendor_seq = 5 WHERE vendor_seq = -1`);
      expect((await verify()).vendor.firstBroken).toEqual({ vendorSeq: 4, id: snapshot[4]?.id, reason: 'prev_mismatch' });
      await sql(`UPDATE audit_event SET vendor_seq = -1 WHERE vendor_seq = 4`);
      await sql(`UPDATE audit_event SET vendor_seq = 4 WHERE vendor_seq = 5`);
      await sql(`UPDATE audit_event SET vendor_seq = 5 WHERE vendor_seq = -1`);
      expect((await verify()).ok).toBe(true);
    });

    it('the signed checkpoint catches events cut off the end of the chain', async () => {
      await sql(`DELETE FROM audit_event WHERE vendor_seq = 7`);
      const { report, checkpoints } = await verifyStoredAuditTrail();
      expect(report.ok).toBe(true);
      expect(checkpoints.find((c) => c.scope === 'vendor')).toMatchObject({ ok: false, vendorSeq: 7, problem: expect.stringContaining('missing') });
      await restore(7);
    });

    it('npm run audit:verify -- --file checks an export offline and fails on a broken one', async () => {
      const rows = await db.prisma.auditEvent.findMany({ orderBy: { vendorSeq: 'asc' } });
      const checkpoints = await db.prisma.auditCheckpoint.findMany();
      const jwks = await publishedJwks();
      const lines = [
        ...rows.map((r) => JSON.stringify({ kind: 'event', ...toAuditRow(r) })),
        ...checkpoints.map((c) => JSON.stringify({ kind: 'checkpoint', jws: c.jws })),
      ];
      const run = (name: string, content: string[]) => {
        const file = path.join(testDb.dir, name);
        writeFileSync(file, content.join('\n'));
        writeFileSync(path.join(testDb.dir, 'jwks.json'), JSON.stringify(jwks));
        // No database, no configuration: the script must not need them.
        return spawnSync(process.execPath, ['scripts/node.mjs', 'scripts/audit-verify.ts', '--file', file, '--jwks', path.join(testDb.dir, 'jwks.json')], {
          env: { PATH: process.env.PATH, LOG_LEVEL: 'silent', NODE_ENV: 'test' },
          encoding: 'utf8',
        });
      };
      const good = run('good.jsonl', lines);
      expect(good.stderr).toBe('');
      expect(good.stdout).toMatch(/^OK: 7 events in the vendor chain, 1 tenant chain, 2 signed checkpoints good\./);
      expect(good.status).toBe(0);
      const tampered = lines.map((l, i) => (i === 1 ? l.replace('"broker.settings_update"', '"broker.forged"') : l));
      const bad = run('bad.jsonl', tampered);
      expect(bad.stdout).toContain(`vendor chain: first broken link at vendor_seq 2 (event ${rows[1]?.id}): modified`);
      expect(bad.status).toBe(1);
    });
  });
});
