// `/t/<tenant>` is the tenant's address in mails, the account page and after
// sign-in: it opens the configurations (a pending admin: their fingerprint).
import { redirect } from 'next/navigation';
import { landingSection, tenantHref } from '@/lib/client/tenant-sections';
import { pageTenantMember, tenantPageMetadata } from '@/lib/server/page-guards';

export const generateMetadata = tenantPageMetadata('Tenant');

export default async function TenantPage({ params }: { params: Promise<{ tenant: string }> }) {
  const { tenant } = await params;
  // The guard first: a visitor who may not see the tenant gets the sign-in page or the 404, never a redirect that confirms it exists.
  const access = await pageTenantMember(tenant);
  redirect(tenantHref(access.tenant.externalId, landingSection(access.membership.status === 'confirmed' ? 'confirmed' : 'pending')));
}
