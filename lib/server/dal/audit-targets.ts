import 'server-only';
// Database access for naming the audit tables' targets
// (lib/server/audit/target-names.ts). A tenant's lookups carry the tenant in
// every query — its configurations, its environment's deployments, its own
// admins and invitations — so another tenant's id matches no row. The
// operators' lookups read what the console shows operators anyway.
import type { Prisma, PrismaClient } from '@/lib/generated/prisma/client';
import type { TTargetLookup, TTargetName, TTenantViewTarget, TVendorViewTarget } from '@/lib/server/audit/target-names';

type Db = PrismaClient | Prisma.TransactionClient;

const byId = (rows: { id: string; name: string; tenantExternalId?: string }[]) =>
  new Map<string, TTargetName>(rows.map(({ id, ...name }) => [id, name]));

/**
 * Deployments by id or by key id: an approval or removal targets the key the
 * tenant signed into its state (its kid), the operators' actions the deployment's id.
 */
async function deploymentNames(db: Db, ids: string[], environmentId?: string) {
  const rows = await db.proxyDeployment.findMany({ where: { ...(environmentId ? { environmentId } : {}), OR: [{ id: { in: ids } }, { kid: { in: ids } }] }, select: { id: true, kid: true, name: true } });
  return byId(rows.flatMap((d) => [{ id: d.id, name: d.name }, { id: d.kid, name: d.name }]));
}

/** The lookups of a tenant's view; none when the tenant no longer exists (its chain outlives it). */
export async function tenantTargetLookups(db: Db, tenantExternalId: string): Promise<Partial<Record<TTenantViewTarget, TTargetLookup>>> {
  const tenant = await db.tenant.findUnique({ where: { externalId: tenantExternalId }, select: { id: true, displayName: true, environmentId: true } });
  if (!tenant) return {};
  const own = { tenantExternalId };
  return {
    config: async (ids) =>
      byId((await db.tenantConfig.findMany({ where: { tenantId: tenant.id, id: { in: ids } }, select: { id: true, label: true } })).map((c) => ({ id: c.id, name: c.label, ...own }))),
    // The deployments of its environment: those its deployments page lists and its admins approve or remove.
    deployment: (ids) => deploymentNames(db, ids, tenant.environmentId),
    // Accounts are named only while they administer this tenant.
    user: async (ids) =>
      byId((await db.tenantAdmin.findMany({ where: { tenantId: tenant.id, userId: { in: ids } }, select: { userId: true, user: { select: { email: true } } } })).map((m) => ({ id: m.userId, name: m.user.email }))),
    admin: async (ids) =>
      byId((await db.tenantAdmin.findMany({ where: { tenantId: tenant.id, id: { in: ids } }, select: { id: true, user: { select: { email: true } } } })).map((m) => ({ id: m.id, name: m.user.email }))),
    invitation: async (ids) => byId((await db.invitation.findMany({ where: { tenantId: tenant.id, id: { in: ids } }, select: { id: true, email: true } })).map((i) => ({ id: i.id, name: i.email }))),
    tenant: async (ids) => byId(ids.includes(tenantExternalId) ? [{ id: tenantExternalId, name: tenant.displayName, ...own }] : []),
  };
}

/** The lookups of the operators' view (which of them apply to a tenant's event is decided in target-names.ts). */
export function vendorTargetLookups(db: Db): Record<TVendorViewTarget, TTargetLookup> {
  return {
    tenant: async (ids) =>
      byId((await db.tenant.findMany({ where: { externalId: { in: ids } }, select: { externalId: true, displayName: true } })).map((t) => ({ id: t.externalId, name: t.displayName, tenantExternalId: t.externalId }))),
    deployment: (ids) => deploymentNames(db, ids),
    // The tenant comes from the record itself, and target-names.ts shows the label only on that tenant's events.
    config: async (ids) =>
      byId(
        (await db.tenantConfig.findMany({ where: { id: { in: ids } }, select: { id: true, label: true, tenant: { select: { externalId: true } } } })).map((c) => ({
          id: c.id,
          name: c.label,
          tenantExternalId: c.tenant.externalId,
        })),
      ),
    environment: async (ids) => byId((await db.environment.findMany({ where: { id: { in: ids } }, select: { id: true, displayName: true } })).map((e) => ({ id: e.id, name: e.displayName }))),
    api_token: async (ids) => byId(await db.vendorApiToken.findMany({ where: { id: { in: ids } }, select: { id: true, name: true } })),
    user: async (ids) => byId((await db.user.findMany({ where: { id: { in: ids } }, select: { id: true, email: true } })).map((u) => ({ id: u.id, name: u.email }))),
  };
}
