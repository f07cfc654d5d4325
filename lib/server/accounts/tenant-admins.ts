import 'server-only';
// A tenant's admin set, as its admins manage it. Confirming someone means the
// confirming admin's browser wrapped the tenant keys to the new admin's key
// (checked here by header); the server itself can never add a key holder.
import { getPrisma } from '@/lib/server/db';
import type { TenantAccess } from '@/lib/server/authz';
import { createInvitation, listInvitations, renewInvitationToken, revokeInvitation } from '@/lib/server/dal/invitations';
import { AppError } from '@/lib/server/errors';
import { newId } from '@/lib/server/ids';
import { checkWrappedTenantKeys } from '@/lib/server/keys';
import { checkRecoveryKit, sendInvitationMail } from './invitations';

export async function listTenantAdmins(access: TenantAccess) {
  const db = await getPrisma();
  const rows = await db.tenantAdmin.findMany({
    where: { tenantId: access.tenant.id },
    orderBy: { createdAt: 'asc' },
    select: {
      id: true,
      status: true,
      confirmedAt: true,
      createdAt: true,
      user: { select: { id: true, email: true, adminPublicJwk: true, adminKeyKid: true, totpEnabledAt: true } },
      confirmedBy: { select: { email: true } },
    },
  });
  return rows.map((r) => ({
    id: r.id,
    email: r.user.email,
    status: r.status as 'pending' | 'confirmed',
    adminPublicJwk: r.user.adminPublicJwk,
    adminKeyKid: r.user.adminKeyKid,
    mfaEnabled: r.user.totpEnabledAt !== null,
    confirmedAt: r.confirmedAt,
    confirmedBy: r.confirmedBy?.email ?? null,
    createdAt: r.createdAt,
    isMe: r.user.id === access.user.id,
  }));
}

/** The tenant's public keys and this admin's wrapped copy of the private keys. */
export async function getMyTenantKeys(access: TenantAccess) {
  const db = await getPrisma();
  const row = await db.tenantAdmin.findFirstOrThrow({
    where: { id: access.membership.id, tenantId: access.tenant.id, userId: access.user.id },
    select: { status: true, wrappedTenantKeys: true, tenant: { select: { encPublicJwk: true, encKid: true, sigPublicJwk: true, sigKid: true } } },
  });
  return { status: row.status, wrappedTenantKeys: row.wrappedTenantKeys, ...row.tenant };
}

export async function confirmTenantAdmin(access: TenantAccess, membershipId: string, wrappedTenantKeys: string) {
  const db = await getPrisma();
  const target = await db.tenantAdmin.findFirst({
    where: { id: membershipId, tenantId: access.tenant.id },
    select: { id: true, status: true, user: { select: { adminKeyKid: true } } },
  });
  if (!target) throw new AppError('not_found');
  if (target.status !== 'pending') throw new AppError('conflict', { message: 'This administrator is already confirmed.' });
  checkWrappedTenantKeys(wrappedTenantKeys, { adminKid: target.user.adminKeyKid, tenantId: access.tenant.externalId });
  const updated = await db.tenantAdmin.updateMany({
    where: { id: target.id, tenantId: access.tenant.id, status: 'pending' },
    data: { status: 'confirmed', wrappedTenantKeys, confirmedById: access.user.id, confirmedAt: new Date() },
  });
  if (updated.count !== 1) throw new AppError('changed_elsewhere');
}

export async function removeTenantAdmin(access: TenantAccess, membershipId: string) {
  const db = await getPrisma();
  await db.$transaction(async (tx) => {
    const target = await tx.tenantAdmin.findFirst({ where: { id: membershipId, tenantId: access.tenant.id }, select: { id: true, status: true } });
    if (!target) throw new AppError('not_found');
    if (target.status === 'confirmed') {
      const confirmed = await tx.tenantAdmin.count({ where: { tenantId: access.tenant.id, status: 'confirmed' } });
      if (confirmed <= 1) throw new AppError('conflict', { message: 'The last confirmed administrator cannot be removed; invite and confirm another first.' });
    }
    await tx.tenantAdmin.delete({ where: { id: target.id } });
  });
}

export async function inviteTenantAdmin(access: TenantAccess, email: string) {
  const db = await getPrisma();
  const already = await db.tenantAdmin.count({ where: { tenantId: access.tenant.id, user: { email } } });
  if (already) throw new AppError('conflict', { message: 'This person is already an administrator of this tenant.' });
  const open = await db.invitation.count({ where: { tenantId: access.tenant.id, email, acceptedAt: null, revokedAt: null, expiresAt: { gt: new Date() } } });
  if (open) throw new AppError('conflict', { message: 'An invitation to this email is already open; resend it instead.' });
  const { id, token } = await createInvitation(db, { kind: 'tenant_admin', email, tenantId: access.tenant.id, invitedById: access.user.id });
  const { mailed } = await sendInvitationMail({ email, token, kind: 'tenant_admin', tenantName: access.tenant.displayName });
  return { id, mailed };
}

export async function listTenantInvitations(access: TenantAccess) {
  return listInvitations(await getPrisma(), { tenantId: access.tenant.id });
}

export async function resendTenantInvitation(access: TenantAccess, invitationId: string) {
  const renewed = await renewInvitationToken(await getPrisma(), invitationId, { tenantId: access.tenant.id });
  if (!renewed) throw new AppError('not_found');
  return sendInvitationMail({ email: renewed.email, token: renewed.token, kind: 'tenant_admin', tenantName: access.tenant.displayName });
}

export async function revokeTenantInvitation(access: TenantAccess, invitationId: string) {
  if (!(await revokeInvitation(await getPrisma(), invitationId, { tenantId: access.tenant.id }))) throw new AppError('not_found');
}

export async function saveRecoveryKit(access: TenantAccess, kit: string) {
  checkRecoveryKit(kit, access.tenant.externalId);
  const db = await getPrisma();
  const row = await db.recoveryKit.create({ data: { id: newId('kit'), tenantId: access.tenant.id, createdById: access.user.id, kit }, select: { id: true, createdAt: true } });
  return row;
}

export async function getRecoveryKits(access: TenantAccess) {
  const db = await getPrisma();
  return db.recoveryKit.findMany({ where: { tenantId: access.tenant.id, usedAt: null }, orderBy: { createdAt: 'desc' }, select: { id: true, kit: true, createdAt: true } });
}

/** A pending admin who holds a recovery code unwrapped the kit in their browser and wrapped the keys to themselves. */
export async function recoverWithKit(access: TenantAccess, kitId: string, wrappedTenantKeys: string) {
  if (access.membership.status !== 'pending') throw new AppError('conflict', { message: 'You are already confirmed.' });
  checkWrappedTenantKeys(wrappedTenantKeys, { adminKid: access.user.adminKeyKid, tenantId: access.tenant.externalId });
  const db = await getPrisma();
  await db.$transaction(async (tx) => {
    const used = await tx.recoveryKit.updateMany({ where: { id: kitId, tenantId: access.tenant.id, usedAt: null }, data: { usedAt: new Date() } });
    if (used.count !== 1) throw new AppError('not_found', { message: 'This recovery kit does not exist or was already used.' });
    await tx.tenantAdmin.update({
      where: { id: access.membership.id },
      data: { status: 'confirmed', wrappedTenantKeys, confirmedById: access.user.id, confirmedAt: new Date() },
    });
  });
}

export async function setTenantMfaRule(access: TenantAccess, requireMfa: boolean) {
  if (requireMfa && !access.user.totpEnabled) {
    throw new AppError('conflict', { message: 'Turn on your own second factor first (on your account page), so this rule does not lock you out.' });
  }
  await (await getPrisma()).tenant.update({ where: { id: access.tenant.id }, data: { requireMfa } });
}
