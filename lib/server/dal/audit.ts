import 'server-only';
// Database access for the audit trail: the chain lock, the chain heads, and
// appending events and checkpoints. Rows are only ever inserted.
import type { Prisma, PrismaClient } from '@/lib/generated/prisma/client';

type Db = PrismaClient | Prisma.TransactionClient;

/** Serialises appends to the vendor chain across every broker instance until the transaction ends. */
export async function lockAuditChain(tx: Prisma.TransactionClient): Promise<void> {
  await tx.$executeRawUnsafe("SELECT pg_advisory_xact_lock(hashtext('cmk-broker:audit'))");
}

export function findVendorHead(db: Db) {
  return db.auditEvent.findFirst({ orderBy: { vendorSeq: 'desc' }, select: { vendorSeq: true, hash: true } });
}

export function findTenantHead(db: Db, tenantExternalId: string) {
  return db.auditEvent.findFirst({
    where: { tenantExternalId, tenantSeq: { not: null } },
    orderBy: { tenantSeq: 'desc' },
    select: { tenantSeq: true, tenantHash: true },
  });
}

export function insertAuditEvent(tx: Prisma.TransactionClient, data: Prisma.AuditEventCreateInput) {
  return tx.auditEvent.create({ data, select: { id: true, vendorSeq: true, hash: true } });
}

/** Events in vendor-chain order, `take` at a time after `afterSeq`. */
export function listAuditEvents(db: Db, afterSeq: number, take: number) {
  return db.auditEvent.findMany({ where: { vendorSeq: { gt: afterSeq } }, orderBy: { vendorSeq: 'asc' }, take });
}

export function listAuditCheckpoints(db: Db) {
  return db.auditCheckpoint.findMany({ orderBy: { vendorSeq: 'asc' } });
}

export function insertAuditCheckpoint(db: Db, data: Prisma.AuditCheckpointCreateInput) {
  return db.auditCheckpoint.create({ data });
}

export function findAuditCheckpoint(db: Db, vendorSeq: number) {
  return db.auditCheckpoint.findUnique({ where: { vendorSeq } });
}
