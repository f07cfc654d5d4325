// A new configuration; ?kind=kms or ?kind=siem.
import { NewConfig } from '@/components/configs/new-config';
import { PendingNotice } from '@/components/configs/pending-notice';
import { pageTenantMember, tenantPageMetadata } from '@/lib/server/page-guards';

export const generateMetadata = tenantPageMetadata('New configuration');

export default async function NewConfigPage({ params, searchParams }: { params: Promise<{ tenant: string }>; searchParams: Promise<{ kind?: string | string[] }> }) {
  const { tenant } = await params;
  const { kind } = await searchParams;
  const access = await pageTenantMember(tenant);
  const { externalId, displayName } = access.tenant;
  if (access.membership.status !== 'confirmed') return <PendingNotice tenant={externalId} tenantName={displayName} section="configs" title="Configurations" />;
  return <NewConfig tenant={externalId} tenantName={displayName} kind={kind === 'kms' || kind === 'siem' ? kind : null} />;
}
