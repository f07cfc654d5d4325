import 'server-only';
// The per-tenant summary columns the operators' list filters and sorts on
// (active KMS/SIEM counts, the primaries' providers, the last change). They
// are recomputed from tenant_config inside the transaction that changes it,
// so they can never disagree with the configurations after a commit.
import type { Prisma, PrismaClient } from '@/lib/generated/prisma/client';

type Db = PrismaClient | Prisma.TransactionClient;

const SUMMARY = `
  kms_count = (SELECT count(*) FROM tenant_config c WHERE c.tenant_id = t.id AND c.kind = 'kms' AND c.status = 'active'),
  kms_primary_provider = (SELECT c.provider FROM tenant_config c WHERE c.tenant_id = t.id AND c.kind = 'kms' AND c.is_primary ORDER BY c.id LIMIT 1),
  siem_count = (SELECT count(*) FROM tenant_config c WHERE c.tenant_id = t.id AND c.kind = 'siem' AND c.status = 'active'),
  siem_primary_provider = (SELECT c.provider FROM tenant_config c WHERE c.tenant_id = t.id AND c.kind = 'siem' AND c.is_primary ORDER BY c.id LIMIT 1)`;

/** Recomputes the summary of these tenants and, when `changedAt` is given, sets their last change. */
export async function refreshTenantSummaries(db: Db, tenantIds: string[], changedAt?: Date): Promise<void> {
  if (tenantIds.length === 0) return;
  if (changedAt) {
    await db.$executeRawUnsafe(`UPDATE tenant t SET ${SUMMARY}, last_change_at = $2 WHERE t.id = ANY($1::text[])`, tenantIds, changedAt);
  } else {
    await db.$executeRawUnsafe(`UPDATE tenant t SET ${SUMMARY} WHERE t.id = ANY($1::text[])`, tenantIds);
  }
}
