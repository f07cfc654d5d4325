'use client';
// The tenant's configurations, KMS and SIEM, as the signed tenant state has
// them, with the actions that change status and primary (config-actions.tsx),
// a search and a provider filter kept in the URL, and whether the approved
// proxy deployments have applied each one (lib/config-propagation.ts). Each
// action signs a new tenant state in this browser against the listing on screen.
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useCallback, useRef } from 'react';
import { PendingDeploymentsBanner } from '@/components/deployments/pending-banner';
import { LoadingState } from '@/components/operator/query-state';
import { describeFilter, isFiltering, matchesConfig, readConfigFilter, withFilter, type TConfigFilter } from '@/lib/client/config-filter';
import { RolledBackError, type TTenantContext } from '@/lib/client/configs';
import { applyPerDeployment, configPropagation, PROPAGATION_NOTE } from '@/lib/config-propagation';
import { ActionDialogs, ActionFeedback, useConfigActions } from './config-actions';
import { LoadFailed } from './config-alerts';
import { useTenantDeployments } from './config-deployments';
import { ConfigFilters, NoMatch } from './config-filters';
import { ConfigTable, type TPropagationCell } from './config-table';
import { ReissuePanel } from './reissue-panel';
import { TenantKeysPage } from './tenant-keys-gate';
import { useOverview, type TConfigView, type TOverview } from './use-configs';

export function ConfigsOverview({ tenant, tenantName }: { tenant: string; tenantName: string }) {
  return (
    <TenantKeysPage
      tenant={tenant}
      tenantName={tenantName}
      section="configs"
      title="Configurations"
      description="Your KMS and SIEM settings for the vendor’s key proxies. They are checked, signed and encrypted in this browser; the broker keeps only ciphertext."
      // The tenant area opens here, so this is where a deployment asking for access is seen first.
      notices={<PendingDeploymentsBanner tenant={tenant} />}
    >
      {(ctx) => <OverviewBody tenant={tenant} ctx={ctx} />}
    </TenantKeysPage>
  );
}

/** The search and filter in the URL: replaced, not pushed, so Back leaves the page rather than undoing a keystroke. */
function useFilterParams() {
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  // The URL updates a moment after router.replace; a second change before it lands must build on the first.
  const pending = useRef<{ query: string; at: number } | null>(null);
  const onChange = useCallback(
    (changes: Partial<TConfigFilter>) => {
      const p = pending.current;
      const base = p && Date.now() - p.at < 2000 && p.query !== params.toString() ? new URLSearchParams(p.query) : params;
      const query = withFilter(base, changes);
      pending.current = { query, at: Date.now() };
      router.replace(query ? `${pathname}?${query}` : pathname, { scroll: false });
    },
    [params, router, pathname],
  );
  return { filter: readConfigFilter(params), onChange };
}

/** What each approved deployment reported applying, against the seq from which the configuration is as it is now. */
function usePropagation(tenant: string, overview: TOverview | undefined): (row: TConfigView) => TPropagationCell {
  // Refreshed while open, so "behind" turns into "applied" without a reload (as on the deployments page).
  const deployments = useTenantDeployments(tenant);
  return (row) => {
    if (deployments.isPending) return { kind: 'loading' };
    if (deployments.isError) return { kind: 'error' };
    // Approval as the verified state has it; a key the broker no longer lists has reported nothing.
    const per = applyPerDeployment({
      recipients: overview?.state?.recipients ?? [],
      deployments: deployments.data.deployments,
      configId: row.id,
      changedSeq: row.changedSeq,
      changedAt: row.changedAt,
      // Never past the state this browser verified: the broker's figure is informational only.
      verifiedSeq: overview?.state?.seq ?? row.changedSeq,
      now: Date.parse(deployments.data.generatedAt),
    });
    const changedSeq = Math.min(row.changedSeq, overview?.state?.seq ?? row.changedSeq);
    const approved = per.map((p) => {
      const d = deployments.data.deployments.find((x) => x.kid === p.kid);
      return { appliedSeq: d?.appliedSeq ?? null, lastStatusAt: d?.lastStatusAt ?? null };
    });
    return { kind: 'ready', propagation: configPropagation({ changedSeq, approved }), deployments: per };
  };
}

function OverviewBody({ tenant, ctx }: { tenant: string; ctx: TTenantContext }) {
  const overview = useOverview(tenant, ctx);
  const actions = useConfigActions(tenant, ctx);
  const { filter, onChange } = useFilterParams();
  const propagationOf = usePropagation(tenant, overview.data);

  if (overview.isPending) return <LoadingState>Loading and verifying the configurations…</LoadingState>;
  if (overview.isError && overview.error instanceof RolledBackError) {
    return (
      <ReissuePanel
        tenant={tenant}
        ctx={ctx}
        error={overview.error}
        onDone={(seq) => actions.setDone(`The state was re-issued as change ${seq}. Proxies apply it at their next poll; edit again anything changed after the lost changes.`)}
      />
    );
  }
  if (overview.isError) {
    return <LoadFailed title="The configurations could not be shown" error={overview.error} retrying={overview.isFetching} onRetry={() => void overview.refetch()} />;
  }
  const data = overview.data;
  const filtering = isFiltering(filter);
  const shown = data.rows.filter((r) => matchesConfig(r, filter));
  const clear = () => onChange({ q: '', provider: '' });

  return (
    <div className="space-y-6">
      <ActionFeedback actions={actions} reloading={overview.isFetching} />
      {data.rows.length > 0 ? (
        <div className="space-y-2">
          <ConfigFilters filter={filter} providers={[...new Set(data.rows.map((r) => r.provider))]} onChange={onChange} />
          <p role="status" aria-live="polite" className="text-sm text-slate-600 dark:text-slate-400" data-testid="configs-count">
            {filtering
              ? `${shown.length} of ${data.rows.length} configuration${data.rows.length === 1 ? '' : 's'} match ${describeFilter(filter)}.`
              : `${data.rows.length} configuration${data.rows.length === 1 ? '' : 's'}.`}
          </p>
        </div>
      ) : null}
      {filtering && shown.length === 0 ? (
        <NoMatch filter={filter} onClear={clear} />
      ) : (
        (['kms', 'siem'] as const).map((kind) => (
          <ConfigTable
            key={kind}
            tenant={tenant}
            kind={kind}
            rows={shown.filter((r) => r.kind === kind)}
            total={data.rows.filter((r) => r.kind === kind).length}
            filtered={filtering}
            onClear={clear}
            busy={actions.busy}
            propagationOf={propagationOf}
            onAction={(action, row) => actions.start(action, row, data)}
          />
        ))
      )}
      {data.rows.length > 0 ? <p className="max-w-[80ch] text-sm text-slate-600 dark:text-slate-400" id="propagation-note">Propagation: {PROPAGATION_NOTE}</p> : null}
      <ActionDialogs actions={actions} />
    </div>
  );
}
