import { TenantHome } from '@/components/tenant/tenant-home';
import { pageTenantMember, tenantPageMetadata } from '@/lib/server/page-guards';

export const generateMetadata = tenantPageMetadata('Tenant');

export default async function TenantPage({ params }: { params: Promise<{ tenant: string }> }) {
  const { tenant } = await params;
  const access = await pageTenantMember(tenant);
  return (
    <TenantHome
      tenant={access.tenant.externalId}
      tenantName={access.tenant.displayName}
      status={access.membership.status === 'confirmed' ? 'confirmed' : 'pending'}
      requireMfa={access.tenant.requireMfa}
    />
  );
}
