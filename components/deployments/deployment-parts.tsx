'use client';
// Small pieces the deployment pages share: the status badge, the delivery
// badge (the same words on every page: lib/delivery-state.ts), what a
// deployment has applied, and the expandable list of errors it reported.
import { appliedText } from '@/lib/client/console-text';
import { DELIVERY_STATES, DELIVERY_TEXT, deliveryLabel, stoppedOf, stoppedReason, type TDeliveryState, type TStopped } from '@/lib/delivery-state';
import type { TDeploymentError, TDeploymentRow } from '@/lib/schemas/deployments';
import { formatDateTime } from '@/lib/client/dates';
import { Badge } from '@/components/ui/card';

export function StatusBadge({ status }: { status: 'active' | 'disabled' | 'deleted' }) {
  if (status === 'active') return <Badge tone="success">Active</Badge>;
  if (status === 'disabled') return <Badge tone="warning">Disabled</Badge>;
  return <Badge tone="danger">Deleted</Badge>;
}

/** Where a deployment stands in receiving changes, in words (never colour alone); the explanation is its tooltip. */
export function DeliveryBadge({ state, lastReportAt, stopped }: { state: TDeliveryState; lastReportAt: string | null; stopped?: TStopped | null }) {
  return (
    <span title={DELIVERY_TEXT[state].explanation} data-delivery={state} className="inline-block whitespace-nowrap">
      <Badge tone={DELIVERY_TEXT[state].tone}>{deliveryLabel(state, lastReportAt, formatDateTime, stopped)}</Badge>
    </span>
  );
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

/** The meaning of every delivery word, for tables that show only the badge (a tooltip reaches neither keyboards nor touch). */
export function DeliveryLegend({ extra = [] }: { extra?: { label: string; explanation: string }[] }) {
  const rows = [...extra, ...DELIVERY_STATES.map((s) => DELIVERY_TEXT[s])];
  return (
    <details className="mt-3 text-sm">
      <summary className="cursor-pointer font-medium text-slate-700 dark:text-slate-300">What these words mean</summary>
      <dl className="mt-2 grid gap-x-4 gap-y-1 sm:grid-cols-[max-content_1fr]">
        {rows.map((r) => (
          <div key={r.label} className="contents">
            <dt className="font-medium">{r.label}</dt>
            <dd className="text-slate-700 dark:text-slate-300">{r.explanation}</dd>
          </div>
        ))}
      </dl>
    </details>
  );
}

type TShownError = Omit<TDeploymentError, 'tenantId'> & { tenantId?: string };

/** A tenant the broker stopped handing over, in words beside its code: why, and the last change applied. */
function StoppedWords({ error, audience }: { error: TShownError; audience: 'tenant' | 'operator' }) {
  const stopped = stoppedOf([error]);
  if (!stopped) return null;
  return (
    <span className="block font-medium text-red-800 dark:text-red-300">
      No longer handed over{stopped.seq === null ? '' : ` since change ${stopped.seq}`}: {stoppedReason(stopped.code, audience)}.
    </span>
  );
}

/** "none", or a disclosure with one line per error: tenant, configuration, code. */
export function ErrorList({ count, errors, name, audience = 'operator' }: { count: number; errors: TShownError[]; name: string; audience?: 'tenant' | 'operator' }) {
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
            <StoppedWords error={e} audience={audience} />
            {e.message ? <span className="block text-slate-600 dark:text-slate-400">{e.message}</span> : null}
          </li>
        ))}
        {errors.length < count ? <li>… and {count - errors.length} more</li> : null}
      </ul>
    </details>
  );
}
