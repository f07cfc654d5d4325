import 'server-only';
// Tenant secrets at the broker (issue 25): wrapped ciphertext and metadata
// only. Minimal stand-in for the UI branch; the proxy route's branch owns
// this file and its version wins on merge.
import type { Prisma, PrismaClient } from '@/lib/generated/prisma/client';

type Db = PrismaClient | Prisma.TransactionClient;

export type TTenantSecretRow = {
  secretPath: string;
  tenantSecretId: number;
  kmsConfigId: number;
  wrapped: string;
  digest: string;
  createdAt: Date;
  createdByDeploymentName: string | null;
};

export async function listTenantSecrets(db: Db, tenantInternalId: string): Promise<TTenantSecretRow[]> {
  const rows = await db.tenantSecret.findMany({
    where: { tenantId: tenantInternalId },
    orderBy: [{ secretPath: 'asc' }, { tenantSecretId: 'asc' }],
    select: { secretPath: true, tenantSecretId: true, kmsConfigId: true, wrapped: true, digest: true, createdAt: true, createdByDeployment: { select: { name: true } } },
  });
  return rows.map(({ createdByDeployment, ...r }) => ({ ...r, createdByDeploymentName: createdByDeployment?.name ?? null }));
}

export async function countTenantSecrets(db: Db, tenantInternalId: string): Promise<{ paths: number; secrets: number }> {
  const [paths, secrets] = await Promise.all([
    db.tenantSecret.groupBy({ by: ['secretPath'], where: { tenantId: tenantInternalId } }),
    db.tenantSecret.count({ where: { tenantId: tenantInternalId } }),
  ]);
  return { paths: paths.length, secrets };
}
