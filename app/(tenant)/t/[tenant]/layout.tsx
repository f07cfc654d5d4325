// The tenant area's frame: its tabs on every page, and the rotation warning
// every confirmed admin must see wherever they are. Layouts are not re-run on
// client-side navigation between their pages, so every page calls
// pageTenantMember itself as well; this call only keeps the frame from
// rendering for someone who may not see the tenant.
import type { ReactNode } from 'react';
import { RotationDueBanner } from '@/components/tenant/rotation-due-banner';
import { TenantNav } from '@/components/tenant/tenant-nav';
import { pageTenantMember } from '@/lib/server/page-guards';

export default async function TenantLayout({ children, params }: { children: ReactNode; params: Promise<{ tenant: string }> }) {
  const { tenant } = await params;
  const access = await pageTenantMember(tenant);
  const { externalId, displayName } = access.tenant;
  return (
    <div className="space-y-8">
      <TenantNav tenant={externalId} tenantName={displayName} />
      {access.membership.status === 'confirmed' ? <RotationDueBanner tenant={externalId} /> : null}
      {children}
    </div>
  );
}
