import 'server-only';
// Database access for mail notifications (docs/notifications.md): the cursor
// into the audit trail, the fan-out of events to admins, the pending events of
// one admin and their setting. Every function takes the client it runs on, so
// the notifier composes them into its transactions.
import { Prisma, type PrismaClient } from '@/lib/generated/prisma/client';

type Db = PrismaClient | Prisma.TransactionClient;

const CURSOR_ID = 'audit';

/** Only one instance moves the cursor at a time; the others skip their turn (false) instead of waiting. */
export async function tryLockFanOut(tx: Prisma.TransactionClient): Promise<boolean> {
  const rows = await tx.$queryRaw<{ locked: boolean }[]>`SELECT pg_try_advisory_xact_lock(hashtext('cmk-broker:notify-fanout')) AS locked`;
  return rows[0]?.locked === true;
}

export async function readCursor(db: Db): Promise<number | null> {
  const row = await db.notificationCursor.findUnique({ where: { id: CURSOR_ID }, select: { vendorSeq: true } });
  return row?.vendorSeq ?? null;
}

export async function writeCursor(db: Db, vendorSeq: number): Promise<void> {
  await db.notificationCursor.upsert({
    where: { id: CURSOR_ID },
    create: { id: CURSOR_ID, vendorSeq },
    update: { vendorSeq, updatedAt: new Date() },
  });
}

/** The highest vendor_seq, at most `limit`: every event up to it has committed (appends are serialised by the chain lock). */
export async function auditHead(db: Db, limit?: number): Promise<number> {
  const row = await db.auditEvent.aggregate({ _max: { vendorSeq: true }, ...(limit === undefined ? {} : { where: { vendorSeq: { lte: limit } } }) });
  return row._max.vendorSeq ?? 0;
}

/**
 * One pending row per (confirmed admin who has not opted out, event) for the
 * events in (after, upTo] whose action is in `actions` and that have a tenant.
 * A key rotation also reaches the admins it sent back to pending (its
 * `details.reconfirm`): they are the ones who must act. Returns the number of
 * rows added.
 */
export async function fanOutEvents(tx: Prisma.TransactionClient, after: number, upTo: number, actions: readonly string[]): Promise<number> {
  const toConfirmed = await confirmedAdminsOf(tx, after, upTo, actions);
  if (!actions.includes('tenant.keys_rotate')) return toConfirmed;
  const toReconfirm = await tx.$executeRaw`
    INSERT INTO notification_pending (user_id, vendor_seq)
    SELECT u.id, e.vendor_seq
      FROM audit_event e
      CROSS JOIN LATERAL jsonb_array_elements_text(COALESCE(e.details->'reconfirm', '[]'::jsonb)) AS r(user_id)
      JOIN app_user u ON u.id = r.user_id
      LEFT JOIN notification_recipient n ON n.user_id = u.id
     WHERE e.vendor_seq > ${after} AND e.vendor_seq <= ${upTo}
       AND e.action = 'tenant.keys_rotate'
       AND COALESCE(n.enabled, true)
    ON CONFLICT DO NOTHING`;
  return toConfirmed + toReconfirm;
}

function confirmedAdminsOf(tx: Prisma.TransactionClient, after: number, upTo: number, actions: readonly string[]): Promise<number> {
  return tx.$executeRaw`
    INSERT INTO notification_pending (user_id, vendor_seq)
    SELECT ta.user_id, e.vendor_seq
      FROM audit_event e
      JOIN tenant t ON t.external_id = e.tenant_external_id
      JOIN tenant_admin ta ON ta.tenant_id = t.id AND ta.status = 'confirmed'
      LEFT JOIN notification_recipient r ON r.user_id = ta.user_id
     WHERE e.vendor_seq > ${after} AND e.vendor_seq <= ${upTo}
       AND e.action IN (${Prisma.join([...actions])})
       AND COALESCE(r.enabled, true)
    ON CONFLICT DO NOTHING`;
}

/** Admins with pending events whose last digest is at least `window` old (or who never had one). */
export async function listDueRecipients(db: Db, notSentSince: Date, take: number): Promise<string[]> {
  const rows = await db.$queryRaw<{ user_id: string }[]>`
    SELECT DISTINCT p.user_id
      FROM notification_pending p
      LEFT JOIN notification_recipient r ON r.user_id = p.user_id
     WHERE r.last_sent_at IS NULL OR r.last_sent_at <= ${notSentSince}
     LIMIT ${take}`;
  return rows.map((r) => r.user_id);
}

export async function ensureRecipient(db: Db, userId: string): Promise<void> {
  await db.$executeRaw`INSERT INTO notification_recipient (user_id) VALUES (${userId}) ON CONFLICT DO NOTHING`;
}

/** Locks the admin's row for this digest; null when another instance holds it (it is sending this admin's digest). */
export async function lockRecipient(tx: Prisma.TransactionClient, userId: string): Promise<{ enabled: boolean; lastSentAt: Date | null } | null> {
  const rows = await tx.$queryRaw<{ enabled: boolean; last_sent_at: Date | null }[]>`
    SELECT enabled, last_sent_at FROM notification_recipient WHERE user_id = ${userId} FOR UPDATE SKIP LOCKED`;
  const row = rows[0];
  return row ? { enabled: row.enabled, lastSentAt: row.last_sent_at } : null;
}

/** The admin's pending events (vendor_seq and tenant), oldest first. */
export async function listPendingOf(db: Db, userId: string): Promise<{ vendorSeq: number; tenantExternalId: string | null; action: string }[]> {
  const rows = await db.$queryRaw<{ vendor_seq: number; tenant_external_id: string | null; action: string }[]>`
    SELECT p.vendor_seq, e.tenant_external_id, e.action
      FROM notification_pending p
      JOIN audit_event e ON e.vendor_seq = p.vendor_seq
     WHERE p.user_id = ${userId}
     ORDER BY p.vendor_seq`;
  return rows.map((r) => ({ vendorSeq: Number(r.vendor_seq), tenantExternalId: r.tenant_external_id, action: r.action }));
}

/** Deletes the admin's pending rows up to `upTo` (rows added later all have a higher vendor_seq). */
export async function clearPending(db: Db, userId: string, upTo: number): Promise<void> {
  await db.notificationPending.deleteMany({ where: { userId, vendorSeq: { lte: upTo } } });
}

export function deleteAllPending(db: Db, userId: string) {
  return db.notificationPending.deleteMany({ where: { userId } });
}

export function findAuditEventsBySeq(db: Db, seqs: number[]) {
  return db.auditEvent.findMany({ where: { vendorSeq: { in: seqs } }, orderBy: { vendorSeq: 'asc' } });
}

/** The tenants (external id → display name) `userId` is a confirmed admin of now. */
export async function confirmedTenantsOf(db: Db, userId: string): Promise<Map<string, string>> {
  const rows = await db.tenantAdmin.findMany({ where: { userId, status: 'confirmed' }, select: { tenant: { select: { externalId: true, displayName: true } } } });
  return new Map(rows.map((r) => [r.tenant.externalId, r.tenant.displayName]));
}

/** The tenants (external id → display name and this admin's status) `userId` is an admin of now, confirmed or pending. */
export async function memberTenantsOf(db: Db, userId: string): Promise<Map<string, { displayName: string; status: string }>> {
  const rows = await db.tenantAdmin.findMany({ where: { userId }, select: { status: true, tenant: { select: { externalId: true, displayName: true } } } });
  return new Map(rows.map((r) => [r.tenant.externalId, { displayName: r.tenant.displayName, status: r.status }]));
}

/**
 * The current labels of `configIds`, only among the configurations of `tenantExternalIds` (the tenants the
 * reader is a confirmed admin of): tenant external id → configuration id → label.
 */
export async function configLabelsOf(db: Db, tenantExternalIds: string[], configIds: string[]): Promise<Map<string, Map<string, string>>> {
  const labels = new Map<string, Map<string, string>>();
  if (tenantExternalIds.length === 0 || configIds.length === 0) return labels;
  const rows = await db.tenantConfig.findMany({
    where: { id: { in: configIds }, tenant: { externalId: { in: tenantExternalIds } } },
    select: { id: true, label: true, tenant: { select: { externalId: true } } },
  });
  for (const row of rows) {
    const perTenant = labels.get(row.tenant.externalId) ?? new Map<string, string>();
    perTenant.set(row.id, row.label);
    labels.set(row.tenant.externalId, perTenant);
  }
  return labels;
}

export async function markDigestSent(db: Db, userId: string, at: Date): Promise<void> {
  await db.notificationRecipient.update({ where: { userId }, data: { lastSentAt: at } });
}

export function findRecipientSetting(db: Db, userId: string) {
  return db.notificationRecipient.findUnique({ where: { userId }, select: { enabled: true, updatedAt: true } });
}

export async function writeRecipientSetting(db: Db, userId: string, enabled: boolean): Promise<void> {
  await db.notificationRecipient.upsert({ where: { userId }, create: { userId, enabled }, update: { enabled, updatedAt: new Date() } });
}
