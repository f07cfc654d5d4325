'use client';
// A new KMS or SIEM configuration: what the kind is for, then the provider
// form. The new configuration becomes primary if its kind has none yet.
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useQueryClient } from '@tanstack/react-query';
import { LoadingState } from '@/components/operator/query-state';
import { TenantBreadcrumb } from '@/components/tenant/tenant-breadcrumb';
import { PageHeader } from '@/components/ui/card';
import type { TTenantContext } from '@/lib/client/configs';
import { tenantKeys } from '@/lib/client/query-keys';
import type { TConfigKind } from '@/lib/schemas/providers/types';
import { LoadFailed } from './config-alerts';
import { ConfigForm } from './config-form';
import { configHref, LINK, newConfigHref } from './config-table';
import { KIND_TEXT } from './kind-text';
import { TenantKeysGate } from './tenant-keys-gate';
import { useOverview } from './use-configs';

export function NewConfig({ tenant, tenantName, kind }: { tenant: string; tenantName: string; kind: TConfigKind | null }) {
  const page = kind ? { label: `New ${KIND_TEXT[kind].name} configuration`, href: newConfigHref(tenant, kind) } : { label: 'New configuration', href: `/t/${encodeURIComponent(tenant)}/configs/new` };
  return (
    <div className="space-y-6">
      <TenantBreadcrumb tenant={tenant} tenantName={tenantName} section="configs" page={page} />
      {kind ? (
        <>
          <PageHeader title={`New ${KIND_TEXT[kind].name} configuration`} description={KIND_TEXT[kind].purpose} />
          <TenantKeysGate tenant={tenant}>{(ctx) => <NewBody tenant={tenant} ctx={ctx} kind={kind} />}</TenantKeysGate>
        </>
      ) : (
        <>
          <PageHeader title="New configuration" description="Which kind of configuration do you want to add?" />
          <ul className="space-y-4">
            {(['kms', 'siem'] as const).map((k) => (
              <li key={k} className="space-y-1">
                <Link href={newConfigHref(tenant, k)} className={LINK}>
                  New {KIND_TEXT[k].name} configuration
                </Link>
                <p className="text-sm text-slate-600 dark:text-slate-400">{KIND_TEXT[k].purpose}</p>
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

function NewBody({ tenant, ctx, kind }: { tenant: string; ctx: TTenantContext; kind: TConfigKind }) {
  const router = useRouter();
  const queryClient = useQueryClient();
  // Creating signs the next tenant state, so the current one must verify first.
  const overview = useOverview(tenant, ctx);
  if (overview.isPending) return <LoadingState>Loading and verifying the configurations…</LoadingState>;
  if (overview.isError) {
    return <LoadFailed title="The configurations could not be verified" error={overview.error} retrying={overview.isFetching} onRetry={() => void overview.refetch()} />;
  }
  return (
    <ConfigForm
      tenant={tenant}
      ctx={ctx}
      kind={kind}
      current={overview.data}
      onSaved={(result) => router.push(`${configHref(tenant, result.configId)}?saved=${result.version}`)}
      onCancel={() => router.push(`/t/${encodeURIComponent(tenant)}/configs`)}
      onReload={() => void queryClient.invalidateQueries({ queryKey: tenantKeys.configs(tenant) })}
    />
  );
}
