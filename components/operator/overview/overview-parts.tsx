'use client';
// Pieces of the overview without charts: the deployments health panel and a
// plain data table (also each chart's accessible twin).
import Link from 'next/link';
import type { ReactNode } from 'react';
import type { TDeploymentHealth, TOverview } from '@/lib/schemas/overview';
import { formatAge } from './format-age';
import { TABLE, TABLE_FIT, TableScroller, TD, TH } from '../query-state';

const HEALTH: Record<TDeploymentHealth, { label: string; tone: string; help: string }> = {
  ok: { label: 'Healthy', tone: 'bg-emerald-100 text-emerald-900 dark:bg-emerald-950 dark:text-emerald-200', help: 'Reports regularly and has applied every change.' },
  lagging: { label: 'Lagging', tone: 'bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-200', help: 'Has not yet applied every change of its environment.' },
  errors: { label: 'Errors', tone: 'bg-red-100 text-red-900 dark:bg-red-950 dark:text-red-200', help: 'Reports verification errors for some tenants.' },
  silent: { label: 'Silent', tone: 'bg-red-100 text-red-900 dark:bg-red-950 dark:text-red-200', help: 'Has not reported for more than 5 minutes.' },
  never: { label: 'No report yet', tone: 'bg-slate-100 text-slate-800 dark:bg-slate-800 dark:text-slate-200', help: 'Has never sent a status report.' },
  disabled: { label: 'Disabled', tone: 'bg-slate-100 text-slate-800 dark:bg-slate-800 dark:text-slate-200', help: 'Its API keys are refused.' },
};

export function HealthBadge({ health }: { health: TDeploymentHealth }) {
  const h = HEALTH[health];
  return (
    <span className={`inline-block rounded px-2 py-0.5 text-xs font-medium ${h.tone}`} title={h.help}>
      {h.label}
    </span>
  );
}

export function HealthPanel({ deployments }: { deployments: TOverview['deployments'] }) {
  if (deployments.length === 0) {
    return (
      <p className="text-sm text-slate-600 dark:text-slate-400">
        No proxy deployments yet. <Link className="font-medium text-brand-700 underline dark:text-brand-500" href="/operator/deployments">Create one</Link> for an environment.
      </p>
    );
  }
  return (
    <TableScroller label="Deployments health table">
      <table className={TABLE}>
        <caption className="sr-only">Health of each proxy deployment</caption>
        <thead>
          <tr>
            <th scope="col" className={TH}>Deployment</th>
            <th scope="col" className={TH}>Environment</th>
            <th scope="col" className={TH}>Health</th>
            <th scope="col" className={TH}>Lag (changes)</th>
            <th scope="col" className={TH}>Errors</th>
            <th scope="col" className={TH}>Last report</th>
            <th scope="col" className={TH}>Tenants approved</th>
          </tr>
        </thead>
        <tbody>
          {deployments.map((d) => (
            <tr key={d.id}>
              <td className={TD}>
                <Link className="font-medium text-brand-700 underline dark:text-brand-500" href={`/operator/deployments/${d.id}`}>
                  {d.name}
                </Link>
              </td>
              <td className={TD}>{d.environment}</td>
              <td className={TD}>
                <HealthBadge health={d.health} />
              </td>
              <td className={TD}>{d.lag ?? '—'}</td>
              <td className={TD}>{d.errorCount}</td>
              <td className={TD}>{d.lastStatusAt ? formatAge(d.lastStatusAt) : 'never'}</td>
              <td className={TD}>{d.tenantsApproved}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroller>
  );
}

/** Fits its card (a few short columns); a table wider than that, like lag with many deployments, scrolls with a hint. */
export function DataTable({ caption, columns, rows, empty }: { caption: string; columns: string[]; rows: ReactNode[][]; empty: string }) {
  return (
    <TableScroller label={`${caption} table`}>
      <table className={TABLE_FIT}>
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c} scope="col" className={TH}>
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 ? (
            <tr>
              <td className={TD} colSpan={columns.length}>
                {empty}
              </td>
            </tr>
          ) : (
            rows.map((row, i) => (
              <tr key={i}>
                {row.map((cell, j) => (
                  <td key={j} className={TD}>
                    {cell}
                  </td>
                ))}
              </tr>
            ))
          )}
        </tbody>
      </table>
    </TableScroller>
  );
}
