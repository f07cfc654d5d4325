// Section tabs under a page's header: the operator console's and the tenant
// area's. A labelled nav landmark, the current tab marked with aria-current
// and an underline (a shape, not only a colour). The tabs wrap on a narrow
// screen rather than scroll, so no label is ever cut off or hidden.
import Link from 'next/link';

export type TTab = { href: string; label: string; isCurrent: boolean };

export function TabNav({ label, tabs }: { label: string; tabs: TTab[] }) {
  return (
    <nav aria-label={label} className="border-b border-slate-200 dark:border-slate-800">
      <ul className="-mb-px flex flex-wrap gap-1">
        {tabs.map((tab) => (
          <li key={tab.href}>
            <Link
              href={tab.href}
              aria-current={tab.isCurrent ? 'page' : undefined}
              className={`inline-block border-b-2 px-3 py-2 text-sm font-medium whitespace-nowrap ${
                tab.isCurrent
                  ? 'border-brand-600 text-slate-900 dark:border-brand-500 dark:text-white'
                  : 'border-transparent text-slate-600 hover:border-slate-300 hover:text-slate-900 dark:text-slate-400 dark:hover:border-slate-700 dark:hover:text-white'
              }`}
            >
              {tab.label}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}
