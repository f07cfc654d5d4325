import 'server-only';
// Invitations: single use, 7-day expiry, stored as a SHA-256 of the token.
import type { Prisma, PrismaClient } from '@/lib/generated/prisma/client';
import { hashToken, newId, newToken } from '@/lib/server/ids';

type Db = PrismaClient | Prisma.TransactionClient;

export const INVITATION_TTL_MS = 7 * 24 * 3600_000;

export async function createInvitation(
  db: Db,
  { kind, email, tenantId, invitedById }: { kind: 'operator' | 'tenant_admin'; email: string; tenantId?: string; invitedById?: string },
): Promise<{ id: string; token: string }> {
  const token = newToken();
  const now = new Date();
  const row = await db.invitation.create({
    data: { id: newId('inv'), kind, email, tenantId, invitedById, tokenHash: hashToken(token), expiresAt: new Date(now.getTime() + INVITATION_TTL_MS), lastSentAt: now },
    select: { id: true },
  });
  return { id: row.id, token };
}

/** Resending issues a new token (the old link stops working) and a new expiry. */
export async function renewInvitationToken(db: Db, id: string, scope: { tenantId?: string | null; kind?: string }): Promise<{ token: string; email: string } | null> {
  const token = newToken();
  const now = new Date();
  const updated = await db.invitation.updateMany({
    where: { id, acceptedAt: null, revokedAt: null, ...(scope.tenantId !== undefined ? { tenantId: scope.tenantId } : {}), ...(scope.kind ? { kind: scope.kind } : {}) },
    data: { tokenHash: hashToken(token), expiresAt: new Date(now.getTime() + INVITATION_TTL_MS), lastSentAt: now, sendCount: { increment: 1 } },
  });
  if (updated.count !== 1) return null;
  const row = await db.invitation.findUniqueOrThrow({ where: { id }, select: { email: true } });
  return { token, email: row.email };
}

export async function revokeInvitation(db: Db, id: string, scope: { tenantId?: string | null; kind?: string }): Promise<boolean> {
  const updated = await db.invitation.updateMany({
    where: { id, acceptedAt: null, revokedAt: null, ...(scope.tenantId !== undefined ? { tenantId: scope.tenantId } : {}), ...(scope.kind ? { kind: scope.kind } : {}) },
    data: { revokedAt: new Date() },
  });
  return updated.count === 1;
}

export function findOpenInvitation(db: Db, token: string) {
  return db.invitation.findFirst({
    where: { tokenHash: hashToken(token), acceptedAt: null, revokedAt: null, expiresAt: { gt: new Date() } },
    select: {
      id: true,
      kind: true,
      email: true,
      tenant: { select: { id: true, externalId: true, displayName: true, encKid: true, status: true } },
    },
  });
}

/** Marks it used; false if someone else used it first (single use even under races). */
export async function consumeInvitation(db: Db, id: string): Promise<boolean> {
  const updated = await db.invitation.updateMany({ where: { id, acceptedAt: null, revokedAt: null, expiresAt: { gt: new Date() } }, data: { acceptedAt: new Date() } });
  return updated.count === 1;
}

export function listInvitations(db: Db, where: { tenantId?: string; kind?: string }) {
  return db.invitation.findMany({
    where,
    orderBy: { createdAt: 'desc' },
    select: { id: true, kind: true, email: true, expiresAt: true, acceptedAt: true, revokedAt: true, sendCount: true, lastSentAt: true, createdAt: true },
  });
}
