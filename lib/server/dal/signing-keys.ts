import 'server-only';
// The broker's signing keys and rotation statements (rows only; the key
// handling is in lib/server/signing.ts).
import type { Prisma, PrismaClient } from '@/lib/generated/prisma/client';

type Db = PrismaClient | Prisma.TransactionClient;

export function findActiveSigningKey(db: Db) {
  return db.brokerSigningKey.findFirst({ where: { activatedAt: { not: null }, supersededAt: null }, orderBy: { activatedAt: 'desc' } });
}

/** Keys a verifier may still meet: the active one and superseded ones whose bundles have not all expired. */
export function listPublishedSigningKeys(db: Db, now: Date) {
  return db.brokerSigningKey.findMany({
    where: { activatedAt: { not: null }, retiredAt: null, OR: [{ retireAfter: null }, { retireAfter: { gt: now } }] },
    orderBy: { activatedAt: 'desc' },
    select: { kid: true, publicJwk: true },
  });
}

export function listKeyRotations(db: Db) {
  return db.brokerKeyRotation.findMany({ orderBy: { createdAt: 'asc' }, select: { jws: true, previousKid: true, nextKid: true, createdAt: true } });
}

/** Serialises key creation across broker instances sharing one PostgreSQL (a no-op wait on PGlite). */
export async function lockSigningKeys(tx: Prisma.TransactionClient): Promise<void> {
  await tx.$executeRawUnsafe("SELECT pg_advisory_xact_lock(hashtext('cmk-broker:signing-keys'))");
}

export function retireExpiredSigningKeys(db: Db, now: Date) {
  return db.brokerSigningKey.updateMany({ where: { retiredAt: null, retireAfter: { lte: now } }, data: { retiredAt: now } });
}

/** Every broker signing key ever activated, retired ones included: old audit checkpoints were signed by them. */
export function listAllSigningPublicKeys(db: Db) {
  return db.brokerSigningKey.findMany({ where: { activatedAt: { not: null } }, orderBy: { activatedAt: 'asc' }, select: { kid: true, publicJwk: true } });
}
