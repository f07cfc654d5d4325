import 'server-only';
// Users and their sign-in sessions. Every query names the user it is for;
// nothing here trusts an id that did not come from the session or a token.
import type { Prisma, PrismaClient } from '@/lib/generated/prisma/client';
import { newId } from '@/lib/server/ids';

type Db = PrismaClient | Prisma.TransactionClient;

export const USER_PUBLIC_FIELDS = {
  id: true,
  email: true,
  isOperator: true,
  adminKeyKid: true,
  adminPublicJwk: true,
  totpEnabledAt: true,
  sessionVersion: true,
  createdAt: true,
} as const;

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function findUserForSignIn(db: Db, email: string) {
  return db.user.findUnique({
    where: { email: normalizeEmail(email) },
    select: { id: true, email: true, isOperator: true, authKeyHash: true, sessionVersion: true, totpEnabledAt: true, totpSecretEnc: true, totpLastStep: true },
  });
}

export function findSaltByEmail(db: Db, email: string) {
  return db.user.findUnique({ where: { email: normalizeEmail(email) }, select: { kdfSalt: true, kdfIterations: true } });
}

export function countOperators(db: Db): Promise<number> {
  return db.user.count({ where: { isOperator: true } });
}

export type NewUser = {
  email: string;
  kdfSalt: string;
  kdfIterations: number;
  authKeyHash: string;
  adminPublicJwk: Prisma.InputJsonValue;
  adminKeyKid: string;
  sealedAdminKey: string;
  isOperator: boolean;
};

export function createUser(db: Db, user: NewUser) {
  return db.user.create({ data: { id: newId('usr'), ...user, email: normalizeEmail(user.email) }, select: { id: true } });
}

export function createSession(db: Db, { userId, maxAgeMs, ip, userAgent }: { userId: string; maxAgeMs: number; ip?: string; userAgent?: string }) {
  const now = new Date();
  return db.userSession.create({
    data: { id: newId('ses'), userId, lastSeenAt: now, expiresAt: new Date(now.getTime() + maxAgeMs), ip, userAgent: userAgent?.slice(0, 300) },
    select: { id: true },
  });
}

export function findSession(db: Db, sessionId: string) {
  return db.userSession.findUnique({
    where: { id: sessionId },
    select: { id: true, lastSeenAt: true, expiresAt: true, revokedAt: true, user: { select: USER_PUBLIC_FIELDS } },
  });
}

export async function touchSession(db: Db, sessionId: string): Promise<void> {
  await db.userSession.updateMany({ where: { id: sessionId, revokedAt: null }, data: { lastSeenAt: new Date() } });
}

/** Ends one session; true when it was still open. */
export async function revokeSession(db: Db, sessionId: string): Promise<boolean> {
  const { count } = await db.userSession.updateMany({ where: { id: sessionId, revokedAt: null }, data: { revokedAt: new Date() } });
  return count === 1;
}

/** Sign out everywhere: every session of the user ends, and old cookies stop matching. */
export async function revokeAllSessions(db: Db, userId: string, exceptSessionId?: string): Promise<void> {
  await db.userSession.updateMany({
    where: { userId, revokedAt: null, ...(exceptSessionId ? { id: { not: exceptSessionId } } : {}) },
    data: { revokedAt: new Date() },
  });
  if (!exceptSessionId) await db.user.update({ where: { id: userId }, data: { sessionVersion: { increment: 1 } } });
}
