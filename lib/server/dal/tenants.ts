import 'server-only';
// Tenants and their admin memberships. Queries always carry the tenant and
// the acting user, so someone else's id simply matches no row.
import type { Prisma, PrismaClient } from '@/lib/generated/prisma/client';

type Db = PrismaClient | Prisma.TransactionClient;

export const TENANT_FIELDS = { id: true, externalId: true, displayName: true, status: true, requireMfa: true } as const;

export async function findMembership(db: Db, { externalId, userId }: { externalId: string; userId: string }) {
  const row = await db.tenantAdmin.findFirst({
    where: { userId, tenant: { externalId } },
    select: { id: true, status: true, tenant: { select: TENANT_FIELDS } },
  });
  return row ? { membership: { id: row.id, status: row.status }, tenant: row.tenant } : null;
}

export function listMembershipsOfUser(db: Db, userId: string) {
  return db.tenantAdmin.findMany({
    where: { userId },
    orderBy: { tenant: { displayName: 'asc' } },
    select: { status: true, tenant: { select: { externalId: true, displayName: true, status: true, requireMfa: true } } },
  });
}
