import 'server-only';
// What vendor operators manage: environments, tenants (with the first admin's
// invitation), further operators, and invitations. Metadata only — nothing
// here can read a tenant secret.
import { operatorActor, recordAudit, recordAuditBatch, SYSTEM_ACTOR, type AuditOptions } from '@/lib/server/audit/record';
import type { Prisma } from '@/lib/generated/prisma/client';
import { getPrisma } from '@/lib/server/db';
import type { CurrentUser } from '@/lib/server/authz';
import { createInvitation, listInvitations, renewInvitationToken, revokeInvitation } from '@/lib/server/dal/invitations';
import { listOutbox } from '@/lib/server/dal/outbox';
import { AppError } from '@/lib/server/errors';
import { newId } from '@/lib/server/ids';
import { sendInvitationMail } from './invitations';

export async function listEnvironments() {
  const db = await getPrisma();
  const rows = await db.environment.findMany({ orderBy: { slug: 'asc' }, select: { id: true, slug: true, displayName: true, createdAt: true, _count: { select: { tenants: true } } } });
  return rows.map(({ _count, ...r }) => ({ ...r, tenantCount: _count.tenants }));
}

export async function createEnvironment(input: { slug: string; displayName: string }, audit?: AuditOptions) {
  const db = await getPrisma();
  return db.$transaction(async (tx) => {
    const created = await tx.environment.create({ data: { id: newId('env'), ...input }, select: { id: true, slug: true, displayName: true } });
    await recordAudit(tx, { actor: audit?.actor ?? SYSTEM_ACTOR, action: 'environment.create', target: { type: 'environment', id: created.id }, details: { environmentId: created.id, slug: created.slug }, context: audit?.context });
    return created;
  });
}

/** Creates the tenant and its first admin's invitation; the vendor API passes its token as the actor. */
export async function createTenant(operator: CurrentUser, input: { externalId: string; displayName: string; environmentId: string; adminEmail: string }, audit?: AuditOptions) {
  const db = await getPrisma();
  const environment = await db.environment.findUnique({ where: { id: input.environmentId }, select: { id: true } });
  if (!environment) throw new AppError('validation_failed', { fields: [{ path: 'environmentId', message: 'Choose an existing environment.' }] });
  // A deleted tenant's audit trail is kept under its id (docs/audit.md): a new tenant taking the id would be shown it.
  const pastTrail = await db.auditEvent.count({ where: { tenantExternalId: input.externalId } });
  const current = pastTrail ? await db.tenant.count({ where: { externalId: input.externalId } }) : 0;
  if (pastTrail && !current) {
    throw new AppError('validation_failed', { fields: [{ path: 'externalId', message: 'This id belonged to a deleted tenant, whose audit trail is kept under it. Choose another id.' }] });
  }
  const operatorAccount = await db.user.count({ where: { email: input.adminEmail, isOperator: true } });
  if (operatorAccount) throw new AppError('validation_failed', { fields: [{ path: 'adminEmail', message: 'This email belongs to an operator; tenant admins need their own account.' }] });
  const { tenant, token } = await db.$transaction(async (tx) => {
    const created = await tx.tenant.create({
      data: { id: newId('ten'), externalId: input.externalId, displayName: input.displayName, environmentId: environment.id },
      select: { id: true, externalId: true, displayName: true },
    });
    const invitation = await createInvitation(tx, { kind: 'tenant_admin', email: input.adminEmail, tenantId: created.id, invitedById: operator.id });
    const common = { actor: audit?.actor ?? operatorActor(operator), tenantExternalId: created.externalId, context: audit?.context };
    await recordAuditBatch(tx, [
      { ...common, action: 'tenant.create', target: { type: 'tenant', id: created.externalId }, details: { tenantId: created.id, environmentId: environment.id } },
      { ...common, action: 'invitation.create', target: { type: 'invitation', id: invitation.id }, details: { invitationId: invitation.id, kind: 'tenant_admin' } },
    ]);
    return { tenant: created, token: invitation.token };
  });
  const { mailed } = await sendInvitationMail({ email: input.adminEmail, token, kind: 'tenant_admin', tenantName: tenant.displayName });
  return { ...tenant, mailed };
}

export async function inviteOperator(operator: CurrentUser, email: string, audit?: AuditOptions) {
  const db = await getPrisma();
  if (await db.user.count({ where: { email } })) throw new AppError('conflict', { message: 'This email already has an account.' });
  const open = await db.invitation.count({ where: { kind: 'operator', email, acceptedAt: null, revokedAt: null, expiresAt: { gt: new Date() } } });
  if (open) throw new AppError('conflict', { message: 'An invitation to this email is already open; resend it instead.' });
  const { id, token } = await db.$transaction((tx) => createOperatorInvitation(tx, email, operator.id, { actor: audit?.actor ?? operatorActor(operator), context: audit?.context }));
  const { mailed } = await sendInvitationMail({ email, token, kind: 'operator' });
  return { id, mailed };
}

/** An operator invitation and its event (the console, or `npm run operator:create` as `system`). */
export async function createOperatorInvitation(tx: Prisma.TransactionClient, email: string, invitedById: string | undefined, audit?: AuditOptions) {
  const created = await createInvitation(tx, { kind: 'operator', email, invitedById });
  await recordAudit(tx, { actor: audit?.actor ?? SYSTEM_ACTOR, action: 'invitation.create', target: { type: 'invitation', id: created.id }, details: { invitationId: created.id, kind: 'operator' }, context: audit?.context });
  return created;
}

export async function listOperatorsAndInvitations() {
  const db = await getPrisma();
  const operators = await db.user.findMany({ where: { isOperator: true }, orderBy: { createdAt: 'asc' }, select: { id: true, email: true, createdAt: true, totpEnabledAt: true } });
  const invitations = await listInvitations(db, { kind: 'operator' });
  return { operators: operators.map((o) => ({ id: o.id, email: o.email, createdAt: o.createdAt, mfaEnabled: o.totpEnabledAt !== null })), invitations };
}

/** Operators may resend or revoke any invitation (tenant admins only their tenant's). */
export async function resendInvitation(invitationId: string, audit?: AuditOptions) {
  const db = await getPrisma();
  const invitation = await db.invitation.findUnique({ where: { id: invitationId }, select: { kind: true, tenant: { select: { displayName: true, externalId: true } } } });
  if (!invitation) throw new AppError('not_found');
  const renewed = await db.$transaction(async (tx) => {
    const done = await renewInvitationToken(tx, invitationId, {});
    if (!done) throw new AppError('conflict', { message: 'This invitation was already used or revoked.' });
    await recordAudit(tx, { ...invitationEvent(invitationId, invitation.kind, invitation.tenant?.externalId ?? null, audit), action: 'invitation.resend' });
    return done;
  });
  return sendInvitationMail({ email: renewed.email, token: renewed.token, kind: invitation.kind as 'operator' | 'tenant_admin', tenantName: invitation.tenant?.displayName });
}

export async function revokeAnyInvitation(invitationId: string, audit?: AuditOptions) {
  await (await getPrisma()).$transaction(async (tx) => {
    const invitation = await tx.invitation.findUnique({ where: { id: invitationId }, select: { kind: true, tenant: { select: { externalId: true } } } });
    if (!invitation || !(await revokeInvitation(tx, invitationId, {}))) throw new AppError('not_found');
    await recordAudit(tx, { ...invitationEvent(invitationId, invitation.kind, invitation.tenant?.externalId ?? null, audit), action: 'invitation.revoke' });
  });
}

/** The common part of an invitation's event: in its tenant's chain when it is a tenant admin's invitation. */
function invitationEvent(invitationId: string, kind: string, tenantExternalId: string | null, audit?: AuditOptions) {
  return { actor: audit?.actor ?? SYSTEM_ACTOR, tenantExternalId, target: { type: 'invitation', id: invitationId }, details: { invitationId, kind }, context: audit?.context };
}

export async function readOutbox(cursor?: string) {
  return listOutbox(await getPrisma(), { take: 50, cursor });
}
