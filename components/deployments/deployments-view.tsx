'use client';
// The operator console's proxy deployments: each cluster of key proxies with
// its key, how recently it used its API key and reported what it applied,
// how far behind it is, the errors it reported and how many tenants of its
// environment approved it. Below, the form that creates one.
import Link from 'next/link';
import { useQuery } from '@tanstack/react-query';
import { api } from '@/lib/client/api';
import { operatorKeys } from '@/lib/client/query-keys';
import type { TDeploymentRow } from '@/lib/schemas/deployments';
import { ShortFingerprint } from '@/components/keys/fingerprint';
import { DateTime } from '@/components/ui/date-time';
import { LoadError, LoadingState, TABLE, TableScroller, TD, TH } from '@/components/operator/query-state';
import { Card, PageHeader } from '@/components/ui/card';
import { CreateDeploymentForm } from './create-deployment-form';
import { Applied, DeliveryBadge, DeliveryLegend, ErrorList, StatusBadge } from './deployment-parts';

export function DeploymentsView() {
  const deployments = useQuery({ queryKey: operatorKeys.deployments(), queryFn: api.deployments });
  return (
    <div className="space-y-8">
      <PageHeader
        title="Proxy deployments"
        description="Clusters of your key proxies. Each has its own decryption key; tenant admins decide which deployments may read their configurations."
      />
      <Card id="deployments" title="All deployments">
        {deployments.isPending ? (
          <LoadingState>Loading deployments…</LoadingState>
        ) : deployments.isError ? (
          <LoadError title="Could not load deployments." error={deployments.error} retrying={deployments.isFetching} onRetry={() => void deployments.refetch()} />
        ) : deployments.data.deployments.length === 0 ? (
          <div className="space-y-2 text-sm text-slate-600 dark:text-slate-400" data-testid="deployments-empty">
            <p className="font-medium text-slate-900 dark:text-slate-100">No proxy deployments yet.</p>
            <p>
              A proxy deployment is one cluster of your key proxies, serving the tenants of one environment. Create one below; you get a
              credentials file for it, and each tenant’s admins approve its key before it can read their configurations.
            </p>
          </div>
        ) : (
          <>
            <DeploymentsTable rows={deployments.data.deployments} />
            <DeliveryLegend />
          </>
        )}
      </Card>
      <Card id="new-deployment" title="New proxy deployment">
        <CreateDeploymentForm />
      </Card>
    </div>
  );
}

function DeploymentsTable({ rows }: { rows: TDeploymentRow[] }) {
  return (
    <TableScroller label="Deployments table">
      <table className={`${TABLE} min-w-[64rem]`}>
        <caption className="sr-only">Proxy deployments, their keys, activity and approvals</caption>
        <thead>
          <tr>
            <th scope="col" className={TH}>Name</th>
            <th scope="col" className={TH}>Environment</th>
            <th scope="col" className={TH}>Key</th>
            <th scope="col" className={TH}>Created</th>
            <th scope="col" className={TH}>API key last used</th>
            <th scope="col" className={TH}>Last status report</th>
            <th scope="col" className={TH}>Delivery</th>
            <th scope="col" className={TH}>Errors</th>
            <th scope="col" className={`${TH} text-right`}>Tenants approved</th>
            <th scope="col" className={TH}>Status</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.id} data-testid={`deployment-row-${row.name}`}>
              <th scope="row" className={`${TD} font-medium`}>
                <Link href={`/operator/deployments/${encodeURIComponent(row.id)}`} className="text-brand-700 underline dark:text-brand-500">
                  {row.name}
                </Link>
              </th>
              <td className={TD}>{row.environment.displayName}</td>
              <td className={TD}>
                <ShortFingerprint jwk={row.publicJwk} label={`Key fingerprint of ${row.name}`} />
              </td>
              <td className={TD}><DateTime at={row.createdAt} /></td>
              <td className={TD}>{row.lastUsedAt ? <DateTime at={row.lastUsedAt} /> : 'Never'}</td>
              <td className={TD}>{row.lastStatusAt ? <DateTime at={row.lastStatusAt} /> : 'Never'}</td>
              <td className={TD}>
                <DeliveryBadge state={row.delivery} lastReportAt={row.lastStatusAt} />
                <span className="mt-1 block text-sm">
                  <Applied row={row} />
                </span>
              </td>
              <td className={TD}>
                <ErrorList count={row.errorCount} errors={row.errors} name={row.name} />
              </td>
              <td className={`${TD} text-right tabular-nums`}>
                {row.tenantsApproved} / {row.tenantsInEnvironment}
              </td>
              <td className={TD}>
                <StatusBadge status={row.status} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroller>
  );
}

