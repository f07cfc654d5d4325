import 'server-only';
// Invitations end to end: the link (token in the URL fragment, so it never
// reaches a server log or a Referer), the mail, the lookup and acceptance.
// Accepting creates the account from browser-made keys; the first admin of a
// tenant also brings the tenant's key pairs, wrapped to their own key.
import type { z } from 'zod';
import { getEnv } from '@/lib/env';
import type { Prisma } from '@/lib/generated/prisma/client';
import type { ZAcceptInvitation } from '@/lib/schemas/account';
import type { CurrentUser } from '@/lib/server/authz';
import { operatorActor, recordAuditBatch, userActor, type AuditContext, type AuditEventInput } from '@/lib/server/audit/record';
import { getPrisma } from '@/lib/server/db';
import { consumeInvitation, findOpenInvitation } from '@/lib/server/dal/invitations';
import { lockTenant } from '@/lib/server/dal/tenants';
import { createUser } from '@/lib/server/dal/users';
import { AppError } from '@/lib/server/errors';
import { newId } from '@/lib/server/ids';
import { canonicalPublicJwk, checkWrappedTenantKeys } from '@/lib/server/keys';
import { getLogger } from '@/lib/server/log';
import { sendMail } from '@/lib/server/mail';
import { prepareAccount } from './new-account';

export function inviteLink(token: string): string {
  return `${getEnv().PUBLIC_URL}/invite#${token}`;
}

export async function sendInvitationMail({ email, token, kind, tenantName }: { email: string; token: string; kind: 'operator' | 'tenant_admin'; tenantName?: string }): Promise<{ mailed: boolean }> {
  const link = inviteLink(token);
  const role = kind === 'operator' ? 'a vendor operator of the CMK configuration broker' : `an administrator of ${tenantName ?? 'your organisation'}'s key settings`;
  const text = [
    `You have been invited to become ${role}.`,
    '',
    `Accept the invitation here (valid for 7 days, usable once):`,
    link,
    '',
    'You will choose a passphrase. It never leaves your browser: nobody, including the vendor, can reset it or recover it for you.',
    'If you did not expect this mail, ignore it.',
  ].join('\n');
  try {
    await sendMail({ to: email, subject: kind === 'operator' ? 'Invitation: CMK broker operator' : `Invitation: key administrator for ${tenantName ?? 'your organisation'}`, text, kind: 'invitation', link });
    return { mailed: true };
  } catch (error) {
    getLogger().warn({ err: error, kind }, 'invitation mail not delivered');
    return { mailed: false };
  }
}

export async function lookupInvitation(token: string, currentUser: CurrentUser | null) {
  const db = await getPrisma();
  const invitation = await findOpenInvitation(db, token);
  if (!invitation) throw new AppError('not_found', { message: 'This invitation link is not valid: it may have expired, been used or been revoked.' });
  const accountExists = (await db.user.count({ where: { email: invitation.email } })) > 0;
  return {
    kind: invitation.kind as 'operator' | 'tenant_admin',
    email: invitation.email,
    tenant: invitation.tenant ? { externalId: invitation.tenant.externalId, displayName: invitation.tenant.displayName } : null,
    needsTenantKeys: invitation.tenant ? invitation.tenant.encKid === null : false,
    accountExists,
    signedInAsInvitee: currentUser?.email === invitation.email,
  };
}

type AcceptBody = z.infer<typeof ZAcceptInvitation>;

export async function acceptInvitation(body: AcceptBody, currentUser: CurrentUser | null, context?: AuditContext): Promise<{ userId: string; email: string; tenant: string | null }> {
  const db = await getPrisma();
  const preview = await findOpenInvitation(db, body.token);
  if (!preview) throw new AppError('not_found', { message: 'This invitation link is not valid: it may have expired, been used or been revoked.' });
  const existing = await db.user.findUnique({ where: { email: preview.email }, select: { id: true, isOperator: true, adminKeyKid: true } });

  if (existing) {
    if (preview.kind === 'operator' || existing.isOperator) {
      throw new AppError('conflict', { message: 'This email already has an account of another kind; operators and tenant admins need separate accounts.' });
    }
    if (currentUser?.id !== existing.id) throw new AppError('unauthenticated', { message: 'You already have an account: sign in as this email to accept.' });
    if (body.account) throw new AppError('conflict', { message: 'You already have an account; accept with it instead of creating another.' });
  } else if (!body.account) {
    throw new AppError('validation_failed', { fields: [{ path: 'account', message: 'Choose a passphrase to create your account.' }] });
  }
  const prepared = body.account ? await prepareAccount({ ...body.account, email: preview.email }, preview.kind === 'operator') : undefined;
  const adminKid = existing?.adminKeyKid ?? prepared?.adminKeyKid ?? '';

  const tenant = preview.tenant;
  let tenantKeys: { enc: { jwk: object; kid: string }; sig: { jwk: object; kid: string } } | undefined;
  if (tenant && tenant.encKid === null) {
    if (!body.tenantKeys) throw new AppError('validation_failed', { fields: [{ path: 'tenantKeys', message: 'As the first administrator, your browser must create the tenant keys.' }] });
    checkWrappedTenantKeys(body.tenantKeys.wrappedTenantKeys, { adminKid, tenantId: tenant.externalId }, 'tenantKeys.wrappedTenantKeys');
    tenantKeys = {
      enc: await canonicalPublicJwk(body.tenantKeys.encPublicJwk, 'enc', 'tenantKeys.encPublicJwk'),
      sig: await canonicalPublicJwk(body.tenantKeys.sigPublicJwk, 'sig', 'tenantKeys.sigPublicJwk'),
    };
    if (body.tenantKeys.recoveryKit) checkRecoveryKit(body.tenantKeys.recoveryKit, tenant.externalId);
  } else if (body.tenantKeys) {
    throw new AppError('conflict', { message: 'This tenant already has keys; an existing administrator will confirm you.' });
  }

  return db.$transaction(async (tx) => {
    // A new admin, and for the first one the tenant keys: the lock every change to those takes (lockTenant).
    if (tenant) await lockTenant(tx, tenant.id);
    let kitId: string | null = null;
    let membershipId: string | null = null;
    if (!(await consumeInvitation(tx, preview.id))) throw new AppError('not_found', { message: 'This invitation was just used or revoked.' });
    const userId = existing?.id ?? (await createUser(tx, prepared!)).id;
    if (tenant) {
      if (tenantKeys) {
        // Conditional: if two first admins race, only one sets the keys.
        const set = await tx.tenant.updateMany({
          where: { id: tenant.id, encKid: null },
          data: {
            encPublicJwk: tenantKeys.enc.jwk as Prisma.InputJsonValue,
            encKid: tenantKeys.enc.kid,
            sigPublicJwk: tenantKeys.sig.jwk as Prisma.InputJsonValue,
            sigKid: tenantKeys.sig.kid,
          },
        });
        if (set.count !== 1) throw new AppError('changed_elsewhere', { message: 'Another administrator set up this tenant a moment ago. Reload to be confirmed by them.' });
        // An invited tenant becomes active; a tenant the vendor suspended meanwhile stays suspended.
        await tx.tenant.updateMany({ where: { id: tenant.id, status: 'invited' }, data: { status: 'active' } });
        if (body.tenantKeys?.recoveryKit) {
          const kit = await tx.recoveryKit.create({ data: { id: newId('kit'), tenantId: tenant.id, createdById: userId, kit: body.tenantKeys.recoveryKit }, select: { id: true } });
          kitId = kit.id;
        }
      }
      const membership = await tx.tenantAdmin.create({
        data: {
          id: newId('adm'),
          tenantId: tenant.id,
          userId,
          status: tenantKeys ? 'confirmed' : 'pending',
          wrappedTenantKeys: tenantKeys ? body.tenantKeys!.wrappedTenantKeys : null,
          confirmedById: tenantKeys ? userId : null,
          confirmedAt: tenantKeys ? new Date() : null,
        },
        select: { id: true },
      });
      membershipId = membership.id;
    }
    const isOperator = preview.kind === 'operator';
    const actor = isOperator ? operatorActor({ id: userId, email: preview.email }) : userActor({ id: userId, email: preview.email });
    const common = { actor, tenantExternalId: tenant?.externalId ?? null, context };
    const events: AuditEventInput[] = [
      { ...common, action: 'invitation.accept', target: { type: 'invitation', id: preview.id }, details: { invitationId: preview.id, kind: preview.kind, userId, newAccount: !existing, membershipId, firstAdmin: !!tenantKeys } },
    ];
    if (kitId) events.push({ ...common, action: 'recovery_kit.create', target: { type: 'recovery_kit', id: kitId }, details: { kitId } });
    await recordAuditBatch(tx, events);
    return { userId, email: preview.email, tenant: tenant?.externalId ?? null };
  });
}

/** The kit is opaque to us; check only its envelope and that it is for this tenant. */
export function checkRecoveryKit(kit: string, tenantId: string): void {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(kit) as Record<string, unknown>;
  } catch {
    throw new AppError('validation_failed', { fields: [{ path: 'recoveryKit', message: 'Malformed recovery kit.' }] });
  }
  if (parsed.typ !== 'cmk-recovery-kit' || parsed.tenantId !== tenantId || typeof parsed.ct !== 'string' || 'd' in parsed) {
    throw new AppError('validation_failed', { fields: [{ path: 'recoveryKit', message: 'The recovery kit is not for this tenant.' }] });
  }
}
