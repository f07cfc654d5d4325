import 'server-only';
// A tenant admin's view of the proxy deployments of the tenant's environment:
// which are approved (listed in the signed state), which ask for access, and
// which seq each has applied next to the current one. A deployment deleted
// while still approved stays listed (with its key) until an admin removes it.
import type { JWK } from 'jose';
import type { TenantAccess } from '@/lib/server/authz';
import { getPrisma } from '@/lib/server/db';

export type TTenantDeployment = {
  id: string | null;
  name: string | null;
  environment: string | null;
  kid: string;
  publicJwk: JWK | null;
  status: 'active' | 'disabled' | 'deleted';
  approved: boolean;
  appliedSeq: number | null;
  lastStatusAt: string | null;
  errors: { configId: string | null; code: string; message: string | null }[];
};

export async function listTenantDeployments(access: TenantAccess) {
  const db = await getPrisma();
  const tenant = await db.tenant.findUniqueOrThrow({
    where: { id: access.tenant.id },
    select: { stateSeq: true, recipientKids: true, environmentId: true, environment: { select: { displayName: true } } },
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
      lastStatusAt: d.lastStatusAt?.toISOString() ?? null,
      errors: Array.isArray(status?.errors) ? (status.errors as TTenantDeployment['errors']) : [],
    };
  });
  return { seq: tenant.stateSeq, recipients: tenant.recipientKids, deployments: rows };
}
