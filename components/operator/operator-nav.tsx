'use client';
// The operator console's sub-navigation. It is a client component only to
// read the current path and mark that link with aria-current.
import { usePathname } from 'next/navigation';
import { TabNav } from '@/components/ui/tab-nav';

const LINKS = [
  { href: '/operator', label: 'Tenants' },
  { href: '/operator/overview', label: 'Overview' },
  { href: '/operator/environments', label: 'Environments' },
  { href: '/operator/deployments', label: 'Deployments' },
  { href: '/operator/operators', label: 'Operators' },
  { href: '/operator/outbox', label: 'Outbox' },
  { href: '/operator/audit', label: 'Audit trail' },
  { href: '/operator/api-tokens', label: 'API tokens' },
  { href: '/operator/api-docs', label: 'API docs' },
] as const;

export function OperatorNav() {
  const pathname = usePathname();
  const tabs = LINKS.map((link) => ({
    ...link,
    // "/operator" must not stay marked on its sub-pages, except a tenant's own page; a section stays marked on its own detail pages.
    isCurrent:
      pathname === link.href ||
      pathname === `${link.href}/` ||
      (link.href === '/operator' ? pathname.startsWith('/operator/tenants/') : pathname.startsWith(`${link.href}/`)),
  }));
  return <TabNav label="Operator" tabs={tabs} />;
}
