'use client';
// One kind's configurations: name, provider, version, status and primary (as
// the signed tenant state says), last change and by whom, and the actions
// that fit the status. Every button names the configuration it acts on.
import Link from 'next/link';
import { DateTime } from '@/components/ui/date-time';
import { TABLE, TableScroller, TD, TH } from '@/components/operator/query-state';
import { Button } from '@/components/ui/button';
import { Badge, Card } from '@/components/ui/card';
import { findProvider } from '@/lib/schemas/providers/registry';
import type { TConfigKind } from '@/lib/schemas/providers/types';
import { KIND_TEXT } from './kind-text';
import type { TConfigView } from './use-configs';

export type TRowAction = 'primary' | 'disable' | 'enable' | 'delete';

export const LINK = 'font-medium text-brand-700 underline underline-offset-2 dark:text-brand-500';
const BUTTON_LINK =
  'inline-flex items-center rounded-md border border-slate-300 bg-white px-4 py-2 text-sm font-medium text-slate-900 hover:bg-slate-50 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100 dark:hover:bg-slate-800';

export const configHref = (tenant: string, configId: string) => `/t/${encodeURIComponent(tenant)}/configs/${configId}`;
export const newConfigHref = (tenant: string, kind: TConfigKind) => `/t/${encodeURIComponent(tenant)}/configs/new?kind=${kind}`;

export function StatusBadges({ row }: { row: Pick<TConfigView, 'status' | 'isPrimary'> }) {
  return (
    <span className="inline-flex flex-wrap gap-1">
      {row.status === 'active' ? <Badge tone="success">Active</Badge> : <Badge tone="danger">Disabled</Badge>}
      {row.isPrimary ? <Badge tone="warning">Primary</Badge> : null}
    </span>
  );
}

export function ConfigTable({
  tenant,
  kind,
  rows,
  busy,
  onAction,
}: {
  tenant: string;
  kind: TConfigKind;
  rows: TConfigView[];
  busy: boolean;
  onAction: (action: TRowAction, row: TConfigView) => void;
}) {
  const text = KIND_TEXT[kind];
  return (
    <Card
      id={`configs-${kind}`}
      title={text.title}
      description={rows.length > 0 ? `${rows.length} ${text.name} configuration${rows.length === 1 ? '' : 's'}` : undefined}
      actions={
        <Link href={newConfigHref(tenant, kind)} className={BUTTON_LINK}>
          New {text.name} configuration
        </Link>
      }
    >
      {rows.length === 0 ? (
        <div className="space-y-2 text-sm text-slate-600 dark:text-slate-400" data-testid={`configs-empty-${kind}`}>
          <p className="font-medium text-slate-900 dark:text-slate-100">No {text.name} configuration yet.</p>
          <p>{text.purpose}</p>
          <p>
            Settings are checked, signed and encrypted in your browser before they are sent; the broker and the vendor’s staff see only the name and
            provider.{' '}
            <Link href={newConfigHref(tenant, kind)} className={LINK}>
              Create the first {text.name} configuration
            </Link>
            .
          </p>
        </div>
      ) : (
        <TableScroller label={`${text.name} configurations table`}>
          <table className={TABLE}>
            <caption className="sr-only">{`${text.name} configurations: status, which one is primary, last change and actions`}</caption>
            <thead>
              <tr>
                <th scope="col" className={TH}>Name</th>
                <th scope="col" className={TH}>Provider</th>
                <th scope="col" className={TH}>Version</th>
                <th scope="col" className={TH}>Status</th>
                <th scope="col" className={TH}>Last change</th>
                <th scope="col" className={TH}>
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.id} data-testid={`config-row-${row.label}`}>
                  <th scope="row" className={`${TD} font-medium`}>
                    <Link href={configHref(tenant, row.id)} className={LINK}>
                      {row.label}
                    </Link>
                  </th>
                  <td className={TD}>{findProvider(row.provider)?.label ?? row.provider}</td>
                  <td className={TD}>v{row.latestVersion}</td>
                  <td className={TD}>
                    <StatusBadges row={row} />
                  </td>
                  <td className={`${TD} text-xs`}>
                    {/* The latest version's time: the broker bumps every row's updatedAt on any change, while updatedBy names who saved the latest version. */}
                    <DateTime at={row.latest?.createdAt ?? row.updatedAt} />
                    <span className="block text-slate-600 dark:text-slate-400">{row.updatedBy ? `by ${row.updatedBy}` : 'by a removed administrator'}</span>
                  </td>
                  <td className={`${TD} text-right whitespace-nowrap`}>
                    <span className="inline-flex justify-end gap-1">
                      {row.status === 'active' && !row.isPrimary ? (
                        <Button variant="secondary" className="px-3" disabled={busy} onClick={() => onAction('primary', row)} aria-label={`Set ${row.label} as primary`}>
                          Set primary
                        </Button>
                      ) : null}
                      {row.status === 'active' ? (
                        <Button variant="ghost" className="px-3" disabled={busy} onClick={() => onAction('disable', row)} aria-label={`Disable ${row.label}`}>
                          Disable
                        </Button>
                      ) : (
                        <>
                          <Button variant="secondary" className="px-3" disabled={busy} onClick={() => onAction('enable', row)} aria-label={`Enable ${row.label}`}>
                            Enable
                          </Button>
                          <Button variant="danger" className="px-3" disabled={busy} onClick={() => onAction('delete', row)} aria-label={`Delete ${row.label}`}>
                            Delete
                          </Button>
                        </>
                      )}
                    </span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroller>
      )}
    </Card>
  );
}
