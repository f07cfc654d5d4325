'use client';
// Pieces of the overview without charts: the deployments health panel and a
// plain data table (also each chart's accessible twin).
import Link from 'next/link';
import type { ReactNode } from 'react';
import type { TDeploymentHealth, TOverview } from '@/lib/schemas/overview';
import { DeliveryBadge, DeliveryLegend } from '@/components/deployments/deployment-parts';
import { Badge } from '@/components/ui/card';
import { DateTime } from '@/components/ui/date-time';
import { TABLE, TABLE_FIT, TableScroller, TD, TH } from '../query-state';

const OWN_WORDS = [
  { label: 'Disabled', explanation: 'Its API keys are refused.' },
  { label: 'Errors', explanation: 'Connected, and reports verification errors for some tenants.' },
];

/** Disabled and Errors are the overview's own; every other word is the delivery state's (lib/delivery-state.ts). */
export function HealthBadge({ health, lastStatusAt }: { health: TDeploymentHealth; lastStatusAt: string | null }) {
  if (health === 'disabled') return <span title={OWN_WORDS[0]?.explanation}><Badge tone="neutral">Disabled</Badge></span>;
  if (health === 'errors') return <span title={OWN_WORDS[1]?.explanation}><Badge tone="danger">Errors</Badge></span>;
  return <DeliveryBadge state={health} lastReportAt={lastStatusAt} />;
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
    <>
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
                  <HealthBadge health={d.health} lastStatusAt={d.lastStatusAt} />
                </td>
                <td className={TD}>{d.lag ?? '—'}</td>
                <td className={TD}>{d.errorCount}</td>
                <td className={TD}>{d.lastStatusAt ? <DateTime at={d.lastStatusAt} relative /> : 'never'}</td>
                <td className={TD}>{d.tenantsApproved}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroller>
      <DeliveryLegend extra={OWN_WORDS} />
    </>
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
