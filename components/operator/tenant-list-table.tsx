'use client';
// The tenant list's table: one row per tenant, metadata only. Sortable
// columns have a button in their header and aria-sort on the header cell.
import Link from 'next/link';
import { providerSummary } from '@/lib/client/console-text';
import type { TTenantListRow } from '@/lib/schemas/tenant-list';
import { DeliveryBadge } from '@/components/deployments/deployment-parts';
import { Badge } from '@/components/ui/card';
import { DateTime } from '@/components/ui/date-time';
import { TABLE, TableScroller, TD, TH } from './query-state';
import type { TSort } from './tenant-list-params';

export const TENANT_STATUS: Record<TTenantListRow['status'], { label: string; tone: 'success' | 'warning' | 'danger' }> = {
  active: { label: 'Active', tone: 'success' },
  invited: { label: 'Invitation pending', tone: 'warning' },
  suspended: { label: 'Suspended', tone: 'danger' },
};

type Column = { label: string; sort?: TSort };
const COLUMNS: Column[] = [
  { label: 'Tenant id', sort: 'externalId' },
  { label: 'Name', sort: 'displayName' },
  { label: 'Environment', sort: 'environment' },
  { label: 'Status', sort: 'status' },
  { label: 'Admins' },
  { label: 'KMS' },
  { label: 'SIEM' },
  { label: 'Last change', sort: 'lastChangeAt' },
  { label: 'Propagation' },
  { label: 'Warnings' },
];

type Props = { rows: TTenantListRow[]; sort: TSort; order: 'asc' | 'desc'; onSort: (sort: TSort) => void; caption: string };

export function TenantListTable({ rows, sort, order, onSort, caption }: Props) {
  return (
    <TableScroller label="Tenants table">
      <table className={`${TABLE} min-w-[64rem]`}>
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            {COLUMNS.map((column) => {
              const active = column.sort === sort;
              return (
                <th key={column.label} scope="col" className={TH} aria-sort={column.sort ? (active ? (order === 'asc' ? 'ascending' : 'descending') : 'none') : undefined}>
                  {column.sort ? (
                    <button type="button" onClick={() => onSort(column.sort as TSort)} className="inline-flex items-center gap-1 whitespace-nowrap rounded font-medium hover:text-slate-900 dark:hover:text-white">
                      {column.label}
                      <span aria-hidden="true">{active ? (order === 'asc' ? '▲' : '▼') : '↕'}</span>
                      <span className="sr-only">{active ? `, sorted ${order === 'asc' ? 'ascending' : 'descending'}; sort ${order === 'asc' ? 'descending' : 'ascending'}` : ', sort ascending'}</span>
                    </button>
                  ) : (
                    column.label
                  )}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.id} data-testid={`tenant-row-${row.externalId}`}>
              <th scope="row" className={`${TD} font-mono font-medium`}>
                <Link href={`/operator/tenants/${encodeURIComponent(row.externalId)}`} className="text-brand-700 underline hover:no-underline dark:text-brand-50">
                  {row.externalId}
                </Link>
              </th>
              <td className={TD}>{row.displayName}</td>
              <td className={`${TD} font-mono`}>{row.environment.slug}</td>
              <td className={TD}>
                <Badge tone={TENANT_STATUS[row.status].tone}>{TENANT_STATUS[row.status].label}</Badge>
              </td>
              <td className={TD}>
                {row.admins.confirmed} confirmed{row.admins.pending ? `, ${row.admins.pending} pending` : ''}
              </td>
              <td className={TD}>{summary(row.kms)}</td>
              <td className={TD}>{summary(row.siem)}</td>
              <td className={TD}>{row.lastChangeAt ? <DateTime at={row.lastChangeAt} /> : '—'}</td>
              <td className={TD}>
                <Propagation row={row} />
              </td>
              <td className={TD}>
                {row.warnings.length === 0 ? (
                  <span className="text-slate-600 dark:text-slate-400">None</span>
                ) : (
                  <ul className="space-y-1">
                    {row.warnings.map((w) => (
                      <li key={w} className="text-amber-800 dark:text-amber-300">{w}</li>
                    ))}
                  </ul>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroller>
  );
}

function summary(configs: { primaryProvider: string | null; count: number }) {
  return providerSummary(configs) ?? <span className="text-slate-600 dark:text-slate-400">None</span>;
}

/**
 * Every approved deployment that has not applied the latest state, with the delivery word (lib/delivery-state.ts):
 * one whose proxies never connected is "Not connected yet", not a propagation problem.
 */
function Propagation({ row }: { row: TTenantListRow }) {
  const { approved, applied, lagging } = row.propagation;
  if (approved === 0) return <span className="text-slate-600 dark:text-slate-400">No approved deployment</span>;
  if (lagging.length === 0) return <Badge tone="success">All {approved} applied state {row.stateSeq}</Badge>;
  return (
    <span className="block space-y-1">
      <span className="block text-xs">
        {applied} of {approved} applied state {row.stateSeq}
      </span>
      <ul className="space-y-1">
        {lagging.map((l) => (
          <li key={l.deploymentId} className="text-xs">
            <span className="block">
              {l.name}
              {l.appliedSeq !== null ? <span className="text-slate-600 dark:text-slate-400"> (applied {l.appliedSeq})</span> : null}:
            </span>
            <DeliveryBadge state={l.delivery} lastReportAt={null} />
          </li>
        ))}
      </ul>
    </span>
  );
}
