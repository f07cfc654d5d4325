'use client';
// The operators' overview: what is set up, what is stuck, and whether every
// proxy deployment keeps up. The charts (recharts) are loaded only in the
// browser and only on this page, so the console stays light; each chart has
// its numbers in a table beside it for screen readers and keyboard users.
import { useQuery } from '@tanstack/react-query';
import dynamic from 'next/dynamic';
import { api, type TOverview } from '@/lib/client/api';
import { providerLabel, statusWord } from '@/lib/client/console-text';
import { operatorKeys } from '@/lib/client/query-keys';
import Link from 'next/link';
import { Card, PageHeader } from '@/components/ui/card';
import { tspErrorWords } from '@/lib/tsp-error-words';
import { LoadError, LoadingState } from '../query-state';
import { DataTable, HealthPanel } from './overview-parts';

const Charts = dynamic(() => import('./overview-charts').then((m) => m.OverviewCharts), {
  ssr: false,
  loading: () => <LoadingState>Loading charts…</LoadingState>,
});

export function OverviewView() {
  // Refreshed every 30 s while open: lag and errors change as proxies report.
  const overview = useQuery({ queryKey: operatorKeys.overview(), queryFn: api.overview, refetchInterval: 30_000 });
  return (
    <div className="space-y-8">
      <PageHeader title="Overview" description="Tenants, configurations and proxy deployments at a glance. Metadata only: no secret is ever shown here." />
      {overview.isPending ? (
        <LoadingState>Loading the overview…</LoadingState>
      ) : overview.isError ? (
        <LoadError title="Could not load the overview." error={overview.error} retrying={overview.isFetching} onRetry={() => void overview.refetch()} />
      ) : (
        <OverviewBody data={overview.data} />
      )}
    </div>
  );
}

function OverviewBody({ data }: { data: TOverview }) {
  const tenantTotal = data.tenants.reduce((n, t) => n + t.count, 0);
  const configTotal = data.configs.reduce((n, c) => n + c.active + c.disabled, 0);
  return (
    <>
      <Card id="deployments-health" title="Deployments health" description="Each proxy deployment: does it report, has it applied every change, does it report errors?">
        <HealthPanel deployments={data.deployments} />
      </Card>
      <Charts data={data} />
      <Card id="usage" title="Key use by tenant" description="The tenants with the most key use in the last 24 hours, as their proxy deployments reported it (the broker cannot prove these counts). Counts and codes only.">
        <DataTable
          caption="Tenants with the most key use, last 24 hours"
          columns={['Tenant', 'Key uses', 'Failed', 'Commonest error']}
          rows={data.usage.map((u) => [
            <Link key="t" href={`/operator/tenants/${encodeURIComponent(u.externalId)}#usage`} className="text-brand-700 underline hover:no-underline dark:text-brand-50">
              {u.displayName}
            </Link>,
            u.uses,
            u.failed,
            u.topCode ? `${u.topCode} ${tspErrorWords(u.topCode)}` : '—',
          ])}
          empty="No key use reported in the last 24 hours."
        />
      </Card>
      <div className="grid gap-8 lg:grid-cols-2">
        <Card id="tenants-data" title={`Tenants (${tenantTotal})`}>
          <DataTable
            caption="Tenants by environment and status"
            columns={['Environment', 'Status', 'Tenants']}
            rows={data.tenants.map((t) => [t.environment, statusWord(t.status), t.count])}
            empty="No tenants yet."
          />
        </Card>
        <Card id="configs-data" title={`Configurations (${configTotal})`}>
          <DataTable
            caption="Configurations by provider"
            columns={['Kind', 'Provider', 'Active', 'Disabled']}
            rows={data.configs.map((c) => [c.kind.toUpperCase(), providerLabel(c.provider), c.active, c.disabled])}
            empty="No configurations yet."
          />
        </Card>
      </div>
    </>
  );
}
