// A tenant's KMS and SIEM configurations.
import { Suspense } from 'react';
import { ConfigsOverview } from '@/components/configs/configs-overview';
import { PendingNotice } from '@/components/configs/pending-notice';
import { pageTenantMember, tenantPageMetadata } from '@/lib/server/page-guards';

export const generateMetadata = tenantPageMetadata('Configurations');

export default async function ConfigsPage({ params }: { params: Promise<{ tenant: string }> }) {
  const { tenant } = await params;
  const access = await pageTenantMember(tenant);
  const { externalId, displayName } = access.tenant;
  if (access.membership.status !== 'confirmed') return <PendingNotice tenant={externalId} tenantName={displayName} section="configs" title="Configurations" />;
  return (
    // The search and provider filter live in the URL (useSearchParams needs a Suspense boundary).
    <Suspense>
      <ConfigsOverview tenant={externalId} tenantName={displayName} />
    </Suspense>
  );
}
