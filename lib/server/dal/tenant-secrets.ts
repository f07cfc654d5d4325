import 'server-only';
// Tenant secrets as the broker holds them (docs/database.md "Tenant secrets"):
// the KMS-wrapped form only, one row per (tenant, path, id), the first writer
// winning. Which secret is current, in rotation or archived is not here: it
// is in the tenant's signed state. Every query carries the tenant's internal id.
import type { Prisma, PrismaClient } from '@/lib/generated/prisma/client';

type Db = PrismaClient | Prisma.TransactionClient;

export type TenantSecretKey = { secretPath: string; tenantSecretId: number };

export type StoredTenantSecret = {
  secretPath: string;
  tenantSecretId: number;
  kmsConfigId: number;
  wrapped: string;
  digest: string;
  createdAt: Date;
  createdByDeploymentName: string | null;
};

const ROW_SELECT = {
  secretPath: true,
  tenantSecretId: true,
  kmsConfigId: true,
  wrapped: true,
  digest: true,
  createdAt: true,
  createdByDeployment: { select: { name: true } },
} as const;

type Row = Prisma.TenantSecretGetPayload<{ select: typeof ROW_SELECT }>;

const toStored = ({ createdByDeployment, ...row }: Row): StoredTenantSecret => ({ ...row, createdByDeploymentName: createdByDeployment?.name ?? null });

/**
 * INSERT … ON CONFLICT DO NOTHING on (tenant, path, id): true when this call
 * stored the row, false when another writer had already (its row stands).
 */
export async function insertTenantSecretIfAbsent(
  tx: Prisma.TransactionClient,
  row: TenantSecretKey & { tenantId: string; kmsConfigId: number; wrapped: string; digest: string; createdByDeploymentId: string },
): Promise<boolean> {
  const { count } = await tx.tenantSecret.createMany({ data: [row], skipDuplicates: true });
  return count === 1;
}

export async function findTenantSecret(db: Db, tenantId: string, key: TenantSecretKey): Promise<StoredTenantSecret | null> {
  const row = await db.tenantSecret.findUnique({ where: { tenantId_secretPath_tenantSecretId: { tenantId, ...key } }, select: ROW_SELECT });
  return row ? toStored(row) : null;
}

/** Whether the tenant has any row for this path (a new path counts against the tenant's limit). */
export async function hasSecretPath(db: Db, tenantId: string, secretPath: string): Promise<boolean> {
  return (await db.tenantSecret.count({ where: { tenantId, secretPath }, take: 1 })) > 0;
}

/** The stored digests of these (path, id) pairs, keyed `${id} ${path}`; pairs without a row are absent. */
export async function tenantSecretDigests(db: Db, tenantId: string, keys: readonly TenantSecretKey[]): Promise<Map<string, string>> {
  if (keys.length === 0) return new Map();
  const paths = [...new Set(keys.map((k) => k.secretPath))];
  const rows = await db.tenantSecret.findMany({ where: { tenantId, secretPath: { in: paths } }, select: { secretPath: true, tenantSecretId: true, digest: true } });
  return new Map(rows.map((r) => [secretKey(r), r.digest]));
}

export const secretKey = (k: TenantSecretKey) => `${k.tenantSecretId} ${k.secretPath}`;

/** Every wrapped secret of one tenant, by path then id, with the deployment that made it (for the tenant admin's view). */
export async function listTenantSecrets(db: Db, tenantInternalId: string): Promise<StoredTenantSecret[]> {
  const rows = await db.tenantSecret.findMany({ where: { tenantId: tenantInternalId }, orderBy: [{ secretPath: 'asc' }, { tenantSecretId: 'asc' }], select: ROW_SELECT });
  return rows.map(toStored);
}

/** How many paths and secrets a tenant has: what operators may see. */
export async function countTenantSecrets(db: Db, tenantId: string): Promise<{ paths: number; secrets: number }> {
  const [row] = await db.$queryRaw<{ paths: number; secrets: number }[]>`
    SELECT count(DISTINCT secret_path)::int AS paths, count(*)::int AS secrets FROM tenant_secret WHERE tenant_id = ${tenantId}`;
  return { paths: row?.paths ?? 0, secrets: row?.secrets ?? 0 };
}

/** How many distinct paths a tenant has. */
export async function countSecretPaths(db: Db, tenantId: string): Promise<number> {
  return (await countTenantSecrets(db, tenantId)).paths;
}
