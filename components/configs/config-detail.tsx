'use client';
// One configuration: its current settings, decrypted and verified in this
// browser against the digest the signed tenant state lists, an editor that
// seals the next version, the version history with rollback, and the status
// actions that fit it — make primary, disable, enable — with the same
// confirmations and signing as the list's rows (config-actions.tsx). Settings
// are shown with the field list of the provider the document is signed with,
// not the broker's clear label (lib/client/signed-provider.ts). A SIEM
// configuration also shows how the proxies deliver to it (siem-delivery.tsx); every
// configuration shows the key use or events the proxies reported (config-usage.tsx).
import Link from 'next/link';
import { useQueryClient } from '@tanstack/react-query';
import { useState, useSyncExternalStore } from 'react';
import { LoadingState } from '@/components/operator/query-state';
import { TenantBreadcrumb } from '@/components/tenant/tenant-breadcrumb';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Card, PageHeader } from '@/components/ui/card';
import type { TTenantContext } from '@/lib/client/configs';
import { tenantKeys } from '@/lib/client/query-keys';
import { signedProvider } from '@/lib/client/signed-provider';
import { findProvider } from '@/lib/schemas/providers/registry';
import { ActionDialogs, ActionFeedback, actionsFor, useConfigActions, type TConfigActions } from './config-actions';
import { LoadFailed, SecurityAlert } from './config-alerts';
import { ConfigDeployments } from './config-deployments';
import { ConfigForm } from './config-form';
import { configHref, LINK, StatusBadges } from './config-table';
import { ConfigTestCard } from './config-test-panel';
import { ConfigValues } from './config-values';
import { KmsConfigIdNote } from './kms-config-id-note';
import { KIND_TEXT } from './kind-text';
import { toFormValues, type TFormValues } from './settings-form';
import { ConfigUsage } from './config-usage';
import { SiemDelivery } from './siem-delivery';
import { TenantKeysGate } from './tenant-keys-gate';
import { useOpenedVersion, useOverview, type TConfigView, type TOverview } from './use-configs';
import { VersionHistory } from './version-history';

type TDetailProps = { tenant: string; tenantName: string; configId: string; savedVersion: number | null };

export function ConfigDetail({ tenant, tenantName, configId, savedVersion }: TDetailProps) {
  const label = useCachedOverview(tenant)?.rows.find((r) => r.id === configId)?.label ?? 'Configuration';
  return (
    <div className="space-y-6">
      <TenantBreadcrumb tenant={tenant} tenantName={tenantName} section="configs" page={{ label, href: configHref(tenant, configId) }} />
      <TenantKeysGate tenant={tenant}>{(ctx) => <DetailBody tenant={tenant} ctx={ctx} configId={configId} savedVersion={savedVersion} />}</TenantKeysGate>
    </div>
  );
}

/**
 * The verified listing the body loads, read from the cache so the last crumb names the configuration once it is
 * known. Not a second useQuery: an observer without the tenant keys would hand the query its own queryFn, which a
 * later refetch would then run.
 */
function useCachedOverview(tenant: string): TOverview | undefined {
  const queryClient = useQueryClient();
  return useSyncExternalStore(
    (onChange) => queryClient.getQueryCache().subscribe(onChange),
    () => queryClient.getQueryData<TOverview>(tenantKeys.configs(tenant)),
    () => undefined,
  );
}

function DetailBody({ tenant, ctx, configId, savedVersion }: { tenant: string; ctx: TTenantContext; configId: string; savedVersion: number | null }) {
  const queryClient = useQueryClient();
  const overview = useOverview(tenant, ctx);
  const row = overview.data?.rows.find((r) => r.id === configId);
  // The digest comes from the signed state, so the broker cannot hand over another sealed version.
  const opened = useOpenedVersion(ctx, configId, row?.latest ? { version: row.latest.version, jwe: row.latest.jwe, digest: row.digest } : undefined);
  const [editing, setEditing] = useState<{ base: TOverview; values: TFormValues } | null>(null);
  const [notice, setNotice] = useState<string | null>(savedVersion ? `Sealed and saved as version ${savedVersion}.` : null);
  const actions = useConfigActions(tenant, ctx);

  if (overview.isPending) return <LoadingState>Loading and verifying the configuration…</LoadingState>;
  if (overview.isError) {
    return <LoadFailed title="The configuration could not be shown" error={overview.error} retrying={overview.isFetching} onRetry={() => void overview.refetch()} />;
  }
  if (!row) {
    // Deleted here is not offered, but another administrator may delete it meanwhile.
    return (
      <Alert tone="warning" title="This configuration does not exist">
        It may have been deleted by another administrator.{' '}
        <Link href={`/t/${encodeURIComponent(tenant)}/configs`} className={LINK}>
          See the tenant’s configurations
        </Link>
      </Alert>
    );
  }
  const listedProvider = findProvider(row.provider);
  if (!listedProvider) return <Alert tone="error" title="Unknown provider">This broker does not know the provider “{row.provider}”.</Alert>;
  // Once decrypted, the signed document says which provider this is; the listing's label is only a hint until then.
  const signed = opened.data ? signedProvider(row.provider, opened.data) : null;
  const provider = signed?.ok ? signed.provider : listedProvider;
  const canEdit = !!opened.data && !editing && !!signed?.ok && !signed.relabelled;
  const current = overview.data;
  const editedVersion = editing?.base.rows.find((r) => r.id === row.id)?.latestVersion;
  const reload = () => {
    setEditing(null);
    void queryClient.invalidateQueries({ queryKey: tenantKeys.configs(tenant) });
  };

  return (
    <div className="space-y-6">
      <PageHeader
        title={row.label}
        description={
          <>
            <span className="inline-flex flex-wrap items-center gap-2">
              {provider.label} · {KIND_TEXT[row.kind].name} · version {row.latestVersion} <StatusBadges row={row} />
            </span>
            {row.kind === 'kms' ? <KmsConfigIdNote kmsConfigId={row.kmsConfigId} /> : null}
          </>
        }
        actions={
          <StatusActions
            row={row}
            actions={actions}
            // Not while editing: the new version is sealed against the listing the edit started from.
            disabled={!!editing}
            onStart={(action) => {
              setNotice(null);
              actions.start(action, row, current);
            }}
          />
        }
      />
      {notice ? <Alert tone="success">{notice}</Alert> : null}
      <ActionFeedback actions={actions} reloading={overview.isFetching} />
      <ActionDialogs actions={actions} />
      <Card
        id="settings"
        title={editing ? 'Edit settings' : 'Current settings'}
        description={editing ? `Saving seals version ${row.latestVersion + 1}; version ${row.latestVersion} stays in the history.` : provider.description}
        actions={
          canEdit && opened.data ? (
            <Button
              variant="secondary"
              aria-label={`Edit ${row.label}`}
              onClick={() => {
                setNotice(null);
                // The listing on screen now is what the new version is sealed against.
                setEditing({ base: current, values: toFormValues(provider, opened.data.settings) });
              }}
            >
              Edit
            </Button>
          ) : null
        }
      >
        {!editing && opened.isPending ? <LoadingState>Decrypting and verifying in this browser…</LoadingState> : null}
        {!editing && opened.isError ? <SecurityAlert title="This configuration could not be decrypted and verified" error={opened.error} /> : null}
        {signed && !signed.ok && !editing ? (
          <Alert tone="error" title="This configuration cannot be shown">
            {signed.message}
          </Alert>
        ) : null}
        {signed?.ok && signed.relabelled && !editing ? (
          <Alert tone="error" title="The broker’s record of this configuration does not match its signed content">
            {signed.relabelled.message}
          </Alert>
        ) : null}
        {opened.data && signed?.ok && !editing ? <ConfigValues provider={signed.provider} document={opened.data} name={row.label} /> : null}
        {editing && editedVersion !== row.latestVersion ? (
          <Alert tone="warning" title="Changed elsewhere while you edit">
            Another administrator saved version {row.latestVersion} after you opened version {editedVersion}. Saving will be refused; reload to edit the
            current version.
          </Alert>
        ) : null}
        {editing ? (
          <ConfigForm
            tenant={tenant}
            ctx={ctx}
            kind={row.kind}
            editing={{ configId: row.id, providerId: provider.id, label: row.label, values: editing.values, base: editing.base }}
            onSaved={(result) => {
              setEditing(null);
              actions.setDone(null);
              setNotice(`Sealed and saved as version ${result.version}.`);
            }}
            onCancel={() => setEditing(null)}
            onReload={reload}
          />
        ) : null}
      </Card>
      <ConfigTestCard tenant={tenant} configId={row.id} version={row.latestVersion} label={row.label} kind={row.kind} />
      <ConfigDeployments tenant={tenant} row={row} overview={current} />
      {row.kind === 'siem' ? <SiemDelivery tenant={tenant} configId={row.id} label={row.label} /> : null}
      <ConfigUsage tenant={tenant} configId={row.id} label={row.label} kind={row.kind === 'siem' ? 'siem' : 'kms'} />
      <VersionHistory
        tenant={tenant}
        ctx={ctx}
        row={row}
        overview={current}
        onRolledBack={(version) => {
          actions.setDone(null);
          setNotice(`Rolled back: the older content is now version ${version}.`);
        }}
      />
    </div>
  );
}

const STATUS_BUTTON = {
  primary: { text: 'Make primary', variant: 'secondary' },
  disable: { text: 'Disable', variant: 'secondary' },
  enable: { text: 'Enable', variant: 'secondary' },
} as const;

/** Make primary, Disable or Enable, as fits the status (deleting stays on the list, where its strong confirmation is). */
function StatusActions({ row, actions, disabled, onStart }: { row: TConfigView; actions: TConfigActions; disabled: boolean; onStart: (action: 'primary' | 'disable' | 'enable') => void }) {
  const offered = actionsFor(row).filter((a): a is keyof typeof STATUS_BUTTON => a !== 'delete');
  return (
    <div role="group" aria-label={`Status of ${row.label}`} className="flex flex-wrap gap-2">
      {offered.map((action) => (
        <Button key={action} variant={STATUS_BUTTON[action].variant} disabled={disabled || actions.busy} onClick={() => onStart(action)}>
          {STATUS_BUTTON[action].text}
        </Button>
      ))}
    </div>
  );
}
