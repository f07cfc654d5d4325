'use client';
// The tenant area's tabs, on every tenant page (the tenant layout renders
// it). A client component only to read the path and mark the current tab.
import { usePathname } from 'next/navigation';
import { TabNav } from '@/components/ui/tab-nav';
import { currentSection, tenantHref, TENANT_SECTIONS } from '@/lib/client/tenant-sections';

export function TenantNav({ tenant, tenantName }: { tenant: string; tenantName: string }) {
  const current = currentSection(usePathname(), tenant);
  const tabs = TENANT_SECTIONS.map((s) => ({ href: tenantHref(tenant, s.id), label: s.label, isCurrent: s.id === current }));
  // Named after the tenant: an admin of several tenants hears which one these tabs are for.
  return <TabNav label={`Tenant ${tenantName}`} tabs={tabs} />;
}
