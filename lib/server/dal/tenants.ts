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

/**
 * Serializes every change to a tenant's admin set or keys: locks the tenant
 * row until the transaction ends and returns the keys on record. Call it as
 * the transaction's first statement, and read the admins after it — each
 * later statement then sees what the change that held the lock before
 * committed. Without it two removals could each count two confirmed admins
 * and both go through, or a removal could count the admins a concurrent key
 * rotation was about to send back to pending. FOR NO KEY UPDATE is the lock an
 * UPDATE of the row takes (as a configuration change's first statement does),
 * so it waits for those too, but not for rows merely referencing the tenant.
 * On PGlite, whose transactions run one at a time, it changes nothing.
 */
export async function lockTenant(tx: Prisma.TransactionClient, tenantId: string): Promise<{ sigKid: string | null; encKid: string | null } | null> {
  const [row] = await tx.$queryRaw<{ sig_kid: string | null; enc_kid: string | null }[]>`SELECT sig_kid, enc_kid FROM tenant WHERE id = ${tenantId} FOR NO KEY UPDATE`;
  return row ? { sigKid: row.sig_kid, encKid: row.enc_kid } : null;
}
