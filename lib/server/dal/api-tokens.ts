import 'server-only';
// Vendor API tokens: only their SHA-256 is stored. A token is live while it
// is neither revoked nor expired and its creator is still an operator.
import type { Prisma, PrismaClient } from '@/lib/generated/prisma/client';

type Db = PrismaClient | Prisma.TransactionClient;

export const API_TOKEN_SELECT = {
  id: true,
  name: true,
  scope: true,
  createdAt: true,
  expiresAt: true,
  lastUsedAt: true,
  revokedAt: true,
  createdBy: { select: { email: true } },
} as const satisfies Prisma.VendorApiTokenSelect;

export type ApiTokenRecord = Prisma.VendorApiTokenGetPayload<{ select: typeof API_TOKEN_SELECT }>;

export function insertApiToken(db: Db, data: { id: string; name: string; scope: string; tokenHash: string; createdById: string; expiresAt: Date }) {
  return db.vendorApiToken.create({ data, select: API_TOKEN_SELECT });
}

/** Newest first; revoked and expired tokens stay listed (they explain past calls). */
export function listApiTokenRecords(db: Db) {
  return db.vendorApiToken.findMany({ orderBy: [{ createdAt: 'desc' }, { id: 'asc' }], take: 500, select: API_TOKEN_SELECT });
}

/** Sets revokedAt once; false when there is no such token or it was already revoked. */
export async function revokeApiTokenRecord(db: Db, id: string, now: Date): Promise<boolean> {
  const { count } = await db.vendorApiToken.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: now } });
  return count === 1;
}

export function apiTokenExists(db: Db, id: string) {
  return db.vendorApiToken.count({ where: { id } });
}

export function findLiveApiToken(db: Db, tokenHash: string, now: Date) {
  return db.vendorApiToken.findFirst({
    where: { tokenHash, revokedAt: null, expiresAt: { gt: now }, createdBy: { isOperator: true } },
    select: {
      id: true,
      scope: true,
      lastUsedAt: true,
      createdBy: { select: { id: true, email: true, adminKeyKid: true, totpEnabledAt: true } },
    },
  });
}

export async function touchApiToken(db: Db, id: string, now: Date): Promise<void> {
  await db.vendorApiToken.update({ where: { id }, data: { lastUsedAt: now } });
}
