// The audit trail on both backends: events commit and roll back with the
// change they describe, both chains link up, concurrent appends stay linear.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDatabase, initDatabase, type Database } from '@/lib/server/db';
import { eventHash } from '@/lib/server/audit/canonical';
import { recordAudit } from '@/lib/server/audit/record';
import { backend, createTestDatabase, type TestDatabase } from '@/lib/testing/test-db';

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
    await db.prisma.$transaction((tx) => recordAudit(tx, { actor: system, action: 'test.commit', tenantExternalId: 'acme', details: { n: 1 } }));
    await expect(
      db.prisma.$transaction(async (tx) => {
        await recordAudit(tx, { actor: system, action: 'test.rollback', tenantExternalId: 'acme' });
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    const rows = await db.prisma.auditEvent.findMany({ orderBy: { vendorSeq: 'asc' } });
    expect(rows.map((r) => r.action)).toEqual(['test.commit']);
    const [first] = rows;
    expect(first).toMatchObject({ vendorSeq: 1, tenantSeq: 1, prevHash: null, tenantPrevHash: null, outcome: 'success' });
  });

  it('links both chains, and concurrent appends stay linear', async () => {
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        db.prisma.$transaction((tx) => recordAudit(tx, { actor: system, action: 'test.parallel', tenantExternalId: i % 2 ? 'acme' : null, details: { i } })),
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
});
