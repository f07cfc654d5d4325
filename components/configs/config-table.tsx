'use client';
// One kind's configurations: name, provider, version, status and primary (as
// the signed tenant state says), whether the approved deployments applied it,
// last change and by whom, and the actions that fit the status
// (config-actions.tsx). Every button names the configuration it acts on.
import Link from 'next/link';
import { DateTime } from '@/components/ui/date-time';
import { TABLE, TableScroller, TD, TH } from '@/components/operator/query-state';
import { Button } from '@/components/ui/button';
import { Badge, Card } from '@/components/ui/card';
import { applySummary, type TDeploymentApplyRow, type TPropagation } from '@/lib/config-propagation';
import { findProvider } from '@/lib/schemas/providers/registry';
import type { TConfigKind } from '@/lib/schemas/providers/types';
import { actionsFor, type TRowAction } from './config-actions';
import { ApplyDetails } from './config-deployments';
import { KIND_TEXT } from './kind-text';
import type { TConfigView } from './use-configs';

/** The Propagation cell: the deployments' reports are still loading, could not be loaded, or are in. */
export type TPropagationCell = { kind: 'loading' } | { kind: 'error' } | { kind: 'ready'; propagation: TPropagation; deployments?: TDeploymentApplyRow[] };

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

/** In words, with its explanation beside it for screen readers and as a tooltip (the note under the tables says what it rests on), then which case each deployment is in. */
export function PropagationCell({ cell }: { cell: TPropagationCell }) {
  if (cell.kind === 'loading') return <span className="text-slate-600 dark:text-slate-400">Checking…</span>;
  if (cell.kind === 'error') return <span>Unknown: the deployments could not be loaded</span>;
  const { propagation } = cell;
  return (
    <>
      <span title={propagation.explanation} data-propagation={propagation.state} className="inline-block">
        <Badge tone={propagation.tone}>{propagation.label}</Badge>
        <span className="sr-only">. {propagation.explanation}</span>
      </span>
      {cell.deployments?.length ? <ApplyDetails rows={cell.deployments} label={`Per deployment: ${applySummary(cell.deployments.map((d) => d.apply))}`} /> : null}
    </>
  );
}

export function ConfigTable({
  tenant,
  kind,
  rows,
  total,
  filtered,
  onClear,
  busy,
  propagationOf,
  onAction,
}: {
  tenant: string;
  kind: TConfigKind;
  /** The rows the search and filter leave; `total`: how many of this kind there are. */
  rows: TConfigView[];
  total: number;
  filtered: boolean;
  onClear: () => void;
  busy: boolean;
  propagationOf: (row: TConfigView) => TPropagationCell;
  onAction: (action: TRowAction, row: TConfigView) => void;
}) {
  const text = KIND_TEXT[kind];
  const plural = (n: number) => `${n} ${text.name} configuration${n === 1 ? '' : 's'}`;
  return (
    <Card
      id={`configs-${kind}`}
      title={text.title}
      description={total === 0 ? undefined : filtered ? `${rows.length} of ${plural(total)} shown` : plural(total)}
      actions={
        <Link href={newConfigHref(tenant, kind)} className={BUTTON_LINK}>
          New {text.name} configuration
        </Link>
      }
    >
      {total > 0 && rows.length === 0 ? (
        <div className="space-y-2 text-sm text-slate-600 dark:text-slate-400" data-testid={`configs-no-match-${kind}`}>
          <p>
            No {text.name} configuration matches.{' '}
            <button type="button" className={LINK} onClick={onClear}>
              Clear search and filter
            </button>
          </p>
        </div>
      ) : rows.length === 0 ? (
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
            <caption className="sr-only">{`${text.name} configurations: status, which one is primary, whether the approved deployments applied it, last change and actions`}</caption>
            <thead>
              <tr>
                <th scope="col" className={TH}>Name</th>
                <th scope="col" className={TH}>Provider</th>
                <th scope="col" className={TH}>Version</th>
                <th scope="col" className={TH}>Status</th>
                <th scope="col" className={TH}>Propagation</th>
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
                  <td className={`${TD} text-xs`} data-testid="propagation">
                    <PropagationCell cell={propagationOf(row)} />
                  </td>
                  <td className={`${TD} text-xs`}>
                    {/* The latest version's time: the broker bumps every row's updatedAt on any change, while updatedBy names who saved the latest version. */}
                    <DateTime at={row.latest?.createdAt ?? row.updatedAt} />
                    <span className="block text-slate-600 dark:text-slate-400">{row.updatedBy ? `by ${row.updatedBy}` : 'by a removed administrator'}</span>
                  </td>
                  <td className={`${TD} text-right whitespace-nowrap`}>
                    <span className="inline-flex justify-end gap-1">
                      {actionsFor(row).map((action) => (
                        <RowButton key={action} action={action} row={row} busy={busy} onAction={onAction} />
                      ))}
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

const ROW_BUTTON: Record<TRowAction, { text: string; name: (label: string) => string; variant: 'secondary' | 'ghost' | 'danger' }> = {
  // The visible words start the name (WCAG 2.5.3, label in name), so "click Set primary" works by voice too.
  primary: { text: 'Set primary', name: (label) => `Set primary: ${label}`, variant: 'secondary' },
  disable: { text: 'Disable', name: (label) => `Disable ${label}`, variant: 'ghost' },
  enable: { text: 'Enable', name: (label) => `Enable ${label}`, variant: 'secondary' },
  delete: { text: 'Delete', name: (label) => `Delete ${label}`, variant: 'danger' },
};

function RowButton({ action, row, busy, onAction }: { action: TRowAction; row: TConfigView; busy: boolean; onAction: (action: TRowAction, row: TConfigView) => void }) {
  const b = ROW_BUTTON[action];
  return (
    <Button variant={b.variant} className="px-3" disabled={busy} onClick={() => onAction(action, row)} aria-label={b.name(row.label)}>
      {b.text}
    </Button>
  );
}
