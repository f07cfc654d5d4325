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

/** Checkpoints of either scope whose event is at vendor positions (afterSeq, upToSeq]: at most two per position. */
export function listAuditCheckpointsBetween(db: Db, afterSeq: number, upToSeq: number) {
  return db.auditCheckpoint.findMany({ where: { vendorSeq: { gt: afterSeq, lte: upToSeq } }, orderBy: [{ vendorSeq: 'asc' }, { scope: 'asc' }], select: { jws: true } });
}

export async function findLastCheckpointSeq(db: Db): Promise<number> {
  return (await db.auditCheckpoint.aggregate({ _max: { vendorSeq: true } }))._max.vendorSeq ?? 0;
}

export function insertAuditCheckpoint(db: Db, data: Prisma.AuditCheckpointCreateInput) {
  return db.auditCheckpoint.create({ data });
}

/** Many checkpoints at once; one another instance already wrote is skipped. */
export function insertAuditCheckpoints(db: Db, data: Prisma.AuditCheckpointCreateManyInput[]) {
  return db.auditCheckpoint.createMany({ data, skipDuplicates: true });
}

export function findAuditCheckpoint(db: Db, vendorSeq: number) {
  return db.auditCheckpoint.findUnique({ where: { scope_vendorSeq: { scope: 'vendor', vendorSeq } } });
}

/** One checkpoint writer at a time across broker instances; false when another holds it (until its transaction ends). */
export async function tryLockAuditCheckpoints(tx: Prisma.TransactionClient, wait: boolean): Promise<boolean> {
  if (wait) {
    await tx.$executeRawUnsafe("SELECT pg_advisory_xact_lock(hashtext('cmk-broker:audit-checkpoint'))");
    return true;
  }
  const rows = await tx.$queryRawUnsafe<{ locked: boolean }[]>("SELECT pg_try_advisory_xact_lock(hashtext('cmk-broker:audit-checkpoint')) AS locked");
  return rows[0]?.locked === true;
}

/**
 * The vendor position up to which every tenant head is signed: each writer
 * run signs every tenant head up to the vendor head it read, in one
 * transaction, so the newest tenant checkpoint marks where the next run starts.
 */
export async function findTenantCheckpointMark(db: Db): Promise<number> {
  const last = await db.auditCheckpoint.findFirst({ where: { scope: 'tenant' }, orderBy: { vendorSeq: 'desc' }, select: { vendorSeq: true } });
  return last?.vendorSeq ?? 0;
}

export type TenantHead = { tenantExternalId: string; tenantSeq: number; tenantHash: string; vendorSeq: number };

/** The head of every tenant chain that grew in (afterSeq, upToSeq], in vendor order: one range scan of the vendor_seq index. */
export function listTenantHeadsSince(db: Db, afterSeq: number, upToSeq: number): Promise<TenantHead[]> {
  return db.$queryRawUnsafe<TenantHead[]>(
    `SELECT * FROM (
       SELECT DISTINCT ON (tenant_external_id) tenant_external_id AS "tenantExternalId", tenant_seq AS "tenantSeq", tenant_hash AS "tenantHash", vendor_seq AS "vendorSeq"
         FROM audit_event
        WHERE vendor_seq > $1 AND vendor_seq <= $2 AND tenant_external_id IS NOT NULL
        ORDER BY tenant_external_id, tenant_seq DESC
     ) heads ORDER BY "vendorSeq"`,
    afterSeq,
    upToSeq,
  );
}

/** A tenant's newest checkpoint. */
export function findLatestTenantCheckpoint(db: Db, tenantExternalId: string) {
  return db.auditCheckpoint.findFirst({ where: { tenantExternalId }, orderBy: { tenantSeq: 'desc' } });
}

// ---- views and exports ---------------------------------------------------

export type AuditEventFilter = Prisma.AuditEventWhereInput;

/** A tenant's chain, newest first, `take` at a time before tenant_seq `before`. */
export function listTenantAuditPage(db: Db, tenantExternalId: string, filter: AuditEventFilter, before: number | undefined, take: number) {
  return db.auditEvent.findMany({
    where: { AND: [{ tenantExternalId }, filter, before ? { tenantSeq: { lt: before } } : {}] },
    orderBy: { tenantSeq: 'desc' },
    take,
  });
}

/** The vendor chain, newest first, `take` at a time before vendor_seq `before`. */
export function listVendorAuditPage(db: Db, filter: AuditEventFilter, before: number | undefined, take: number) {
  return db.auditEvent.findMany({ where: { AND: [filter, before ? { vendorSeq: { lt: before } } : {}] }, orderBy: { vendorSeq: 'desc' }, take });
}

/** A tenant's chain in order, positions (afterSeq, upToSeq], `take` at a time. */
export function listTenantChain(db: Db, tenantExternalId: string, afterSeq: number, upToSeq: number, take: number) {
  return db.auditEvent.findMany({ where: { tenantExternalId, tenantSeq: { gt: afterSeq, lte: upToSeq } }, orderBy: { tenantSeq: 'asc' }, take });
}

/** The vendor chain in order, positions (afterSeq, upToSeq], `take` at a time. */
export function listVendorChain(db: Db, afterSeq: number, upToSeq: number, take: number) {
  return db.auditEvent.findMany({ where: { vendorSeq: { gt: afterSeq, lte: upToSeq } }, orderBy: { vendorSeq: 'asc' }, take });
}

type Bounds = { first: number | null; last: number | null };

/** The first tenant position at or after `from` and the last at or before `to` (either open). */
export async function findTenantSeqBounds(db: Db, tenantExternalId: string, from?: Date, to?: Date): Promise<Bounds> {
  const [first, last] = await Promise.all([
    db.auditEvent.aggregate({ where: { tenantExternalId, ...(from ? { at: { gte: from } } : {}) }, _min: { tenantSeq: true } }),
    db.auditEvent.aggregate({ where: { tenantExternalId, ...(to ? { at: { lte: to } } : {}) }, _max: { tenantSeq: true } }),
  ]);
  return { first: first._min.tenantSeq, last: last._max.tenantSeq };
}

/** The first vendor position at or after `from` and the last at or before `to` (either open). */
export async function findVendorSeqBounds(db: Db, from?: Date, to?: Date): Promise<Bounds> {
  const [first, last] = await Promise.all([
    db.auditEvent.aggregate({ where: from ? { at: { gte: from } } : {}, _min: { vendorSeq: true } }),
    db.auditEvent.aggregate({ where: to ? { at: { lte: to } } : {}, _max: { vendorSeq: true } }),
  ]);
  return { first: first._min.vendorSeq, last: last._max.vendorSeq };
}

/** A tenant's checkpoints at positions (afterSeq, upToSeq], in order. */
export function listTenantCheckpoints(db: Db, tenantExternalId: string, afterSeq: number, upToSeq: number, take: number) {
  return db.auditCheckpoint.findMany({ where: { tenantExternalId, tenantSeq: { gt: afterSeq, lte: upToSeq } }, orderBy: { tenantSeq: 'asc' }, take, select: { tenantSeq: true, jws: true } });
}

/** Vendor checkpoints at positions (afterSeq, upToSeq], in order. */
export function listVendorCheckpoints(db: Db, afterSeq: number, upToSeq: number, take: number) {
  return db.auditCheckpoint.findMany({ where: { scope: 'vendor', vendorSeq: { gt: afterSeq, lte: upToSeq } }, orderBy: { vendorSeq: 'asc' }, take, select: { vendorSeq: true, jws: true } });
}

export function findLatestVendorCheckpoint(db: Db) {
  return db.auditCheckpoint.findFirst({ where: { scope: 'vendor' }, orderBy: { vendorSeq: 'desc' } });
}
