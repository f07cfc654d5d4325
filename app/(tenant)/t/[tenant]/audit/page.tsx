// A tenant's audit trail: its chain, filters, verification and exports (confirmed admins).
import { Suspense } from 'react';
import { TenantAuditView } from '@/components/audit/tenant-audit-view';
import { PendingNotice } from '@/components/configs/pending-notice';
import { getEnv } from '@/lib/env';
import { pageTenantMember, tenantPageMetadata } from '@/lib/server/page-guards';

export const generateMetadata = tenantPageMetadata('Audit trail');

export default async function AuditPage({ params }: { params: Promise<{ tenant: string }> }) {
  const { tenant } = await params;
  const access = await pageTenantMember(tenant);
  const { externalId, displayName } = access.tenant;
  if (access.membership.status !== 'confirmed') return <PendingNotice tenant={externalId} tenantName={displayName} section="audit" title="Audit trail" />;
  return (
    <Suspense>
      {/* The address users reach, for the export note's curl command. */}
      <TenantAuditView tenant={externalId} tenantName={displayName} jwksUrl={`${getEnv().PUBLIC_URL}/.well-known/jwks.json`} />
    </Suspense>
  );
}
