// One configuration: current settings, editing, version history and rollback.
import { notFound } from 'next/navigation';
import { ConfigDetail } from '@/components/configs/config-detail';
import { PendingNotice } from '@/components/configs/pending-notice';
import { ZConfigId } from '@/lib/schemas/config-change';
import { pageTenantMember, tenantPageMetadata } from '@/lib/server/page-guards';

export const generateMetadata = tenantPageMetadata<{ tenant: string; configId: string }>('Configuration', (path) => ZConfigId.safeParse(path.configId).success);

export default async function ConfigPage({
  params,
  searchParams,
}: {
  params: Promise<{ tenant: string; configId: string }>;
  searchParams: Promise<{ saved?: string | string[] }>;
}) {
  const { tenant, configId } = await params;
  const { saved } = await searchParams;
  const access = await pageTenantMember(tenant);
  if (!ZConfigId.safeParse(configId).success) notFound();
  const { externalId, displayName } = access.tenant;
  if (access.membership.status !== 'confirmed') return <PendingNotice tenant={externalId} tenantName={displayName} section="configs" title="Configurations" />;
  const savedVersion = typeof saved === 'string' && /^[1-9]\d{0,6}$/.test(saved) ? Number(saved) : null;
  return <ConfigDetail tenant={externalId} tenantName={displayName} configId={configId} savedVersion={savedVersion} />;
}
