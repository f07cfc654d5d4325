'use client';
// The operator console's tenants page: every tenant, searched, filtered,
// sorted and paged on the server (keyset pages, so it stays fast with 10 000
// tenants), with the view kept in the URL; and the form that onboards a new
// tenant. Metadata only; nothing here can show a tenant's settings.
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useCallback, useRef, useState } from 'react';
import { api } from '@/lib/client/api';
import { operatorKeys } from '@/lib/client/query-keys';
import { Button } from '@/components/ui/button';
import { Card, PageHeader } from '@/components/ui/card';
import { CreateTenantForm } from './create-tenant-form';
import { LoadError, LoadingState } from './query-state';
import { TenantListFilters } from './tenant-list-filters';
import { apiSearch, filtersKey, pageSize, sortOf, withChanges, type TListParams, type TSort } from './tenant-list-params';
import { TenantListTable } from './tenant-list-table';

export function TenantsView() {
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const search = apiSearch(params);
  const { sort, order } = sortOf(params);
  const page = Math.max(1, Number(params.get('page')) || 1);
  // Cursors of the pages before this one, for "Previous" (a reload keeps only "First page").
  const [history, setHistory] = useState<{ key: string; cursors: (string | null)[] }>({ key: '', cursors: [] });
  const key = filtersKey(params);
  const cursors = history.key === key ? history.cursors : [];

  const tenants = useQuery({ queryKey: operatorKeys.tenantList(search), queryFn: () => api.tenantsPage(search), placeholderData: keepPreviousData });
  const environments = useQuery({ queryKey: operatorKeys.environments(), queryFn: api.environments });

  // The URL updates a moment after router.replace; a second change made before it lands (two filters
  // chosen quickly) must build on the first, not on the URL still showing the state before both.
  const pending = useRef<{ query: string; at: number } | null>(null);
  const latest = useCallback((): TListParams => {
    const p = pending.current;
    return p && Date.now() - p.at < 2000 && p.query !== params.toString() ? new URLSearchParams(p.query) : params;
  }, [params]);
  const navigate = useCallback(
    (query: string) => {
      pending.current = { query, at: Date.now() };
      router.replace(query ? `${pathname}?${query}` : pathname, { scroll: false });
    },
    [router, pathname],
  );
  const onChange = useCallback((changes: Record<string, string | null>) => navigate(withChanges(latest(), changes)), [navigate, latest]);
  const onSort = (column: TSort) => onChange({ sort: column, order: column === sort && order === 'asc' ? 'desc' : 'asc' });

  const next = () => {
    if (!tenants.data?.nextCursor) return;
    setHistory({ key, cursors: [...cursors, params.get('cursor')] });
    navigate(withChanges(params, { cursor: tenants.data.nextCursor, page: String(page + 1) }));
  };
  const previous = () => {
    const before = cursors.at(-1);
    setHistory({ key, cursors: cursors.slice(0, -1) });
    navigate(withChanges(params, { cursor: before ?? null, page: page - 1 > 1 ? String(page - 1) : null }));
  };
  const first = () => {
    setHistory({ key, cursors: [] });
    navigate(withChanges(params, { cursor: null, page: null }));
  };

  const data = tenants.data;
  const from = (page - 1) * pageSize(params) + 1;
  const range = data && data.rows.length ? `${from}–${from + data.rows.length - 1} of ${data.total}` : '';
  const filtered = [...params.keys()].some((k) => !['sort', 'order', 'cursor', 'page', 'limit'].includes(k));

  return (
    <div className="space-y-8">
      <PageHeader
        title="Tenants"
        description="Your customers. Their admins keep each tenant’s KMS and SIEM settings sealed; here you see status, setup and propagation only."
        actions={
          <a href="#new-tenant" className="rounded-md border border-slate-300 bg-white px-4 py-2 text-sm font-medium text-slate-900 hover:bg-slate-50 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100 dark:hover:bg-slate-800">
            New tenant
          </a>
        }
      />
      <Card id="tenants" title="All tenants">
        <div className="space-y-4">
          <TenantListFilters params={params} environments={environments.data?.environments ?? []} onChange={onChange} />
          <p role="status" aria-live="polite" className="text-sm text-slate-600 dark:text-slate-400">
            {tenants.isFetching && data ? 'Updating…' : data ? (data.total === 0 ? 'No tenants match.' : `Showing ${range} tenants.`) : ''}
          </p>
          {tenants.isPending ? (
            <LoadingState>Loading tenants…</LoadingState>
          ) : tenants.isError ? (
            <LoadError title="Could not load tenants." error={tenants.error} retrying={tenants.isFetching} onRetry={() => void tenants.refetch()} />
          ) : tenants.data.rows.length === 0 ? (
            <EmptyState filtered={filtered} onClear={() => navigate(withChanges(new URLSearchParams(), {}))} />
          ) : (
            <>
              <TenantListTable rows={tenants.data.rows} sort={sort} order={order} onSort={onSort} caption={`Tenants ${range}, sorted by ${sort} ${order === 'asc' ? 'ascending' : 'descending'}`} />
              <nav aria-label="Tenant pages" className="flex flex-wrap items-center gap-3">
                {page > 1 ? (
                  <>
                    <Button variant="secondary" onClick={first}>First page</Button>
                    {cursors.length > 0 ? <Button variant="secondary" onClick={previous}>Previous page</Button> : null}
                  </>
                ) : null}
                <span className="text-sm text-slate-600 dark:text-slate-400">Page {page}</span>
                {tenants.data.nextCursor ? <Button variant="secondary" onClick={next}>Next page</Button> : null}
              </nav>
            </>
          )}
        </div>
      </Card>
      <Card id="new-tenant" title="New tenant" description="Creates the tenant and invites its first admin, who sets up the tenant’s keys.">
        <CreateTenantForm />
      </Card>
    </div>
  );
}

function EmptyState({ filtered, onClear }: { filtered: boolean; onClear: () => void }) {
  if (filtered) {
    return (
      <div className="space-y-2 text-sm">
        <p className="font-medium">No tenant matches this search and these filters.</p>
        <Button variant="secondary" onClick={onClear}>Clear search and filters</Button>
      </div>
    );
  }
  return (
    <div className="space-y-2 text-sm text-slate-600 dark:text-slate-400">
      <p className="font-medium text-slate-900 dark:text-slate-100">No tenants yet.</p>
      <p>
        A tenant is one of your customers. Its admins register its KMS and SIEM settings, sealed with keys that only their browsers hold; your
        key proxies use them, and you see only whether they arrived. Create the first tenant below: its first admin gets an invitation by mail.
      </p>
    </div>
  );
}
