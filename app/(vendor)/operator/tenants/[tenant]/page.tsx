// Operator console: one tenant (metadata, delivery, admins, invitations, timeline; suspend, resume, delete).
import { notFound } from 'next/navigation';
import { operatorPageMetadata, pageOperator } from '@/lib/server/page-guards';
import { WidePage } from '@/components/ui/page-width';
import { ZTenantExternalId } from '@/lib/schemas/tenant-detail';
import { TenantDetailView } from '@/components/operator/tenant-detail-view';

export const generateMetadata = operatorPageMetadata<{ tenant: string }>('Tenant', (path) => ZTenantExternalId.safeParse(decodeURIComponent(path.tenant)).success);

export default async function Page({ params }: { params: Promise<{ tenant: string }> }) {
  await pageOperator();
  const { tenant } = await params;
  const parsed = ZTenantExternalId.safeParse(decodeURIComponent(tenant));
  if (!parsed.success) notFound();
  return (
    <WidePage>
      <TenantDetailView externalId={parsed.data} />
    </WidePage>
  );
}
