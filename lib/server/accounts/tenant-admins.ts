import 'server-only';
// A tenant's admin set, as its admins manage it. Confirming someone means the
// confirming admin's browser wrapped the tenant keys to the new admin's key
// (checked here by header); the server itself can never add a key holder.
// Every change to the admin set starts by locking the tenant row (lockTenant),
// as a key rotation does, so that the checks below — at least one confirmed
// admin stays, the keys wrapped are the keys on record — see what the change
// before committed, on PostgreSQL as on PGlite.
import { recordAudit, userActor, type AuditContext } from '@/lib/server/audit/record';
import { getPrisma } from '@/lib/server/db';
import type { TenantAccess } from '@/lib/server/authz';
import { keyRotationsOf } from '@/lib/server/dal/delivery';
import { createInvitation, listInvitations, renewInvitationToken, revokeInvitation } from '@/lib/server/dal/invitations';
import { lockTenant } from '@/lib/server/dal/tenants';
import type { Prisma } from '@/lib/generated/prisma/client';
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

/**
 * The tenant's public keys, this admin's wrapped copy of the private keys, and
 * every signing-key rotation statement (oldest first): the browser trusts a
 * new signing key only through them, as proxies do (lib/client/tenant-key-pin.ts).
 */
export async function getMyTenantKeys(access: TenantAccess) {
  const db = await getPrisma();
  // One snapshot: keys wrapped before a rotation next to its statement (or the reverse) would be refused by the browser.
  const [row, rotations] = await db.$transaction(
    async (tx) =>
      Promise.all([
        tx.tenantAdmin.findFirstOrThrow({
          where: { id: access.membership.id, tenantId: access.tenant.id, userId: access.user.id },
          select: { status: true, wrappedTenantKeys: true, tenant: { select: { encPublicJwk: true, encKid: true, sigPublicJwk: true, sigKid: true, keyRotationDueAt: true } } },
        }),
        keyRotationsOf(tx, [access.tenant.id]),
      ]),
    { isolationLevel: 'RepeatableRead' },
  );
  return { status: row.status, wrappedTenantKeys: row.wrappedTenantKeys, ...row.tenant, keyRotations: rotations.map((r) => r.jws) };
}

/** The common part of a tenant admin's event: the admin acts, in the tenant's chain. */
function adminEvent(access: TenantAccess, target: { type: string; id: string }, context?: AuditContext) {
  return { actor: userActor(access.user), tenantExternalId: access.tenant.externalId, target, context };
}

/**
 * Under the tenant lock: the acting admin is still a confirmed admin. The
 * request was authorized before the lock was granted, and a removal or a key
 * rotation (which sends the other admins back to pending) may have committed
 * in between.
 */
async function assertStillConfirmed(tx: Prisma.TransactionClient, access: TenantAccess): Promise<void> {
  const still = await tx.tenantAdmin.count({ where: { id: access.membership.id, tenantId: access.tenant.id, status: 'confirmed' } });
  if (!still) throw new AppError('changed_elsewhere', { message: 'Your administrator access changed a moment ago. Reload and try again.' });
}

/** `signingKid` is the tenant signing key the wrapped keys belong to: a rotation since then refuses the confirmation. */
export async function confirmTenantAdmin(access: TenantAccess, membershipId: string, wrappedTenantKeys: string, context: AuditContext | undefined, signingKid: string) {
  const db = await getPrisma();
  const target = await db.tenantAdmin.findFirst({
    where: { id: membershipId, tenantId: access.tenant.id },
    select: { id: true, status: true, user: { select: { id: true, adminKeyKid: true } } },
  });
  if (!target) throw new AppError('not_found');
  if (target.status !== 'pending') throw new AppError('conflict', { message: 'This administrator is already confirmed.' });
  checkWrappedTenantKeys(wrappedTenantKeys, { adminKid: target.user.adminKeyKid, tenantId: access.tenant.externalId });
  await db.$transaction(async (tx) => {
    // Locked against a rotation committing meanwhile: the keys wrapped must be the keys on record.
    const current = await lockTenant(tx, access.tenant.id);
    if (!current) throw new AppError('not_found');
    if (current.sigKid !== signingKid) throw new AppError('changed_elsewhere', { message: 'The tenant keys were rotated a moment ago. Reload and confirm again.' });
    await assertStillConfirmed(tx, access);
    const updated = await tx.tenantAdmin.updateMany({
      where: { id: target.id, tenantId: access.tenant.id, status: 'pending' },
      data: { status: 'confirmed', wrappedTenantKeys, confirmedById: access.user.id, confirmedAt: new Date() },
    });
    if (updated.count !== 1) throw new AppError('changed_elsewhere');
    await recordAudit(tx, { ...adminEvent(access, { type: 'admin', id: target.id }, context), action: 'admin.confirm', details: { membershipId: target.id, userId: target.user.id, adminKeyKid: target.user.adminKeyKid } });
  });
}

export async function removeTenantAdmin(access: TenantAccess, membershipId: string, context?: AuditContext) {
  const db = await getPrisma();
  await db.$transaction(async (tx) => {
    // First: the count below must include every removal and rotation committed before this one.
    await lockTenant(tx, access.tenant.id);
    await assertStillConfirmed(tx, access);
    const target = await tx.tenantAdmin.findFirst({ where: { id: membershipId, tenantId: access.tenant.id }, select: { id: true, status: true, userId: true } });
    if (!target) throw new AppError('not_found');
    if (target.status === 'confirmed') {
      const confirmed = await tx.tenantAdmin.count({ where: { tenantId: access.tenant.id, status: 'confirmed' } });
      if (confirmed <= 1) throw new AppError('conflict', { message: 'The last confirmed administrator cannot be removed; invite and confirm another first.' });
    }
    await tx.tenantAdmin.delete({ where: { id: target.id } });
    // A confirmed admin held the tenant keys: they are due for rotation (docs/accounts.md), from the first such removal on.
    if (target.status === 'confirmed') await tx.tenant.updateMany({ where: { id: access.tenant.id, keyRotationDueAt: null }, data: { keyRotationDueAt: new Date() } });
    await recordAudit(tx, { ...adminEvent(access, { type: 'admin', id: target.id }, context), action: 'admin.remove', details: { membershipId: target.id, userId: target.userId, status: target.status, self: target.userId === access.user.id } });
  });
}

export async function inviteTenantAdmin(access: TenantAccess, email: string, context?: AuditContext) {
  const db = await getPrisma();
  const already = await db.tenantAdmin.count({ where: { tenantId: access.tenant.id, user: { email } } });
  if (already) throw new AppError('conflict', { message: 'This person is already an administrator of this tenant.' });
  const open = await db.invitation.count({ where: { tenantId: access.tenant.id, email, acceptedAt: null, revokedAt: null, expiresAt: { gt: new Date() } } });
  if (open) throw new AppError('conflict', { message: 'An invitation to this email is already open; resend it instead.' });
  const { id, token } = await db.$transaction(async (tx) => {
    const created = await createInvitation(tx, { kind: 'tenant_admin', email, tenantId: access.tenant.id, invitedById: access.user.id });
    await recordAudit(tx, { ...adminEvent(access, { type: 'invitation', id: created.id }, context), action: 'invitation.create', details: { invitationId: created.id, kind: 'tenant_admin' } });
    return created;
  });
  const { mailed } = await sendInvitationMail({ email, token, kind: 'tenant_admin', tenantName: access.tenant.displayName });
  return { id, mailed };
}

export async function listTenantInvitations(access: TenantAccess) {
  return listInvitations(await getPrisma(), { tenantId: access.tenant.id });
}

export async function resendTenantInvitation(access: TenantAccess, invitationId: string, context?: AuditContext) {
  const renewed = await (await getPrisma()).$transaction(async (tx) => {
    const done = await renewInvitationToken(tx, invitationId, { tenantId: access.tenant.id });
    if (!done) throw new AppError('not_found');
    await recordAudit(tx, { ...adminEvent(access, { type: 'invitation', id: invitationId }, context), action: 'invitation.resend', details: { invitationId, kind: 'tenant_admin' } });
    return done;
  });
  return sendInvitationMail({ email: renewed.email, token: renewed.token, kind: 'tenant_admin', tenantName: access.tenant.displayName });
}

export async function revokeTenantInvitation(access: TenantAccess, invitationId: string, context?: AuditContext) {
  await (await getPrisma()).$transaction(async (tx) => {
    if (!(await revokeInvitation(tx, invitationId, { tenantId: access.tenant.id }))) throw new AppError('not_found');
    await recordAudit(tx, { ...adminEvent(access, { type: 'invitation', id: invitationId }, context), action: 'invitation.revoke', details: { invitationId, kind: 'tenant_admin' } });
  });
}

/**
 * `signingKid` is the tenant signing key of the keys sealed in the kit: a kit
 * made just before a rotation would hold the replaced keys (and rotations
 * delete the kits that do), so it is refused rather than stored.
 */
export async function saveRecoveryKit(access: TenantAccess, kit: string, signingKid: string, context?: AuditContext) {
  checkRecoveryKit(kit, access.tenant.externalId);
  return (await getPrisma()).$transaction(async (tx) => {
    const current = await lockTenant(tx, access.tenant.id);
    if (current?.sigKid !== signingKid) {
      throw new AppError('changed_elsewhere', { message: 'The tenant keys were rotated a moment ago, so this kit holds the old keys and was not saved. Reload and create it again.' });
    }
    const row = await tx.recoveryKit.create({ data: { id: newId('kit'), tenantId: access.tenant.id, createdById: access.user.id, kit }, select: { id: true, createdAt: true } });
    await recordAudit(tx, { ...adminEvent(access, { type: 'recovery_kit', id: row.id }, context), action: 'recovery_kit.create', details: { kitId: row.id } });
    return row;
  });
}

export async function getRecoveryKits(access: TenantAccess) {
  const db = await getPrisma();
  return db.recoveryKit.findMany({ where: { tenantId: access.tenant.id, usedAt: null }, orderBy: { createdAt: 'desc' }, select: { id: true, kit: true, createdAt: true } });
}

/** A pending admin who holds a recovery code unwrapped the kit in their browser and wrapped the keys to themselves. */
export async function recoverWithKit(access: TenantAccess, kitId: string, wrappedTenantKeys: string, context?: AuditContext) {
  if (access.membership.status !== 'pending') throw new AppError('conflict', { message: 'You are already confirmed.' });
  checkWrappedTenantKeys(wrappedTenantKeys, { adminKid: access.user.adminKeyKid, tenantId: access.tenant.externalId });
  const db = await getPrisma();
  await db.$transaction(async (tx) => {
    // Locked against a key rotation, which deletes the kits (they open the old keys) and sends the
    // confirmed admins back to pending: committed before, the kit is gone; after, this admin is sent back too.
    await lockTenant(tx, access.tenant.id);
    const used = await tx.recoveryKit.updateMany({ where: { id: kitId, tenantId: access.tenant.id, usedAt: null }, data: { usedAt: new Date() } });
    if (used.count !== 1) throw new AppError('not_found', { message: 'This recovery kit does not exist or was already used.' });
    const confirmed = await tx.tenantAdmin.updateMany({
      where: { id: access.membership.id, tenantId: access.tenant.id, status: 'pending' },
      data: { status: 'confirmed', wrappedTenantKeys, confirmedById: access.user.id, confirmedAt: new Date() },
    });
    if (confirmed.count !== 1) throw new AppError('conflict', { message: 'You were confirmed or removed a moment ago. Reload.' });
    await recordAudit(tx, { ...adminEvent(access, { type: 'recovery_kit', id: kitId }, context), action: 'tenant.recover', details: { kitId, membershipId: access.membership.id } });
  });
}

export async function setTenantMfaRule(access: TenantAccess, requireMfa: boolean, context?: AuditContext) {
  if (requireMfa && !access.user.totpEnabled) {
    throw new AppError('conflict', { message: 'Turn on your own second factor first (on your account page), so this rule does not lock you out.' });
  }
  await (await getPrisma()).$transaction(async (tx) => {
    await tx.tenant.update({ where: { id: access.tenant.id }, data: { requireMfa } });
    await recordAudit(tx, { ...adminEvent(access, { type: 'tenant', id: access.tenant.externalId }, context), action: 'tenant.settings_update', details: { requireMfa, previous: access.tenant.requireMfa } });
  });
}
