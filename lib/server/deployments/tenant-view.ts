import 'server-only';
// A tenant admin's view of the proxy deployments of the tenant's environment:
// which are approved (listed in the signed state), which ask for access, and
// which seq each has applied next to the current one, and when each last
// reported (so the page can tell "not connected yet" and "offline" from "behind"
// and "not receiving updates"). A deployment deleted
// while still approved stays listed (with its key) until an admin removes it.
import type { JWK } from 'jose';
import type { TenantAccess } from '@/lib/server/authz';
import type { TTenantDeployment, TTenantDeployments } from '@/lib/schemas/deployments';
import { getPrisma } from '@/lib/server/db';

export async function listTenantDeployments(access: TenantAccess): Promise<TTenantDeployments> {
  const db = await getPrisma();
  const tenant = await db.tenant.findUniqueOrThrow({
    where: { id: access.tenant.id },
    select: { stateSeq: true, lastChangeAt: true, recipientKids: true, environmentId: true, environment: { select: { displayName: true } } },
  });
  const deployments = await db.proxyDeployment.findMany({
    where: { environmentId: tenant.environmentId, OR: [{ status: { not: 'deleted' } }, { kid: { in: tenant.recipientKids } }] },
    orderBy: { name: 'asc' },
    select: {
      id: true,
      name: true,
      kid: true,
      publicJwk: true,
      status: true,
      lastStatusAt: true,
      tenants: { where: { tenantId: access.tenant.id }, select: { appliedSeq: true, appliedAt: true, errors: true } },
    },
  });
  const approved = new Set(tenant.recipientKids);
  const rows: TTenantDeployment[] = deployments.map((d) => {
    const status = d.tenants[0];
    return {
      id: d.id,
      name: d.name,
      environment: tenant.environment.displayName,
      kid: d.kid,
      publicJwk: d.publicJwk as JWK,
      status: d.status === 'deleted' ? 'deleted' : d.status === 'disabled' ? 'disabled' : 'active',
      approved: approved.has(d.kid),
      appliedSeq: status ? status.appliedSeq : null,
      appliedAt: status?.appliedAt?.toISOString() ?? null,
      lastStatusAt: d.lastStatusAt?.toISOString() ?? null,
      errors: Array.isArray(status?.errors) ? (status.errors as TTenantDeployment['errors']) : [],
    };
  });
  // The page works out each deployment's delivery state (lib/delivery-state.ts) against the seq of the state it verified,
  // with the broker's clock: the time of the last change, and now.
  return { seq: tenant.stateSeq, changedAt: tenant.lastChangeAt.toISOString(), generatedAt: new Date().toISOString(), recipients: tenant.recipientKids, deployments: rows };
}
