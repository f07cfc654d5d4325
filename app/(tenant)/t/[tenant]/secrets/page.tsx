// A tenant's secrets for deterministic keys: their rotation state, rotate and archive.
import { PendingNotice } from '@/components/configs/pending-notice';
import { SecretsOverview } from '@/components/tenant/secrets-overview';
import { pageTenantMember, tenantPageMetadata } from '@/lib/server/page-guards';

export const generateMetadata = tenantPageMetadata('Deterministic keys');

export default async function SecretsPage({ params }: { params: Promise<{ tenant: string }> }) {
  const { tenant } = await params;
  const access = await pageTenantMember(tenant);
  const { externalId, displayName } = access.tenant;
  if (access.membership.status !== 'confirmed') return <PendingNotice tenant={externalId} tenantName={displayName} section="secrets" title="Deterministic keys" />;
  return <SecretsOverview tenant={externalId} tenantName={displayName} />;
}
