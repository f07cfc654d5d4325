'use client';
// Every configuration page needs the tenant keys unlocked in this browser:
// this shows the unlock form when they are locked and a clear failure when
// they cannot be used, and renders the page only with a verified context.
import type { ReactNode } from 'react';
import { UnlockForm } from '@/components/account/unlock-form';
import { LoadingState } from '@/components/operator/query-state';
import { TenantBreadcrumb } from '@/components/tenant/tenant-breadcrumb';
import { PageHeader } from '@/components/ui/card';
import type { TTenantContext } from '@/lib/client/configs';
import type { TTenantSection } from '@/lib/client/tenant-sections';
import { LoadFailed } from './config-alerts';
import { useTenantContext } from './use-configs';

export function TenantKeysGate({ tenant, children }: { tenant: string; children: (ctx: TTenantContext) => ReactNode }) {
  const { account, context } = useTenantContext(tenant);
  if (account.isError) return <LoadFailed title="Your account could not be loaded" error={account.error} retrying={account.isFetching} onRetry={() => void account.refetch()} />;
  if (!account.data || context.isPending) return <LoadingState>Opening the tenant keys in this browser…</LoadingState>;
  if (context.isError) {
    return <LoadFailed title="The tenant keys could not be opened" error={context.error} retrying={context.isFetching} onRetry={() => void context.refetch()} />;
  }
  if (context.data.locked) return <UnlockForm account={account.data} />;
  return <>{children(context.data.ctx)}</>;
}

type TPageProps = {
  tenant: string;
  tenantName: string;
  section: TTenantSection;
  title: string;
  description: string;
  /** Shown above the gate: what needs no keys (e.g. deployments asking for access). */
  notices?: ReactNode;
  children: (ctx: TTenantContext) => ReactNode;
};

/** A section's page that needs the keys: the breadcrumb, the heading, and the gated body. */
export function TenantKeysPage({ tenant, tenantName, section, title, description, notices, children }: TPageProps) {
  return (
    <div className="space-y-6">
      <TenantBreadcrumb tenant={tenant} tenantName={tenantName} section={section} />
      <PageHeader title={title} description={description} />
      {notices}
      <TenantKeysGate tenant={tenant}>{children}</TenantKeysGate>
    </div>
  );
}
