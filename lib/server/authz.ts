import 'server-only';
// Authorization, called where the work happens: every route handler and page
// asks one of these, and gets the user (and tenant) it may act for, or an
// AppError. "Not yours" and "does not exist" are the same not_found.
import { cache } from 'react';
import { getEnv } from '@/lib/env';
import { getPrisma } from '@/lib/server/db';
import { getSetting } from '@/lib/server/dal/settings';
import { findMembership } from '@/lib/server/dal/tenants';
import { findSession, touchSession } from '@/lib/server/dal/users';
import { auth } from '@/lib/server/auth';
import { AppError } from '@/lib/server/errors';

export type CurrentUser = {
  id: string;
  email: string;
  isOperator: boolean;
  adminKeyKid: string;
  totpEnabled: boolean;
  sessionId: string;
};

const TOUCH_EVERY_MS = 60_000;

/** The signed-in user of this request, or null (expired, idle, revoked, or signed out everywhere). */
export const getCurrentUser = cache(async (): Promise<CurrentUser | null> => {
  const session = (await auth()) as { sid?: string; sv?: number } | null;
  if (!session?.sid) return null;
  const db = await getPrisma();
  const row = await findSession(db, session.sid);
  if (!row || row.revokedAt) return null;
  const now = Date.now();
  const idleMs = getEnv().SESSION_IDLE_MINUTES * 60_000;
  if (row.expiresAt.getTime() <= now || row.lastSeenAt.getTime() + idleMs <= now) return null;
  if (session.sv !== row.user.sessionVersion) return null;
  if (now - row.lastSeenAt.getTime() > TOUCH_EVERY_MS) await touchSession(db, row.id);
  return {
    id: row.user.id,
    email: row.user.email,
    isOperator: row.user.isOperator,
    adminKeyKid: row.user.adminKeyKid,
    totpEnabled: row.user.totpEnabledAt !== null,
    sessionId: row.id,
  };
});

export async function requireUser(): Promise<CurrentUser> {
  const user = await getCurrentUser();
  if (!user) throw new AppError('unauthenticated');
  return user;
}

/** Vendor operators only. Others get not_found: the operator surface does not exist for them. */
export async function requireOperator(): Promise<CurrentUser> {
  const user = await requireUser();
  if (!user.isOperator) throw new AppError('not_found');
  if (!user.totpEnabled && (await getSetting<boolean>(await getPrisma(), 'operators_require_mfa')) === true) throw new AppError('mfa_required');
  return user;
}

export type TenantAccess = {
  user: CurrentUser;
  tenant: { id: string; externalId: string; displayName: string; status: string; requireMfa: boolean };
  membership: { id: string; status: string };
};

/**
 * An admin of the tenant with this external id. `allowPending` lets an admin
 * awaiting confirmation see their own status; everything else needs confirmed.
 */
export async function requireTenantAdmin(externalId: string, { allowPending = false } = {}): Promise<TenantAccess> {
  const user = await requireUser();
  if (user.isOperator) throw new AppError('not_found');
  const found = await findMembership(await getPrisma(), { externalId, userId: user.id });
  if (!found || (found.membership.status !== 'confirmed' && !allowPending)) throw new AppError('not_found');
  // Checked after membership, so a non-member still learns nothing about the tenant's rules.
  if (found.tenant.requireMfa && !user.totpEnabled) throw new AppError('mfa_required');
  return { user, tenant: found.tenant, membership: found.membership };
}
