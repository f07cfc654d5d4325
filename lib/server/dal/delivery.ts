import 'server-only';
// Delivery bookkeeping: the per-environment sequence that orders every change
// a proxy must receive, and the reads that build bundles. The sequence row is
// updated inside the change's transaction, so it is locked until commit:
// changes in one environment commit in seq order, and a reader that has seen
// seq n has seen every change up to n.
import type { Prisma, PrismaClient } from '@/lib/generated/prisma/client';
import { DELIVERY_CHANNEL, deliveryPayload } from '@/lib/server/delivery/listener';

type Db = PrismaClient | Prisma.TransactionClient;

/** Call last in a transaction (the row lock is held until commit). Returns the new seq; publish it after commit. */
export async function bumpDelivery(tx: Prisma.TransactionClient, environmentId: string, tenantIds: string[]): Promise<number> {
  const env = await tx.environment.update({ where: { id: environmentId }, data: { deliverySeq: { increment: 1 } }, select: { deliverySeq: true } });
  if (tenantIds.length) await tx.tenant.updateMany({ where: { id: { in: tenantIds }, environmentId }, data: { deliverySeq: env.deliverySeq } });
  await notify(tx, deliveryPayload({ environmentId, seq: env.deliverySeq }));
  return env.deliverySeq;
}

/** NOTIFY inside the transaction: PostgreSQL delivers it to other instances only if the transaction commits. */
export async function notify(tx: Prisma.TransactionClient, payload: string): Promise<void> {
  await tx.$executeRawUnsafe('SELECT pg_notify($1, $2)', DELIVERY_CHANNEL, payload);
}

export async function environmentSeq(db: Db, environmentId: string): Promise<number> {
  const env = await db.environment.findUnique({ where: { id: environmentId }, select: { deliverySeq: true } });
  return env?.deliverySeq ?? 0;
}

/** The seqs of several environments in one query (an environment that no longer exists is left out). */
export async function environmentSeqs(db: Db, environmentIds: string[]): Promise<Map<string, number>> {
  const rows = await db.environment.findMany({ where: { id: { in: environmentIds } }, select: { id: true, deliverySeq: true } });
  return new Map(rows.map((row) => [row.id, row.deliverySeq]));
}

const TENANT_SELECT = { id: true, externalId: true, status: true, stateSeq: true, deliverySeq: true, sigPublicJwk: true, recipientKids: true } as const;

/** A full-sync page: tenants with a signed state, by external id, after `after`. */
export function tenantsPageByName(db: Db, environmentId: string, after: string | null, take: number) {
  return db.tenant.findMany({
    where: { environmentId, stateSeq: { gt: 0 }, ...(after ? { externalId: { gt: after } } : {}) },
    orderBy: { externalId: 'asc' },
    take,
    select: TENANT_SELECT,
  });
}

/** A delta page: tenants changed after `afterSeq` up to `uptoSeq`, in change order. */
export function tenantsPageBySeq(db: Db, environmentId: string, afterSeq: number, uptoSeq: number, take: number) {
  return db.tenant.findMany({
    where: { environmentId, stateSeq: { gt: 0 }, deliverySeq: { gt: afterSeq, lte: uptoSeq } },
    orderBy: { deliverySeq: 'asc' },
    take,
    select: TENANT_SELECT,
  });
}

export type StoredState = { tenantId: string; jws: string };

export function latestStates(db: Db, tenants: { id: string; stateSeq: number }[]) {
  if (tenants.length === 0) return Promise.resolve([] as StoredState[]);
  return db.tenantState.findMany({
    where: { OR: tenants.map((t) => ({ tenantId: t.id, seq: t.stateSeq })) },
    select: { tenantId: true, jws: true },
  });
}

/** Every signing-key rotation statement of these tenants, oldest first per tenant. */
export function keyRotationsOf(db: Db, tenantIds: string[]) {
  if (tenantIds.length === 0) return Promise.resolve([] as { tenantId: string; jws: string }[]);
  return db.tenantKeyRotation.findMany({ where: { tenantId: { in: tenantIds } }, orderBy: [{ tenantId: 'asc' }, { ordinal: 'asc' }], select: { tenantId: true, jws: true } });
}

export type LatestVersionRow = { tenant_id: string; config_id: string; version: number; jwe: unknown; label: string };

/** The latest sealed version of every configuration of these tenants (what their current states list). */
export function latestVersions(db: Db, tenantIds: string[]): Promise<LatestVersionRow[]> {
  if (tenantIds.length === 0) return Promise.resolve([]);
  return db.$queryRawUnsafe<LatestVersionRow[]>(
    `SELECT c.tenant_id, c.id AS config_id, v.version, v.jwe, c.label
       FROM tenant_config c
       JOIN tenant_config_version v ON v.config_id = c.id AND v.version = c.latest_version
      WHERE c.tenant_id = ANY($1::text[])
      ORDER BY c.tenant_id, c.id`,
    tenantIds,
  );
}

export type BundleSecretRow = { tenant_id: string; secret_path: string; tenant_secret_id: number; kms_config_id: number; wrapped: string; created_at: Date };

/** Every wrapped secret of these tenants, by tenant, path and id: one query per page, as latestVersions. */
export function tenantSecretsOf(db: Db, tenantIds: string[]): Promise<BundleSecretRow[]> {
  if (tenantIds.length === 0) return Promise.resolve([]);
  return db.$queryRawUnsafe<BundleSecretRow[]>(
    `SELECT tenant_id, secret_path, tenant_secret_id, kms_config_id, wrapped, created_at
       FROM tenant_secret
      WHERE tenant_id = ANY($1::text[])
      ORDER BY tenant_id, secret_path, tenant_secret_id`,
    tenantIds,
  );
}
