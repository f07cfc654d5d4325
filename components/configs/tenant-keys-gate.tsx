'use client';
// Every configuration page needs the tenant keys unlocked in this browser:
// this shows the unlock form when they are locked and a clear failure when
// they cannot be used, and renders the page only with a verified context.
import type { ReactNode } from 'react';
import { UnlockForm } from '@/components/account/unlock-form';
import { LoadingState } from '@/components/operator/query-state';
import type { TTenantContext } from '@/lib/client/configs';
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
