'use client';
// Small pieces the deployment pages share: the status badge, what a
// deployment has applied, and the expandable list of errors it reported.
import { appliedText } from '@/lib/client/console-text';
import type { TDeploymentError, TDeploymentRow } from '@/lib/schemas/deployments';
import { Badge } from '@/components/ui/card';

export function StatusBadge({ status }: { status: 'active' | 'disabled' | 'deleted' }) {
  if (status === 'active') return <Badge tone="success">Active</Badge>;
  if (status === 'disabled') return <Badge tone="warning">Disabled</Badge>;
  return <Badge tone="danger">Deleted</Badge>;
}

/**
 * "Up to date", "6 changes behind", "Never applied". The cursor the deployment reported
 * (`v1.d.9`) is for support: on hover here, and written out on the deployment's own page.
 */
export function Applied({ row }: { row: Pick<TDeploymentRow, 'appliedCursor' | 'lag'> }) {
  const applied = appliedText(row);
  return (
    <span title={applied.cursor} data-testid="applied">
      {applied.text}
    </span>
  );
}

type TShownError = Omit<TDeploymentError, 'tenantId'> & { tenantId?: string };

/** "none", or a disclosure with one line per error: tenant, configuration, code. */
export function ErrorList({ count, errors, name }: { count: number; errors: TShownError[]; name: string }) {
  if (count === 0) return <span className="text-slate-600 dark:text-slate-400">None</span>;
  return (
    <details>
      <summary className="cursor-pointer text-red-800 dark:text-red-300" aria-label={`${count} ${count === 1 ? 'error' : 'errors'} reported by ${name}`}>
        {count} {count === 1 ? 'error' : 'errors'}
      </summary>
      <ul className="mt-2 space-y-1 text-xs">
        {errors.map((e, i) => (
          <li key={`${e.tenantId ?? ''}-${e.configId ?? ''}-${e.code}-${i}`}>
            {e.tenantId === '*' ? (
              // The proxy refused a whole bundle (broker signature, expiry, audience): no tenant was applied.
              <span className="font-medium">every tenant (bundle refused)</span>
            ) : e.tenantId ? (
              <span className="font-medium">{e.tenantId}</span>
            ) : null}
            {e.tenantId ? ' · ' : ''}
            {e.tenantId === '*' ? null : <span className="font-mono">{e.configId ?? 'tenant'}</span>}
            {e.tenantId === '*' ? null : ' · '}
            <code>{e.code}</code>
            {e.message ? <span className="block text-slate-600 dark:text-slate-400">{e.message}</span> : null}
          </li>
        ))}
        {errors.length < count ? <li>… and {count - errors.length} more</li> : null}
      </ul>
    </details>
  );
}
