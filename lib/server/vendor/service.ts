import 'server-only';
// The work behind /api/v1/vendor: the same operations the console offers
// operators (lib/server/accounts/operator.ts, tenants/, deployments/),
// addressed by stable names (tenant external id, environment slug) instead of
// record ids, and answered in the shapes of lib/schemas/vendor-api.ts.
import type { z } from 'zod';
import type { TVendorNewTenant, ZVendorTenant } from '@/lib/schemas/vendor-api';
import { createTenant, listEnvironments, resendInvitation } from '@/lib/server/accounts/operator';
import type { AuditOptions } from '@/lib/server/audit/record';
import type { CurrentUser } from '@/lib/server/authz';
import { getPrisma } from '@/lib/server/db';
import { listDeployments } from '@/lib/server/deployments/service';
import { AppError } from '@/lib/server/errors';

type TVendorTenant = z.infer<typeof ZVendorTenant>;

const OPEN = { kind: 'tenant_admin', acceptedAt: null, revokedAt: null } as const;

export async function getVendorTenant(externalId: string): Promise<TVendorTenant> {
  const db = await getPrisma();
  const t = await db.tenant.findUnique({
    where: { externalId },
    select: {
      id: true,
      externalId: true,
      displayName: true,
      status: true,
      stateSeq: true,
      createdAt: true,
      environment: { select: { slug: true, displayName: true } },
      admins: { select: { status: true } },
      invitations: { where: OPEN, orderBy: { createdAt: 'desc' }, select: { id: true, email: true, expiresAt: true, sendCount: true } },
      configs: { where: { status: 'active' }, select: { kind: true, provider: true, isPrimary: true } },
    },
  });
  if (!t) throw new AppError('not_found');
  const now = new Date();
  const summary = (kind: string) => ({ primaryProvider: t.configs.find((c) => c.kind === kind && c.isPrimary)?.provider ?? null, count: t.configs.filter((c) => c.kind === kind).length });
  return {
    id: t.id,
    externalId: t.externalId,
    displayName: t.displayName,
    environment: t.environment,
    status: t.status === 'active' || t.status === 'suspended' ? t.status : 'invited',
    admins: { confirmed: t.admins.filter((a) => a.status === 'confirmed').length, pending: t.admins.filter((a) => a.status === 'pending').length },
    openInvitations: t.invitations.map((i) => ({ id: i.id, email: i.email, expiresAt: i.expiresAt.toISOString(), expired: i.expiresAt <= now, sendCount: i.sendCount })),
    kms: summary('kms'),
    siem: summary('siem'),
    stateSeq: t.stateSeq,
    createdAt: t.createdAt.toISOString(),
  };
}

export async function createVendorTenant(operator: CurrentUser, input: TVendorNewTenant, audit?: AuditOptions) {
  const environment = await (await getPrisma()).environment.findUnique({ where: { slug: input.environment }, select: { id: true } });
  if (!environment) throw new AppError('validation_failed', { fields: [{ path: 'body.environment', message: 'No environment has this slug.' }] });
  const created = await createTenant(operator, { externalId: input.externalId, displayName: input.displayName, environmentId: environment.id, adminEmail: input.adminEmail }, audit);
  return { tenant: await getVendorTenant(created.externalId), invitation: { email: input.adminEmail, mailed: created.mailed } };
}

/** Renews and mails the newest open admin invitation of the tenant. */
export async function resendTenantInvitation(externalId: string, audit?: AuditOptions) {
  const db = await getPrisma();
  const tenant = await db.tenant.findUnique({ where: { externalId }, select: { invitations: { where: OPEN, orderBy: { createdAt: 'desc' }, take: 1, select: { id: true } } } });
  if (!tenant) throw new AppError('not_found');
  const open = tenant.invitations[0];
  if (!open) throw new AppError('conflict', { message: 'This tenant has no open admin invitation to resend.' });
  const { mailed } = await resendInvitation(open.id, audit);
  const invitation = (await getVendorTenant(externalId)).openInvitations.find((i) => i.id === open.id);
  if (!invitation) throw new AppError('conflict', { message: 'The invitation was used or revoked meanwhile.' });
  return { invitation, mailed };
}

export async function listVendorEnvironments() {
  const environments = await listEnvironments();
  return { environments: environments.map((e) => ({ id: e.id, slug: e.slug, displayName: e.displayName, tenantCount: e.tenantCount, createdAt: e.createdAt.toISOString() })) };
}

export async function listVendorDeployments() {
  return { deployments: await listDeployments() };
}
