// A tenant's proxy deployments: approval and removal, re-sealing in the browser.
import { PendingNotice } from '@/components/configs/pending-notice';
import { TenantDeployments } from '@/components/deployments/tenant-deployments';
import { pageTenantMember, tenantPageMetadata } from '@/lib/server/page-guards';

export const generateMetadata = tenantPageMetadata('Proxy deployments');

export default async function DeploymentsPage({ params }: { params: Promise<{ tenant: string }> }) {
  const { tenant } = await params;
  const access = await pageTenantMember(tenant);
  const { externalId, displayName } = access.tenant;
  if (access.membership.status !== 'confirmed') return <PendingNotice tenant={externalId} tenantName={displayName} section="deployments" title="Proxy deployments" />;
  return <TenantDeployments tenant={externalId} tenantName={displayName} />;
}
