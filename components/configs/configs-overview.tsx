'use client';
// The tenant's configurations, KMS and SIEM, as the signed tenant state has
// them, with the actions that change status and primary. Each action signs a
// new tenant state in this browser against the listing on screen.
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { PendingDeploymentsBanner } from '@/components/deployments/pending-banner';
import { LoadingState } from '@/components/operator/query-state';
import { Alert } from '@/components/ui/alert';
import { RolledBackError, type TTenantContext } from '@/lib/client/configs';
import { tenantKeys } from '@/lib/client/query-keys';
import { ChangeFailed, LoadFailed } from './config-alerts';
import { ConfigTable, type TRowAction } from './config-table';
import { ReissuePanel } from './reissue-panel';
import { DeleteDialog, DisableDialog, PrimaryDialog } from './state-dialogs';
import { TenantKeysPage } from './tenant-keys-gate';
import { useOverview, type TConfigView, type TOverview } from './use-configs';
import { useStateChange, type TStateAction } from './use-state-change';

type TPending = { action: Exclude<TRowAction, 'enable'>; row: TConfigView; base: TOverview };

const DONE: Record<TStateAction['type'], (label: string) => string> = {
  primary: (label) => `${label} is now primary.`,
  disable: (label) => `${label} is disabled.`,
  enable: (label) => `${label} is enabled again.`,
  delete: (label) => `${label} was deleted.`,
};

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

function OverviewBody({ tenant, ctx }: { tenant: string; ctx: TTenantContext }) {
  const queryClient = useQueryClient();
  const overview = useOverview(tenant, ctx);
  const change = useStateChange(tenant, ctx);
  const [pending, setPending] = useState<TPending | null>(null);
  const [done, setDone] = useState<string | null>(null);

  if (overview.isPending) return <LoadingState>Loading and verifying the configurations…</LoadingState>;
  if (overview.isError && overview.error instanceof RolledBackError) {
    return <ReissuePanel tenant={tenant} ctx={ctx} error={overview.error} onDone={(seq) => setDone(`The state was re-issued as change ${seq}. Proxies apply it at their next poll; edit again anything changed after the lost changes.`)} />;
  }
  if (overview.isError) {
    return <LoadFailed title="The configurations could not be shown" error={overview.error} retrying={overview.isFetching} onRetry={() => void overview.refetch()} />;
  }
  const data = overview.data;

  function run(action: TStateAction, row: TConfigView, base: TOverview) {
    setPending(null);
    setDone(null);
    change.mutate({ base, action }, { onSuccess: () => setDone(DONE[action.type](row.label)) });
  }
  function onAction(action: TRowAction, row: TConfigView) {
    change.reset();
    setDone(null);
    // The listing on screen now is the one the change is signed against.
    if (action === 'enable') run({ type: 'enable', configId: row.id }, row, data);
    else setPending({ action, row, base: data });
  }
  const reload = () => {
    change.reset();
    void queryClient.invalidateQueries({ queryKey: tenantKeys.configs(tenant) });
  };

  const target = (action: TPending['action']) => (pending?.action === action ? pending.row : null);
  const disabling = target('disable');
  const candidates = disabling ? data.rows.filter((r) => r.kind === disabling.kind && r.id !== disabling.id && r.status === 'active') : [];
  const currentPrimary = pending ? data.rows.find((r) => r.kind === pending.row.kind && r.isPrimary) : undefined;

  return (
    <div className="space-y-6">
      {change.isPending ? (
        <p role="status" aria-busy="true" className="text-sm text-slate-600 dark:text-slate-400">
          Signing the new tenant state and saving it…
        </p>
      ) : null}
      {change.isError ? <ChangeFailed error={change.error} onReload={reload} reloading={overview.isFetching} /> : null}
      {done ? <Alert tone="success">{done}</Alert> : null}
      {(['kms', 'siem'] as const).map((kind) => (
        <ConfigTable key={kind} tenant={tenant} kind={kind} rows={data.rows.filter((r) => r.kind === kind)} busy={change.isPending} onAction={onAction} />
      ))}
      <PrimaryDialog
        target={target('primary')}
        current={currentPrimary}
        onCancel={() => setPending(null)}
        onConfirm={() => pending && run({ type: 'primary', configId: pending.row.id }, pending.row, pending.base)}
      />
      <DisableDialog
        target={disabling}
        candidates={candidates}
        onCancel={() => setPending(null)}
        onConfirm={(successor) => pending && run({ type: 'disable', configId: pending.row.id, successor }, pending.row, pending.base)}
      />
      <DeleteDialog
        target={target('delete')}
        onCancel={() => setPending(null)}
        onConfirm={() => pending && run({ type: 'delete', configId: pending.row.id }, pending.row, pending.base)}
      />
    </div>
  );
}
