'use client';
// Every configuration page needs the tenant keys unlocked in this browser:
// this shows the unlock form when they are locked and a clear failure when
// they cannot be used, and renders the page only with a verified context.
import Link from 'next/link';
import type { ReactNode } from 'react';
import { UnlockForm } from '@/components/account/unlock-form';
import { LoadingState } from '@/components/operator/query-state';
import { PageHeader } from '@/components/ui/card';
import type { TTenantContext } from '@/lib/client/configs';
import { LoadFailed } from './config-alerts';
import { LINK } from './config-table';
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

/** A tenant page that needs the keys: breadcrumb to the tenant, the heading, and the gated body. */
export function TenantKeysPage({ tenant, tenantName, title, description, children }: { tenant: string; tenantName: string; title: string; description: string; children: (ctx: TTenantContext) => ReactNode }) {
  return (
    <div className="space-y-6">
      <nav aria-label="Breadcrumb" className="text-sm">
        <Link href={`/t/${encodeURIComponent(tenant)}`} className={LINK}>
          {tenantName}
        </Link>
      </nav>
      <PageHeader title={title} description={description} />
      <TenantKeysGate tenant={tenant}>{children}</TenantKeysGate>
    </div>
  );
}
