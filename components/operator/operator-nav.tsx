'use client';
// The operator console's sub-navigation. It is a client component only to
// read the current path and mark that link with aria-current.
import Link from 'next/link';
import { usePathname } from 'next/navigation';

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
  return (
    <nav aria-label="Operator" className="border-b border-slate-200 dark:border-slate-800">
      <ul className="-mb-px flex flex-wrap gap-1">
        {LINKS.map((link) => {
          // "/operator" must not stay marked on its sub-pages, except a tenant's own page; a section stays marked on its own detail pages.
          const isCurrent =
            pathname === link.href ||
            pathname === `${link.href}/` ||
            (link.href === '/operator' ? pathname.startsWith('/operator/tenants/') : pathname.startsWith(`${link.href}/`));
          return (
            <li key={link.href}>
              <Link
                href={link.href}
                aria-current={isCurrent ? 'page' : undefined}
                className={`inline-block border-b-2 px-3 py-2 text-sm font-medium ${
                  isCurrent
                    ? 'border-brand-600 text-slate-900 dark:border-brand-500 dark:text-white'
                    : 'border-transparent text-slate-600 hover:border-slate-300 hover:text-slate-900 dark:text-slate-400 dark:hover:border-slate-700 dark:hover:text-white'
                }`}
              >
                {link.label}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
