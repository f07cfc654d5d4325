import 'server-only';
// Database access for the audit trail: the chain lock, the chain heads, and
// appending events and checkpoints. Rows are only ever inserted.
import type { Prisma, PrismaClient } from '@/lib/generated/prisma/client';
import type { TAuditHashedFields } from '@/lib/server/audit/canonical';

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

/** The head of each of these tenants' chains (tenants without events are absent), in one query. */
export async function findTenantHeads(tx: Prisma.TransactionClient, tenantExternalIds: string[]): Promise<Map<string, { tenantSeq: number; tenantHash: string | null }>> {
  if (!tenantExternalIds.length) return new Map();
  const rows = await tx.$queryRawUnsafe<{ ext: string; seq: number; hash: string | null }[]>(
    `SELECT DISTINCT ON (tenant_external_id) tenant_external_id AS ext, tenant_seq AS seq, tenant_hash AS hash
       FROM audit_event
      WHERE tenant_external_id = ANY($1::text[]) AND tenant_seq IS NOT NULL
      ORDER BY tenant_external_id, tenant_seq DESC`,
    tenantExternalIds,
  );
  return new Map(rows.map((r) => [r.ext, { tenantSeq: Number(r.seq), tenantHash: r.hash }]));
}

/** A row to insert: the hashed fields (with `at` as a Date, `details` as canonical JSON text) and both chains' links. */
export type AuditEventRow = Omit<TAuditHashedFields, 'at' | 'details'> & {
  at: Date;
  details: string;
  prevHash: string | null;
  hash: string;
  tenantPrevHash: string | null;
  tenantHash: string | null;
};

const COLUMNS: [keyof AuditEventRow, string, string][] = [
  ['id', 'id', 'text'],
  ['vendorSeq', 'vendor_seq', 'int'],
  ['tenantExternalId', 'tenant_external_id', 'text'],
  ['tenantSeq', 'tenant_seq', 'int'],
  ['actorType', 'actor_type', 'text'],
  ['actorId', 'actor_id', 'text'],
  ['actorLabel', 'actor_label', 'text'],
  ['action', 'action', 'text'],
  ['targetType', 'target_type', 'text'],
  ['targetId', 'target_id', 'text'],
  ['outcome', 'outcome', 'text'],
  ['ip', 'ip', 'text'],
  ['userAgent', 'user_agent', 'text'],
  ['requestId', 'request_id', 'text'],
  ['at', 'at', 'timestamptz'],
  ['details', 'details', 'jsonb'],
  ['prevHash', 'prev_hash', 'text'],
  ['hash', 'hash', 'text'],
  ['tenantPrevHash', 'tenant_prev_hash', 'text'],
  ['tenantHash', 'tenant_hash', 'text'],
];

// One statement for any number of events: one array parameter per column.
// Timestamps and JSON travel as text (exact: ISO with milliseconds, canonical JSON).
const INSERT_SQL = `INSERT INTO audit_event (${COLUMNS.map((c) => c[1]).join(', ')})
  SELECT ${COLUMNS.map(([, col, type]) => (type === 'text' || type === 'int' ? col : `${col}::${type}`)).join(', ')}
    FROM unnest(${COLUMNS.map(([, , type], i) => `$${i + 1}::${type === 'int' ? 'int' : 'text'}[]`).join(', ')})
      AS x(${COLUMNS.map((c) => c[1]).join(', ')})`;

/** Inserts the rows (already chained) in one statement. `details` is canonical JSON text. */
export async function insertAuditEvents(tx: Prisma.TransactionClient, rows: AuditEventRow[]): Promise<void> {
  if (!rows.length) return;
  const params = COLUMNS.map(([key]) => rows.map((row) => (key === 'at' ? row.at.toISOString() : row[key])));
  await tx.$executeRawUnsafe(INSERT_SQL, ...params);
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
