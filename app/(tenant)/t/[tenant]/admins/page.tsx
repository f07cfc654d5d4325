// A tenant's admins and keys: the tenant keys in this browser, admins and their confirmation, invitations, security, rotation.
import { AdminsAndKeys } from '@/components/tenant/admins-and-keys';
import { pageTenantMember, tenantPageMetadata } from '@/lib/server/page-guards';

export const generateMetadata = tenantPageMetadata('Admins & keys');

export default async function AdminsPage({ params }: { params: Promise<{ tenant: string }> }) {
  const { tenant } = await params;
  const access = await pageTenantMember(tenant);
  return (
    <AdminsAndKeys
      tenant={access.tenant.externalId}
      tenantName={access.tenant.displayName}
      status={access.membership.status === 'confirmed' ? 'confirmed' : 'pending'}
      requireMfa={access.tenant.requireMfa}
    />
  );
}
