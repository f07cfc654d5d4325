// Where a tenant page sits: the tenant › its section › the page. Replaces the
// "Back to …" links; the tabs above move between sections, this moves up.
// The last crumb is the page itself, marked as current (WAI-ARIA APG pattern).
import Link from 'next/link';
import { sectionLabel, tenantHref, type TTenantSection } from '@/lib/client/tenant-sections';

const LINK = 'font-medium text-brand-700 underline underline-offset-2 hover:no-underline dark:text-brand-500';
const CURRENT = 'text-slate-700 no-underline dark:text-slate-300';

export type TCrumb = { label: string; href: string };

type Props = { tenant: string; tenantName: string; section: TTenantSection; page?: TCrumb };

export function TenantBreadcrumb({ tenant, tenantName, section, page }: Props) {
  const crumbs: TCrumb[] = [{ label: tenantName, href: tenantHref(tenant) }, { label: sectionLabel(section), href: tenantHref(tenant, section) }];
  if (page) crumbs.push(page);
  return (
    <nav aria-label="Breadcrumb" className="text-sm">
      <ol className="flex flex-wrap items-center gap-x-2 gap-y-1">
        {crumbs.map((crumb, i) => {
          const isCurrent = i === crumbs.length - 1;
          return (
            <li key={crumb.href} className="flex min-w-0 items-center gap-2">
              {i > 0 ? (
                <span aria-hidden="true" className="text-slate-500 dark:text-slate-400">
                  ›
                </span>
              ) : null}
              <Link href={crumb.href} aria-current={isCurrent ? 'page' : undefined} className={`break-words ${isCurrent ? CURRENT : LINK}`}>
                {crumb.label}
              </Link>
            </li>
          );
        })}
      </ol>
    </nav>
  );
}
